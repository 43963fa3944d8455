package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.Fixtures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * ALS numbers customers and products densely; the factors, the blend learned from them and the
 * recommendations depend on that numbering, so the same ids must get the same numbers whatever
 * order the rows arrive in (the order a task reads its shuffle blocks in varies from run to run).
 */
class AlsIndexTest {
  @Test
  void theSameIdsGetTheSameNumbersWhateverTheirOrder() {
    List<Object[]> rows = new ArrayList<>();
    for (int c = 0; c < 300; c++) {
      String id = String.format("C%03d", c);
      rows.add(new Object[] {id});
      if (c % 3 == 0) {
        rows.add(new Object[] {id}); // a customer with several rows
      }
    }
    Map<String, Integer> inOrder = numbers(rows);
    List<Object[]> reversed = new ArrayList<>(rows);
    Collections.reverse(reversed);
    List<Object[]> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new java.util.Random(11));

    assertEquals(300, inOrder.size());
    assertEquals(
        List.copyOf(new java.util.TreeSet<>(inOrder.values())),
        java.util.stream.IntStream.range(0, 300).boxed().toList(),
        "dense numbers 0..n-1");
    assertEquals(inOrder, numbers(reversed), "rows in reverse order");
    assertEquals(inOrder, numbers(shuffled), "rows shuffled");
  }

  /** id -> number, from rows read as one partition in the given order. */
  private static Map<String, Integer> numbers(List<Object[]> rows) {
    Dataset<Row> ids =
        Fixtures.rows("customer_id string", rows.toArray(new Object[0][])).coalesce(1);
    return CandidateSources.index(ids, "customer_id", "user_ix").collectAsList().stream()
        .collect(
            Collectors.toMap(r -> r.getString(0), r -> r.getInt(1), (a, b) -> a, TreeMap::new));
  }
}
