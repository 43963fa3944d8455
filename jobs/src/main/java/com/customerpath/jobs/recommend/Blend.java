package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.RecommendationSettings.BlendSettings;
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

  /** The buyer segments, by orders in the look-back window before the build date. */
  public static final String COLD_START = "cold_start";

  public static final String LIGHT = "light";
  public static final String HEAVY = "heavy";
  public static final List<String> SEGMENTS = List.of(COLD_START, LIGHT, HEAVY);

  /** A customer's segment: no order, fewer than heavyMinOrders, or at least that many. */
  static int segmentIndex(long orders, int heavyMinOrders) {
    return orders <= 0 ? 0 : orders < heavyMinOrders ? 1 : 2;
  }

  /** The segment of a row's customer (column orders; null = none), as its name. */
  public static Column segment(Column orders, int heavyMinOrders) {
    Column n = functions.coalesce(orders, functions.lit(0L));
    return functions
        .when(n.leq(0), functions.lit(COLD_START))
        .when(n.geq(heavyMinOrders), functions.lit(HEAVY))
        .otherwise(functions.lit(LIGHT));
  }

  /**
   * weights: in Recommender.FEATURES order, summing to 1 (so the score stays in [0, 1]);
   * validationNdcg: NDCG@k of the blend on the validation split (NaN when not learned); customers:
   * validation customers scored; bySegment: the weights of the segments that learned their own (the
   * others use weights), with heavyMinOrders the segments' bound.
   */
  public record Fit(
      double[] weights,
      double validationNdcg,
      long customers,
      boolean learned,
      Map<String, double[]> bySegment,
      int heavyMinOrders) {
    public Fit(double[] weights, double validationNdcg, long customers, boolean learned) {
      this(weights, validationNdcg, customers, learned, Map.of(), 0);
    }

    static Fit fixed(double[] w) {
      return new Fit(normalised(w), Double.NaN, 0, false);
    }

    public Map<String, Double> named() {
      return Recommender.named(weights);
    }

    /**
     * The weights of the segments that have their own, as run-manifest metrics named prefix +
     * segment + "_weight_" + source (source with '_' for '-').
     */
    public Map<String, Double> segmentWeightMetrics(String prefix) {
      Map<String, Double> m = new LinkedHashMap<>();
      bySegment.forEach(
          (segment, w) ->
              Recommender.named(w)
                  .forEach(
                      (source, weight) ->
                          m.put(prefix + segment + "_weight_" + source.replace('-', '_'), weight)));
      return m;
    }

    /** The weights a segment's customers are ranked with. */
    public double[] weightsOf(String segment) {
      return bySegment.getOrDefault(segment, weights);
    }

    /** Whether any segment gives the source (a FEATURES name) a weight. */
    public boolean uses(String feature) {
      int i = Recommender.FEATURES.indexOf(feature);
      return weights[i] > 0 || bySegment.values().stream().anyMatch(w -> w[i] > 0);
    }

    /**
     * The weight of source i for each row's customer (the candidates' column orders gives the
     * segment).
     */
    public Column weight(int i) {
      Column w = functions.lit(weights[i]);
      if (bySegment.isEmpty()) {
        return w;
      }
      Column segment = segment(col("orders"), heavyMinOrders);
      for (Map.Entry<String, double[]> e : bySegment.entrySet()) {
        w = functions.when(segment.equalTo(e.getKey()), e.getValue()[i]).otherwise(w);
      }
      return w;
    }

    /** The blended score of each row, with its customer's segment's weights. */
    public Column score() {
      if (bySegment.isEmpty()) {
        return Recommender.score(weights);
      }
      Column s = functions.lit(0.0);
      for (int i = 0; i < weights.length; i++) {
        s = s.plus(col(Recommender.FEATURES.get(i)).multiply(weight(i)));
      }
      return s;
    }
  }

  static double[] normalised(double[] w) {
    double sum = Arrays.stream(w).sum();
    return sum <= 0 ? w.clone() : Arrays.stream(w).map(x -> x / sum).toArray();
  }

  /** As {@link #learn(Dataset, Dataset, double[], BlendSettings, int, boolean)}, by segment. */
  public static Fit learn(
      Dataset<Row> scored, Dataset<Row> relevant, double[] start, BlendSettings s, int k) {
    return learn(scored, relevant, start, s, k, s.bySegment());
  }

  /**
   * scored: allowed candidates of the validation customers (customer_id, product_id, FEATURES,
   * orders); relevant: customer_id, relevant (array of products bought in the validation days). One
   * coordinate search on every validation customer and, bySegment, one more per segment with at
   * least min-validation-customers, side by side: each round scores every search's weight vectors
   * in one Spark job.
   */
  public static Fit learn(
      Dataset<Row> scored,
      Dataset<Row> relevant,
      double[] start,
      BlendSettings s,
      int k,
      boolean bySegment) {
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
                    .as("cands"),
                functions.max(col("orders")).as("orders"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    // Per segment: its customers and, per source, its best score on their candidates (a source
    // that scores none of them, e.g. buy again for cold-start customers, only reorders them by id).
    long[] bySegmentCount = new long[SEGMENTS.size()];
    boolean[][] scores = new boolean[SEGMENTS.size()][Recommender.FEATURES.size()];
    List<Column> aggs = new ArrayList<>();
    for (String f : Recommender.FEATURES) {
      aggs.add(functions.max(functions.expr("array_max(transform(cands, c -> c." + f + "))")));
    }
    for (Row r :
        lists
            .filter(col("n_rel").gt(0))
            .groupBy(segment(col("orders"), s.heavyMinOrders()).as("segment"))
            .agg(functions.count(functions.lit(1)), aggs.toArray(new Column[0]))
            .collectAsList()) {
      int g = SEGMENTS.indexOf(r.getString(0));
      bySegmentCount[g] = r.getLong(1);
      for (int i = 0; i < Recommender.FEATURES.size(); i++) {
        scores[g][i] = !r.isNullAt(2 + i) && r.getDouble(2 + i) > 0;
      }
    }
    long customers = Arrays.stream(bySegmentCount).sum();
    if (customers < s.minValidationCustomers()) {
      LOG.warn(
          "Blend not learned: {} customers bought in the validation days, expected >= {}"
              + " (customerpath.recommendations.blend.min-validation-customers); using the configured weights",
          customers,
          s.minValidationCustomers());
      lists.unpersist();
      return Fit.fixed(start);
    }
    List<Search> searches = new ArrayList<>();
    boolean[] configured = new boolean[start.length];
    for (int i = 0; i < start.length; i++) {
      configured[i] = allowedSource(start, i);
    }
    searches.add(new Search(ALL, start, configured));
    for (int g = 0; bySegment && g < SEGMENTS.size(); g++) {
      boolean[] usable = new boolean[start.length];
      double[] from = new double[start.length];
      for (int i = 0; i < start.length; i++) {
        usable[i] = configured[i] && scores[g][i];
        from[i] = usable[i] ? start[i] : 0;
      }
      if (bySegmentCount[g] >= s.minValidationCustomers() && Arrays.stream(from).sum() > 0) {
        searches.add(new Search(g, from, usable));
      }
    }
    for (int round = 0; round <= s.rounds(); round++) {
      List<Search> open = searches.stream().filter(x -> !x.done).toList();
      if (open.isEmpty()) {
        break;
      }
      List<double[]> batch = new ArrayList<>();
      List<Integer> owners = new ArrayList<>();
      for (Search x : open) {
        batch.addAll(x.batch);
        x.batch.forEach(w -> owners.add(x.segment));
      }
      double[][] sums = evaluate(lists, batch, owners, k, s.heavyMinOrders());
      int offset = 0;
      for (Search x : open) {
        x.take(round, sums, offset, bySegmentCount, k, s.rounds(), start);
        offset += x.batch.size();
        if (!x.done) {
          x.batch = neighbours(x.best, x.usable);
        }
      }
    }
    lists.unpersist();
    Search all = searches.get(0);
    all.keepSingleUnlessBeaten(s.minGain(), k);
    // Each segment's own weights, where they beat everyone's weights on its customers by
    // min-gain (less is noise: on Groceries heavy buyers' own weights gained 1.2% on the
    // validation days and lost 0.6% on the test weeks); the blend's NDCG is the customers' mean
    // under the weights of their segment.
    Map<String, double[]> own = new LinkedHashMap<>();
    double total = 0;
    for (int g = 0; g < SEGMENTS.size(); g++) {
      double ndcg = all.bestBySegment[g];
      for (Search x : searches.subList(1, searches.size())) {
        if (x.segment == g) {
          x.keepSingleUnlessBeaten(s.minGain(), k);
          if (x.bestNdcg > ndcg * (1 + s.minGain()) + 1e-9) {
            own.put(SEGMENTS.get(g), normalised(x.best));
            ndcg = x.bestNdcg;
          }
        }
      }
      total += ndcg * bySegmentCount[g];
    }
    if (!own.isEmpty()) {
      LOG.info("Blend by segment: {}", own.keySet());
    }
    return new Fit(
        normalised(all.best),
        own.isEmpty() ? all.bestNdcg : total / customers,
        customers,
        true,
        own,
        s.heavyMinOrders());
  }

  /** Owner of a search over every validation customer (the others own a segment index). */
  static final int ALL = -1; // a weight vector every segment evaluates

  /** One coordinate search: its customers (a segment, or all), its batch and its best so far. */
  private static final class Search {
    final int segment;
    final boolean[] usable;
    List<double[]> batch = new ArrayList<>();
    double[] best;
    double bestNdcg = -1;
    double[] bestBySegment = new double[SEGMENTS.size()];
    double[] bestSingle;
    double bestSingleNdcg = -1;
    double[] bestSingleBySegment;
    boolean done;

    /** Round 0: the start weights and every usable source alone. */
    Search(int segment, double[] start, boolean[] usable) {
      this.segment = segment;
      this.usable = usable;
      batch.add(start.clone());
      for (int i = 0; i < start.length; i++) {
        if (usable[i]) {
          double[] one = new double[start.length];
          one[i] = 1;
          batch.add(one);
        }
      }
    }

    /** NDCG of vector j: its customers' mean. */
    double ndcg(double[] perSegment, long[] counts) {
      double sum = 0;
      long n = 0;
      for (int g = 0; g < counts.length; g++) {
        if (segment == ALL || segment == g) {
          sum += perSegment[g];
          n += counts[g];
        }
      }
      return n == 0 ? 0 : sum / n;
    }

    void take(
        int round, double[][] sums, int offset, long[] counts, int k, int rounds, double[] start) {
      double roundNdcg = bestNdcg;
      double[] roundBest = best;
      double[] roundBySegment = bestBySegment;
      for (int j = 0; j < batch.size(); j++) {
        double ndcg = ndcg(sums[offset + j], counts);
        double[] bySegment = new double[counts.length];
        for (int g = 0; g < counts.length; g++) {
          bySegment[g] = counts[g] == 0 ? 0 : sums[offset + j][g] / counts[g];
        }
        if (round == 0 && j > 0 && ndcg > bestSingleNdcg + 1e-9) { // 0 is the configured blend
          bestSingleNdcg = ndcg;
          bestSingle = batch.get(j);
          bestSingleBySegment = bySegment;
        }
        if (ndcg > roundNdcg + 1e-9) {
          roundNdcg = ndcg;
          roundBest = batch.get(j);
          roundBySegment = bySegment;
        }
      }
      LOG.info(
          "Blend round {} ({}): {} weight vectors, best NDCG@{} {} with {}",
          round,
          segment == ALL ? "all" : SEGMENTS.get(segment),
          batch.size(),
          k,
          roundNdcg,
          Arrays.toString(roundBest));
      boolean improved = roundNdcg > bestNdcg + 1e-4;
      best = roundBest;
      bestNdcg = roundNdcg;
      bestBySegment = roundBySegment;
      done = (!improved && round > 0) || round == rounds;
    }

    /** A mix must beat the best single source by min-gain, else that source alone is used. */
    void keepSingleUnlessBeaten(double minGain, int k) {
      if (bestSingle != null && bestNdcg < bestSingleNdcg * (1 + minGain)) {
        LOG.info(
            "Blend ({}): NDCG@{} {} is within {} of the best single source's {}: that source alone",
            segment == ALL ? "all" : SEGMENTS.get(segment),
            k,
            bestNdcg,
            minGain,
            bestSingleNdcg);
        best = bestSingle;
        bestNdcg = bestSingleNdcg;
        bestBySegment = bestSingleBySegment;
      }
    }
  }

  /** A source switched off in the configuration (ALS when disabled) stays off. */
  private static boolean allowedSource(double[] start, int i) {
    return !"f_als".equals(Recommender.FEATURES.get(i)) || start[i] > 0;
  }

  /** Every vector that changes one usable weight of `w` to a grid value (scaled to w's size). */
  static List<double[]> neighbours(double[] w, boolean[] usable) {
    double scale = Arrays.stream(w).max().orElse(1);
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < w.length; i++) {
      if (!usable[i]) {
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
   * NDCG@k sums of each weight vector per segment (vector j over the customers of segment
   * owners[j], or of every segment for {@link #ALL}): one Spark job. Each task scores its
   * customers' candidate lists under the vectors in plain Java (a SQL lambda sorting structs runs
   * interpreted, row by row, and cost most of the search) and returns its sums.
   */
  static double[][] evaluate(
      Dataset<Row> lists, List<double[]> batch, List<Integer> owners, int k, int heavyMinOrders) {
    double[][] weights = batch.toArray(new double[0][]);
    int[] owner = owners.stream().mapToInt(Integer::intValue).toArray();
    int features = Recommender.FEATURES.size();
    int segments = SEGMENTS.size();
    double[] sums =
        lists
            .select(col("n_rel"), col("cands"), col("orders"))
            .javaRDD()
            .mapPartitions(
                (FlatMapFunction<java.util.Iterator<Row>, double[]>)
                    rows -> {
                      // Vector j's NDCG sum in segment g at j * segments + g.
                      double[] acc = new double[weights.length * segments];
                      while (rows.hasNext()) {
                        Row r = rows.next();
                        double idcg = idealDcg(r.getInt(0), k);
                        if (idcg <= 0) {
                          continue;
                        }
                        int g = segmentIndex(r.isNullAt(2) ? 0 : r.getLong(2), heavyMinOrders);
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
                          if (owner[j] == ALL || owner[j] == g) {
                            acc[j * segments + g] += dcg(weights[j], f, product, label, k) / idcg;
                          }
                        }
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
    double[][] out = new double[weights.length][segments];
    for (int j = 0; j < weights.length; j++) {
      System.arraycopy(sums, j * segments, out[j], 0, segments);
    }
    return out;
  }

  /** DCG@k of one customer's candidates ranked by score desc, then product id (the ranking's). */
  static double dcg(double[] w, double[][] f, String[] product, boolean[] label, int k) {
    int n = product.length;
    double[] score = new double[n];
    for (int c = 0; c < n; c++) {
      double s = 0;
      for (int i = 0; i < w.length; i++) {
        s += w[i] * f[c][i];
      }
      score[c] = s;
    }
    // The first k in the ranking's order, from a bounded heap: the search scores every
    // validation customer's candidates under about 40 weight vectors a round, and sorting all of
    // them as boxed indexes was most of its time.
    int[] top =
        TopIndexes.first(
            n,
            k,
            (a, b) -> {
              int byScore = Double.compare(score[b], score[a]);
              return byScore < 0 || (byScore == 0 && product[a].compareTo(product[b]) < 0);
            });
    double dcg = 0;
    for (int i = 0; i < top.length; i++) {
      if (label[top[i]]) {
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
