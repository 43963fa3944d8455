package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.PipelineSettings.BlendSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Learns the blend weights by coordinate search on NDCG@k over a validation split. Each validation
 * customer is one row holding an array of their candidates' scores and labels, so a whole batch of
 * weight vectors is scored in one Spark job: the batch is crossed with the customers and each row
 * sorts its own small array (no shuffle per weight vector).
 */
public final class Blend {
  private static final Logger LOG = LogManager.getLogger(Blend.class);

  /** Values tried for one weight while the others stay fixed. */
  static final double[] GRID = {0, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};

  private Blend() {}

  /**
   * weights: in Recommender.FEATURES order, summing to 1 (so the score stays in [0, 1]);
   * validationNdcg: NDCG@k of those weights on the validation split (NaN when not learned);
   * customers: validation customers scored.
   */
  public record Fit(double[] weights, double validationNdcg, long customers, boolean learned) {
    static Fit fixed(double[] w) {
      return new Fit(normalised(w), Double.NaN, 0, false);
    }

    public Map<String, Double> named() {
      return Recommender.named(weights);
    }
  }

  static double[] normalised(double[] w) {
    double sum = Arrays.stream(w).sum();
    return sum <= 0 ? w.clone() : Arrays.stream(w).map(x -> x / sum).toArray();
  }

  /**
   * scored: allowed candidates of the validation customers (customer_id, product_id, FEATURES);
   * relevant: customer_id, relevant (array of products bought in the validation days).
   */
  public static Fit learn(
      Dataset<Row> scored, Dataset<Row> relevant, double[] start, BlendSettings s, int k) {
    List<Column> fields = new ArrayList<>();
    fields.add(col("product_id"));
    Recommender.FEATURES.forEach(f -> fields.add(col(f)));
    fields.add(functions.array_contains(col("relevant"), col("product_id")).as("label"));
    Dataset<Row> lists =
        relevant
            .join(scored, new String[] {"customer_id"}, "left")
            .groupBy("customer_id")
            .agg(
                functions.first(functions.size(col("relevant"))).as("n_rel"),
                functions
                    .collect_list(
                        functions.when(
                            col("product_id").isNotNull(),
                            functions.struct(fields.toArray(new Column[0]))))
                    .as("cands"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    long customers = lists.count();
    if (customers < s.minValidationCustomers()) {
      LOG.warn(
          "Blend not learned: {} customers bought in the validation days, expected >= {}"
              + " (customerpath.recommendations.blend.min-validation-customers); using the configured weights",
          customers,
          s.minValidationCustomers());
      lists.unpersist();
      return Fit.fixed(start);
    }
    // Round 0: the configured weights and every source alone (the blend never does worse than its
    // best source on validation).
    List<double[]> batch = new ArrayList<>();
    batch.add(start.clone());
    for (int i = 0; i < start.length; i++) {
      if (start[i] > 0 || allowedSource(start, i)) {
        double[] one = new double[start.length];
        one[i] = 1;
        batch.add(one);
      }
    }
    double[] best = null;
    double bestNdcg = -1;
    double[] bestSingle = null;
    double bestSingleNdcg = -1;
    for (int round = 0; round <= s.rounds(); round++) {
      double[] ndcg = evaluate(lists, batch, k);
      if (round == 0) {
        for (int j = 1; j < batch.size(); j++) { // batch 0 is the configured blend
          if (ndcg[j] > bestSingleNdcg + 1e-9) {
            bestSingleNdcg = ndcg[j];
            bestSingle = batch.get(j);
          }
        }
      }
      double[] roundBest = best;
      double roundNdcg = bestNdcg;
      for (int j = 0; j < batch.size(); j++) {
        if (ndcg[j] > roundNdcg + 1e-9) {
          roundNdcg = ndcg[j];
          roundBest = batch.get(j);
        }
      }
      LOG.info(
          "Blend round {}: {} weight vectors, best NDCG@{} {} with {}",
          round,
          batch.size(),
          k,
          roundNdcg,
          Arrays.toString(roundBest));
      boolean improved = roundNdcg > bestNdcg + 1e-4;
      best = roundBest;
      bestNdcg = roundNdcg;
      if (!improved && round > 0) {
        break;
      }
      batch = neighbours(best, start);
    }
    lists.unpersist();
    if (bestSingle != null && bestNdcg < bestSingleNdcg * (1 + s.minGain())) {
      LOG.info(
          "Blend: NDCG@{} {} is within {} of the best single source's {}: that source alone",
          k,
          bestNdcg,
          s.minGain(),
          bestSingleNdcg);
      best = bestSingle;
      bestNdcg = bestSingleNdcg;
    }
    return new Fit(normalised(best), bestNdcg, customers, true);
  }

  /** A source switched off in the configuration (ALS when disabled) stays off. */
  private static boolean allowedSource(double[] start, int i) {
    return !"f_als".equals(Recommender.FEATURES.get(i)) || start[i] > 0;
  }

  /** Every vector that changes one weight of `w` to a grid value (scaled to w's size). */
  static List<double[]> neighbours(double[] w, double[] start) {
    double scale = Arrays.stream(w).max().orElse(1);
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < w.length; i++) {
      if (!allowedSource(start, i)) {
        continue;
      }
      for (double g : GRID) {
        double v = g * scale;
        if (Math.abs(v - w[i]) < 1e-12) {
          continue;
        }
        double[] c = w.clone();
        c[i] = v;
        if (Arrays.stream(c).sum() > 0) {
          out.add(c);
        }
      }
    }
    return out;
  }

  /**
   * Mean NDCG@k of each weight vector over the validation customers: one Spark job. Each task
   * scores its customers' candidate lists under every vector in plain Java (a SQL lambda sorting
   * structs runs interpreted, row by row, and cost most of the search) and returns its sums.
   */
  static double[] evaluate(Dataset<Row> lists, List<double[]> batch, int k) {
    double[][] weights = batch.toArray(new double[0][]);
    int features = Recommender.FEATURES.size();
    double[] sums =
        lists
            .select(col("n_rel"), col("cands"))
            .javaRDD()
            .mapPartitions(
                (FlatMapFunction<java.util.Iterator<Row>, double[]>)
                    rows -> {
                      // Per vector: the NDCG sum; the last slot counts the customers.
                      double[] acc = new double[weights.length + 1];
                      while (rows.hasNext()) {
                        Row r = rows.next();
                        double idcg = idealDcg(r.getInt(0), k);
                        if (idcg <= 0) {
                          continue;
                        }
                        List<Row> cands = r.isNullAt(1) ? List.of() : r.getList(1);
                        int n = cands.size();
                        String[] product = new String[n];
                        double[][] f = new double[n][features];
                        boolean[] label = new boolean[n];
                        for (int c = 0; c < n; c++) {
                          Row cand = cands.get(c);
                          product[c] = cand.getString(0);
                          for (int i = 0; i < features; i++) {
                            f[c][i] = cand.isNullAt(1 + i) ? 0 : cand.getDouble(1 + i);
                          }
                          label[c] = !cand.isNullAt(1 + features) && cand.getBoolean(1 + features);
                        }
                        for (int j = 0; j < weights.length; j++) {
                          acc[j] += dcg(weights[j], f, product, label, k) / idcg;
                        }
                        acc[weights.length] += 1;
                      }
                      return List.of(acc).iterator();
                    })
            .reduce(
                (a, b) -> {
                  double[] out = a.clone();
                  for (int i = 0; i < out.length; i++) {
                    out[i] += b[i];
                  }
                  return out;
                });
    double customers = sums[weights.length];
    double[] out = new double[weights.length];
    for (int j = 0; j < out.length; j++) {
      out[j] = customers == 0 ? 0 : sums[j] / customers;
    }
    return out;
  }

  /** DCG@k of one customer's candidates ranked by score desc, then product id (the ranking's). */
  static double dcg(double[] w, double[][] f, String[] product, boolean[] label, int k) {
    int n = product.length;
    double[] score = new double[n];
    Integer[] order = new Integer[n];
    for (int c = 0; c < n; c++) {
      double s = 0;
      for (int i = 0; i < w.length; i++) {
        s += w[i] * f[c][i];
      }
      score[c] = s;
      order[c] = c;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int bySco = Double.compare(score[b], score[a]);
          return bySco != 0 ? bySco : product[a].compareTo(product[b]);
        });
    double dcg = 0;
    for (int i = 0; i < Math.min(k, n); i++) {
      if (label[order[i]]) {
        dcg += 1 / log2(i + 2);
      }
    }
    return dcg;
  }

  /** The best possible DCG@k with `relevant` relevant products. */
  static double idealDcg(int relevant, int k) {
    double idcg = 0;
    for (int i = 0; i < Math.min(k, relevant); i++) {
      idcg += 1 / log2(i + 2);
    }
    return idcg;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  /** For logs and docs: weights rounded. */
  static Map<String, Double> rounded(double[] w) {
    Map<String, Double> m = new LinkedHashMap<>();
    Recommender.named(w).forEach((key, v) -> m.put(key, Math.round(v * 1000) / 1000.0));
    return m;
  }
}
