package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** NDCG of candidate lists under weight vectors, on lists whose answers are worked out by hand. */
class BlendTest {
  private static final double ONE_AT_RANK_2 = 1 / (Math.log(3) / Math.log(2)); // 0.6309

  /** A candidate with a buy-again and a global-popularity score (other sources 0). */
  private static Row cand(String product, double buyAgain, double global, boolean relevant) {
    return RowFactory.create(product, buyAgain, 0.0, 0.0, 0.0, global, 0.0, relevant);
  }

  private static double[] only(String feature) {
    double[] w = new double[Recommender.FEATURES.size()];
    w[Recommender.FEATURES.indexOf(feature)] = 1;
    return w;
  }

  /**
   * DCG@k from the bounded heap equals DCG@k of the whole list sorted by score, then product id:
   * random lists with many tied scores, k below, at and above the list's size.
   */
  @Test
  void dcgOfTheFirstKEqualsDcgOfTheSortedList() {
    java.util.Random random = new java.util.Random(7);
    int features = Recommender.FEATURES.size();
    for (int trial = 0; trial < 500; trial++) {
      int n = random.nextInt(40);
      String[] product = new String[n];
      double[][] f = new double[n][features];
      boolean[] label = new boolean[n];
      for (int c = 0; c < n; c++) {
        product[c] = String.format("p%03d", random.nextInt(1000) * 40 + c); // distinct ids
        for (int i = 0; i < features; i++) {
          f[c][i] = random.nextInt(3) / 2.0; // few values: many ties
        }
        label[c] = random.nextBoolean();
      }
      double[] w = new double[features];
      for (int i = 0; i < features; i++) {
        w[i] = random.nextInt(3);
      }
      int k = 1 + random.nextInt(12);
      Integer[] order = new Integer[n];
      double[] score = new double[n];
      for (int c = 0; c < n; c++) {
        order[c] = c;
        for (int i = 0; i < features; i++) {
          score[c] += w[i] * f[c][i];
        }
      }
      java.util.Arrays.sort(
          order,
          (a, b) ->
              score[a] != score[b]
                  ? Double.compare(score[b], score[a])
                  : product[a].compareTo(product[b]));
      double expected = 0;
      for (int i = 0; i < Math.min(k, n); i++) {
        expected += label[order[i]] ? 1 / (Math.log(i + 2) / Math.log(2)) : 0;
      }
      assertEquals(expected, Blend.dcg(w, f, product, label, k), 1e-12, "trial " + trial);
    }
  }

  @Test
  void meanNdcgPerWeightVectorMatchesTheHandWorkedFigures() {
    StringBuilder ddl = new StringBuilder("n_rel int, cands array<struct<product_id: string");
    Recommender.FEATURES.forEach(f -> ddl.append(", ").append(f).append(": double"));
    ddl.append(", label: boolean>>");
    List<Row> rows = new ArrayList<>();
    // A: the relevant product is the global best seller; the bought one is not relevant.
    rows.add(RowFactory.create(1, List.of(cand("p1", 1, 0, false), cand("p2", 0, 1, true))));
    // B: both candidates relevant: any order is ideal.
    rows.add(RowFactory.create(2, List.of(cand("p3", 0.5, 0, true), cand("p4", 0, 0.5, true))));
    // C: bought in the validation days but no candidate at all: NDCG 0.
    rows.add(RowFactory.create(1, null));
    // Equal scores: the product id decides, as in the final ranking (p5 before p6).
    rows.add(RowFactory.create(1, List.of(cand("p6", 1, 1, true), cand("p5", 1, 1, false))));
    Dataset<Row> lists =
        SparkTestSession.get().createDataFrame(rows, StructType.fromDDL(ddl.toString()));

    double[] ndcg = meanNdcg(lists, List.of(only("f_buy_again"), only("f_global")), 10);

    assertArrayEquals(
        new double[] {(ONE_AT_RANK_2 + 1 + 0 + ONE_AT_RANK_2) / 4, (1 + 1 + 0 + ONE_AT_RANK_2) / 4},
        ndcg,
        1e-12);
    // With k = 1 only the first candidate counts.
    assertEquals((0 + 1 + 0 + 0) / 4.0, meanNdcg(lists, List.of(only("f_buy_again")), 1)[0], 1e-12);
  }

  /** Mean NDCG@k of each vector over the four customers, all in one segment (no orders). */
  private static double[] meanNdcg(Dataset<Row> lists, List<double[]> batch, int k) {
    double[][] sums =
        Blend.evaluate(
            lists.withColumn("orders", org.apache.spark.sql.functions.lit(0L)),
            batch,
            batch.stream().map(w -> Blend.ALL).toList(),
            k,
            1);
    return java.util.Arrays.stream(sums)
        .mapToDouble(s -> java.util.Arrays.stream(s).sum() / 4)
        .toArray();
  }

  /**
   * Heavy buyers (6 orders) buy again the product they bought; light (1 order) and cold-start
   * customers buy the best seller. Each has the bought product (buy again 1, popularity 0.2), the
   * best seller (popularity 1) and another (0.5) as candidates, the best seller last by id (a
   * weight vector that scores all 0 ranks by id), so no single weight vector ranks the bought
   * product first for the heavy buyers and last for the others: one blend for everyone falls short
   * of NDCG 1, one blend per segment reaches it.
   */
  @Test
  void eachSegmentLearnsItsOwnWeightsWhereOneBlendFitsNeither() {
    List<Row> scored = new ArrayList<>();
    List<Row> relevant = new ArrayList<>();
    for (int c = 0; c < 60; c++) {
      String id = String.format("C%02d", c);
      long orders = c < 20 ? 6 : c < 40 ? 1 : 0;
      if (orders > 0) {
        scored.add(candidate(id, "own" + c, 1.0, 0.2, orders));
      }
      scored.add(candidate(id, "top", 0.0, 1.0, orders));
      scored.add(candidate(id, "second", 0.0, 0.5, orders));
      relevant.add(RowFactory.create(id, List.of(orders >= 4 ? "own" + c : "top")));
    }
    StringBuilder ddl = new StringBuilder("customer_id string, product_id string");
    Recommender.FEATURES.forEach(f -> ddl.append(", ").append(f).append(" double"));
    ddl.append(", orders long");
    Dataset<Row> scoredRows =
        SparkTestSession.get().createDataFrame(scored, StructType.fromDDL(ddl.toString()));
    Dataset<Row> relevantRows =
        SparkTestSession.get()
            .createDataFrame(
                relevant, StructType.fromDDL("customer_id string, relevant array<string>"));
    com.customerpath.common.config.RecommendationSettings.BlendSettings settings =
        new com.customerpath.common.config.RecommendationSettings.BlendSettings(
            true, 30, 10, 3000, 4, 0.03, 7, java.util.Map.of(), true, 4);
    double[] start = new double[Recommender.FEATURES.size()];
    java.util.Arrays.fill(start, 1.0);

    Blend.Fit one = Blend.learn(scoredRows, relevantRows, start, settings, 10, false);
    Blend.Fit bySegment = Blend.learn(scoredRows, relevantRows, start, settings, 10, true);

    assertEquals(60, bySegment.customers());
    assertEquals(java.util.Map.of(), one.bySegment());
    assertTrue(one.validationNdcg() < 0.9, "one blend: " + one.validationNdcg());
    assertEquals(1.0, bySegment.validationNdcg(), 1e-12, "a blend per segment");
    double[] heavy = bySegment.weightsOf(Blend.HEAVY);
    double[] light = bySegment.weightsOf(Blend.LIGHT);
    int buyAgain = Recommender.FEATURES.indexOf("f_buy_again");
    int global = Recommender.FEATURES.indexOf("f_global");
    assertTrue(heavy[buyAgain] > 0.8 * heavy[global], "heavy: " + java.util.Arrays.toString(heavy));
    assertTrue(light[buyAgain] < 0.8 * light[global], "light: " + java.util.Arrays.toString(light));
    assertFalse(bySegment.bySegment().isEmpty(), "some segment has weights of its own");
    bySegment
        .bySegment()
        .forEach(
            (segment, w) ->
                assertEquals(
                    w[buyAgain],
                    bySegment
                        .segmentWeightMetrics("blend_")
                        .get("blend_" + segment + "_weight_buy_again"),
                    "the manifest's figure"));
    // The final ranking scores each customer's candidates with their segment's weights.
    List<Row> firsts =
        Recommender.rank(scoredRows, bySegment.score(), 1)
            .select("customer_id", "product_id")
            .collectAsList();
    assertEquals(60, firsts.size());
    for (Row r : firsts) {
      int c = Integer.parseInt(r.getString(0).substring(1));
      assertEquals(c < 20 ? "own" + c : "top", r.getString(1), r.getString(0));
    }
  }

  private static Row candidate(
      String customer, String product, double buyAgain, double global, long orders) {
    Object[] v = new Object[3 + Recommender.FEATURES.size()];
    v[0] = customer;
    v[1] = product;
    for (int i = 0; i < Recommender.FEATURES.size(); i++) {
      v[2 + i] = 0.0;
    }
    v[2 + Recommender.FEATURES.indexOf("f_buy_again")] = buyAgain;
    v[2 + Recommender.FEATURES.indexOf("f_global")] = global;
    v[v.length - 1] = orders;
    return RowFactory.create(v);
  }
}
