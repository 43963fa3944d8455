package com.customerpath.jobs.recommend;

import static com.customerpath.testing.Fixtures.rows;
import static com.customerpath.testing.Fixtures.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.common.config.RecommendationSettings.CandidateSettings;
import com.customerpath.common.config.RecommendationSettings.Preference;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The per-product rows of the interactions, worked out by hand: the customer's orders and their
 * recency weights are counted once per order (not per line or per product), a product's weight is
 * the share of the customer's order weight it was in, and days count distinct days.
 */
class PerProductTest {
  private static final LocalDate AS_OF = LocalDate.of(2026, 6, 30);
  // A half-life of 10 days: an order 10 days old weighs 0.5, 20 days old 0.25.
  private static final CandidateSettings SETTINGS =
      new CandidateSettings(10, CandidateSettings.Measure.COSINE, 5, 10, 1);

  @Test
  void countsOrdersOnceAndSharesTheirWeights() {
    Dataset<Row> lines =
        rows(
            "transaction_id string, customer_id string, ts timestamp, product_id string,"
                + " quantity double",
            // A: order o1 20 days old (Wed 10 June) with milk on two lines and bread; order o2 10
            // days old (Sat 20 June) with milk; order o3 on the run date (Tue 30 June) with tea.
            new Object[] {"o1", "A", ts("2026-06-10 09:00:00"), "milk", 1.0},
            new Object[] {"o1", "A", ts("2026-06-10 09:00:00"), "milk", 2.0},
            new Object[] {"o1", "A", ts("2026-06-10 09:00:00"), "bread", 1.0},
            new Object[] {"o2", "A", ts("2026-06-20 18:00:00"), "milk", 1.0},
            new Object[] {"o3", "A", ts("2026-06-30 08:00:00"), "tea", 1.0},
            // B: two orders on the same day (Sun 28 June) with the same product, no transaction
            // id on the second (its order is the customer's day).
            new Object[] {"b1", "B", ts("2026-06-28 10:00:00"), "milk", 1.0},
            new Object[] {null, "B", ts("2026-06-28 12:00:00"), "milk", 3.0},
            // A return is not a purchase.
            new Object[] {"b2", "B", ts("2026-06-29 10:00:00"), "tea", -1.0});
    Map<String, Row> byKey = new HashMap<>();
    CandidateSources.perProduct(CandidateSources.purchases(lines), AS_OF, SETTINGS)
        .collectAsList()
        .forEach(r -> byKey.put(r.getAs("customer_id") + "/" + r.getAs("product_id"), r));
    assertEquals(4, byKey.size(), byKey.keySet().toString());

    double total = 0.25 + 0.5 + 1.0; // A's three orders
    Row milk = byKey.get("A/milk");
    assertEquals(2L, milk.<Long>getAs("purchases"), "two orders, three lines");
    assertEquals(4.0, milk.<Double>getAs("quantity"), 1e-12);
    assertEquals(3L, milk.<Long>getAs("lines"));
    assertEquals(1L, milk.<Long>getAs("weekend_lines"), "20 June is a Saturday");
    assertEquals(2L, milk.<Long>getAs("days"));
    assertEquals(3L, milk.<Long>getAs("orders"));
    assertEquals(java.sql.Date.valueOf("2026-06-10"), milk.getAs("first_day"));
    assertEquals(java.sql.Date.valueOf("2026-06-20"), milk.getAs("last_day"));
    assertEquals((0.25 + 0.5) / total, milk.<Double>getAs("f_buy_again"), 1e-12);
    assertEquals(0.25 / total, byKey.get("A/bread").<Double>getAs("f_buy_again"), 1e-12);
    assertEquals(1.0 / total, byKey.get("A/tea").<Double>getAs("f_buy_again"), 1e-12);

    Row milkB = byKey.get("B/milk");
    assertEquals(2L, milkB.<Long>getAs("purchases"));
    assertEquals(1L, milkB.<Long>getAs("days"), "both orders on one day");
    assertEquals(2L, milkB.<Long>getAs("orders"), "the return is not an order");
    assertEquals(2L, milkB.<Long>getAs("weekend_lines"), "28 June is a Sunday");
    assertEquals(1.0, milkB.<Double>getAs("f_buy_again"), 1e-12);
  }

  /**
   * The nightly build's interactions (per-product rows cached once, the repurchase intervals looked
   * up from a broadcast map) are the rows of the joined ones, column for column; milk's interval is
   * worked out by hand: A bought it 10 days apart, C 4 days apart over three days (a mean gap of
   * 2), so the median of the two repeat buyers' gaps is one of them, and tea, bought once by each,
   * has none.
   */
  @Test
  void cachedInteractionsAreTheJoinedOnes() {
    Dataset<Row> lines =
        rows(
            "transaction_id string, customer_id string, ts timestamp, product_id string,"
                + " quantity double",
            new Object[] {"a1", "A", ts("2026-06-10 09:00:00"), "milk", 1.0},
            new Object[] {"a2", "A", ts("2026-06-20 09:00:00"), "milk", 1.0},
            new Object[] {"a2", "A", ts("2026-06-20 09:00:00"), "tea", 1.0},
            new Object[] {"c1", "C", ts("2026-06-22 09:00:00"), "milk", 1.0},
            new Object[] {"c2", "C", ts("2026-06-24 09:00:00"), "milk", 2.0},
            new Object[] {"c3", "C", ts("2026-06-26 09:00:00"), "milk", 1.0},
            new Object[] {"c3", "C", ts("2026-06-26 09:00:00"), "tea", 1.0});
    Dataset<Row> cp =
        CandidateSources.perProduct(CandidateSources.purchases(lines), AS_OF, SETTINGS);
    List<Dataset<Row>> cached = new ArrayList<>();
    Dataset<Row> built =
        CandidateSources.cachedInteractions(cp, AS_OF, Preference.PURCHASES, cached);
    Dataset<Row> joined = CandidateSources.interactions(cp, AS_OF, Preference.PURCHASES);
    try {
      assertEquals(List.of(joined.columns()), List.of(built.columns()));
      assertEquals(1, cached.size(), "the per-product rows are cached for the caller to release");
      Map<String, Row> byKey = new HashMap<>();
      built
          .collectAsList()
          .forEach(r -> byKey.put(r.getAs("customer_id") + "/" + r.getAs("product_id"), r));
      assertEquals(4, byKey.size());
      for (Row j : joined.collectAsList()) {
        Row b = byKey.get(j.getAs("customer_id") + "/" + j.getAs("product_id"));
        assertEquals(
            j, b, "the same row for " + j.getAs("customer_id") + "/" + j.getAs("product_id"));
      }
      double milk = byKey.get("A/milk").<Double>getAs("interval_days");
      org.junit.jupiter.api.Assertions.assertTrue(
          milk == 10.0 || milk == 2.0, "milk's interval is a buyer's gap: " + milk);
      assertEquals(milk, byKey.get("C/milk").<Double>getAs("interval_days"), 0.0);
      org.junit.jupiter.api.Assertions.assertTrue(
          byKey.get("A/tea").isNullAt(byKey.get("A/tea").fieldIndex("interval_days")),
          "tea was bought once each");
      assertEquals(0.0, byKey.get("A/tea").<Double>getAs("f_due"), 0.0);
    } finally {
      cached.forEach(Dataset::unpersist);
    }
  }
}
