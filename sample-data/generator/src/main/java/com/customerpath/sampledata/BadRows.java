package com.customerpath.sampledata;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plants the bad transaction rows the pipeline must quarantine. Each bad row is a copy of a clean
 * line with exactly one defect; copies other than exact duplicates get their own order id, so
 * dropping the bad rows gives back exactly the clean data.
 */
final class BadRows {
  static final String UNPARSEABLE_QUANTITY = "unparseable_quantity";
  static final String MISSING_CUSTOMER_ID = "missing_customer_id";
  static final String TIMESTAMP_AFTER_RUN_DATE = "timestamp_after_run_date";
  static final String EXACT_DUPLICATE = "exact_duplicate";
  static final String UNPARSEABLE_TIMESTAMP = "unparseable_timestamp";

  static final Map<String, Integer> COUNTS;

  static {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put(UNPARSEABLE_QUANTITY, 25);
    counts.put(MISSING_CUSTOMER_ID, 15);
    counts.put(TIMESTAMP_AFTER_RUN_DATE, 10);
    counts.put(EXACT_DUPLICATE, 20);
    counts.put(UNPARSEABLE_TIMESTAMP, 8);
    COUNTS = java.util.Collections.unmodifiableMap(counts);
  }

  private static final List<String> BAD_QUANTITIES =
      List.of("two", "1,5x", "3 pcs", "one", "~2", "1..2", "x3", "n/a");
  private static final List<String> BAD_TIMESTAMPS =
      List.of(
          "2026-13-45 99:00:00",
          "2025-02-30 25:61:00",
          "31/12/2025 10:00",
          "2025-11-31T8:5",
          "not a date",
          "2025-00-10 12:00:00",
          "20251305 101010",
          "2026-04-31 24:00:60");

  // Column positions in a transactions row.
  static final int ORDER_ID = 0;
  static final int LINE_NO = 1;
  static final int CUST_ID = 2;
  static final int ORDER_TS = 3;
  static final int QTY = 5;

  private BadRows() {}

  /**
   * Returns the clean rows with bad rows inserted at random positions. Sources are clean purchase
   * lines (positive qty), each used at most once.
   */
  static List<String[]> plant(
      List<String[]> cleanRows,
      LocalDateTime runEnd,
      int nextOrderNumber,
      DateTimeFormatter tsFormat,
      Rng rng) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < cleanRows.size(); i++) {
      if (Integer.parseInt(cleanRows.get(i)[QTY]) > 0) {
        candidates.add(i);
      }
    }
    int needed = COUNTS.values().stream().mapToInt(Integer::intValue).sum();
    if (candidates.size() < needed) {
      throw new IllegalStateException(
          "Too few clean lines (" + candidates.size() + ") to plant bad rows");
    }
    Set<Integer> used = new HashSet<>();
    List<String[]> badRows = new ArrayList<>();
    int orderNumber = nextOrderNumber;
    for (Map.Entry<String, Integer> entry : COUNTS.entrySet()) {
      for (int n = 0; n < entry.getValue(); n++) {
        int source;
        do {
          source = candidates.get(rng.intBetween(0, candidates.size() - 1));
        } while (!used.add(source));
        String[] row = cleanRows.get(source).clone();
        if (!entry.getKey().equals(EXACT_DUPLICATE)) {
          row[ORDER_ID] = SampleWorld.orderId(orderNumber++);
          row[LINE_NO] = "1";
        }
        switch (entry.getKey()) {
          case UNPARSEABLE_QUANTITY -> row[QTY] = BAD_QUANTITIES.get(n % BAD_QUANTITIES.size());
          case MISSING_CUSTOMER_ID -> row[CUST_ID] = "";
          case TIMESTAMP_AFTER_RUN_DATE ->
              row[ORDER_TS] =
                  runEnd
                      .plusDays(rng.intBetween(1, 30))
                      .minusSeconds(rng.intBetween(0, 80_000))
                      .format(tsFormat);
          case UNPARSEABLE_TIMESTAMP ->
              row[ORDER_TS] = BAD_TIMESTAMPS.get(n % BAD_TIMESTAMPS.size());
          case EXACT_DUPLICATE -> {}
          default -> throw new IllegalStateException(entry.getKey());
        }
        badRows.add(row);
      }
    }
    List<String[]> result = new ArrayList<>(cleanRows);
    for (String[] bad : badRows) {
      result.add(rng.intBetween(0, result.size()), bad);
    }
    return result;
  }
}
