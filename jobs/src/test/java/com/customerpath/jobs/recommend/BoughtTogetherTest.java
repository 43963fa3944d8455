package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.RecommendationSettings.CandidateSettings;
import com.customerpath.testing.Fixtures;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bought together scores each customer's products in plain Java over a broadcast neighbour table.
 * The oracle is the definition written as SQL: the customer's items (at most max-items, by
 * purchases, last day, product) joined to their neighbours, similarities summed per product over
 * the number of items, bought products left out. Random purchases of 60 customers over 15 products,
 * with caps small enough to bind (4 items per customer, 3 neighbours per item).
 */
class BoughtTogetherTest {
  private static final CandidateSettings SETTINGS =
      new CandidateSettings(30, CandidateSettings.Measure.COSINE, 3, 4, 1);
  private static Dataset<Row> interactions;
  private static Map<String, Map<String, Double>> expected;
  private static Map<String, Double> similarity;
  private static Map<String, List<String>> itemsOf;

  @BeforeAll
  static void setUp() {
    Random random = new Random(7);
    List<Object[]> rows = new ArrayList<>();
    for (int c = 0; c < 60; c++) {
      Set<Integer> bought = new HashSet<>();
      int n = 1 + random.nextInt(7);
      while (bought.size() < n) {
        // Skewed towards the first products, so that neighbours overlap.
        bought.add((int) Math.floor(15 * Math.pow(random.nextDouble(), 1.7)));
      }
      for (int p : bought) {
        rows.add(
            new Object[] {
              String.format("C%02d", c),
              String.format("P%02d", p),
              (long) (1 + random.nextInt(4)),
              java.sql.Date.valueOf(LocalDate.of(2026, 6, 1).plusDays(random.nextInt(20)))
            });
      }
    }
    interactions =
        Fixtures.rows(
                "customer_id string, product_id string, purchases bigint, last_day date",
                rows.toArray(new Object[0][]))
            .cache();

    Dataset<Row> items =
        interactions
            .withColumn(
                "r",
                functions
                    .row_number()
                    .over(
                        Window.partitionBy("customer_id")
                            .orderBy(
                                col("purchases").desc(),
                                col("last_day").desc(),
                                col("product_id"))))
            .filter(col("r").leq(SETTINGS.maxItemsPerCustomer()))
            .select("customer_id", "product_id");
    itemsOf = new HashMap<>();
    items
        .collectAsList()
        .forEach(
            r ->
                itemsOf
                    .computeIfAbsent(r.getString(0), k -> new ArrayList<>())
                    .add(r.getString(1)));
    Dataset<Row> neighbours = CandidateSources.neighbours(items, SETTINGS);
    similarity = new HashMap<>();
    for (Row r : neighbours.collectAsList()) {
      similarity.put(r.getString(0) + ">" + r.getString(1), r.getDouble(2));
    }
    Dataset<Row> counts = items.groupBy("customer_id").agg(functions.count("*").as("n_items"));
    expected = new HashMap<>();
    for (Row r :
        items
            .withColumnRenamed("product_id", "item")
            .join(neighbours, "item")
            .groupBy("customer_id", "product_id")
            .agg(functions.sum("similarity").as("sim_sum"))
            .join(counts, "customer_id")
            .join(interactions, new String[] {"customer_id", "product_id"}, "left_anti")
            .select(col("customer_id"), col("product_id"), col("sim_sum").divide(col("n_items")))
            .collectAsList()) {
      expected
          .computeIfAbsent(r.getString(0), k -> new HashMap<>())
          .put(r.getString(1), r.getDouble(2));
    }
  }

  @Test
  void scoresEveryNeighbourOfACustomersItemsAsTheSqlDefinitionDoes() {
    Map<String, Map<String, Double>> actual = new HashMap<>();
    Set<String> bought =
        interactions.collectAsList().stream()
            .map(r -> r.getString(0) + "/" + r.getString(1))
            .collect(Collectors.toSet());
    for (Row r : CandidateSources.boughtTogether(interactions, SETTINGS).collectAsList()) {
      String customer = r.getString(0);
      String product = r.getString(1);
      assertFalse(bought.contains(customer + "/" + product), customer + " bought " + product);
      actual.computeIfAbsent(customer, k -> new HashMap<>()).put(product, r.getDouble(2));
      // The reason is the customer's item most similar to the product.
      double best =
          itemsOf.get(customer).stream()
              .mapToDouble(i -> similarity.getOrDefault(i + ">" + product, 0.0))
              .max()
              .orElseThrow();
      assertEquals(best, similarity.get(r.getString(3) + ">" + product), 1e-12, customer);
    }
    assertTrue(expected.size() > 40, "most customers have candidates: " + expected.size());
    assertEquals(expected.keySet(), actual.keySet());
    for (String customer : expected.keySet()) {
      Map<String, Double> want = expected.get(customer);
      Map<String, Double> got = actual.get(customer);
      assertEquals(want.keySet(), got.keySet(), customer);
      want.forEach((p, v) -> assertEquals(v, got.get(p), 1e-12, customer + "/" + p));
    }
  }

  @Test
  void denseCoBuyerCountsGiveTheSameNeighboursAsTheSparkPairs() {
    // Small integer counts: many ties in similarity, decided by product id in both.
    Dataset<Row> items = interactions.select("customer_id", "product_id");
    for (CandidateSettings s :
        List.of(
            SETTINGS,
            new CandidateSettings(30, CandidateSettings.Measure.LIFT, 3, 4, 1),
            new CandidateSettings(30, CandidateSettings.Measure.COSINE, 5, 7, 2),
            new CandidateSettings(30, CandidateSettings.Measure.LIFT, 50, 7, 3))) {
      List<String> spark =
          CandidateSources.NeighbourIndex.of(CandidateSources.neighbours(items, s)).describe();
      assertTrue(spark.size() > 20, s + ": " + spark.size() + " neighbours");
      assertEquals(spark, CandidateSources.neighbourIndex(items, s).describe(), s.toString());
    }
  }

  @Test
  void keepsEachTargetCustomersBestByScoreThenProduct() {
    Dataset<Row> targets =
        Fixtures.rows(
            "customer_id string", new Object[] {"C01"}, new Object[] {"C02"}, new Object[] {"C03"});
    List<Row> out =
        CandidateSources.boughtTogether(interactions, SETTINGS, targets, 2).collectAsList();
    Map<String, List<String>> lists = new HashMap<>();
    out.forEach(
        r -> lists.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getString(1)));
    Set<String> withCandidates = new HashSet<>(List.of("C01", "C02", "C03"));
    withCandidates.retainAll(expected.keySet());
    assertEquals(withCandidates, lists.keySet());
    for (String customer : withCandidates) {
      Map<String, Double> want = expected.get(customer);
      List<String> best =
          want.keySet().stream()
              .sorted(
                  Comparator.<String>comparingDouble(p -> -want.get(p))
                      .thenComparing(Comparator.naturalOrder()))
              .limit(2)
              .toList();
      assertEquals(best, lists.get(customer), customer);
    }
  }
}
