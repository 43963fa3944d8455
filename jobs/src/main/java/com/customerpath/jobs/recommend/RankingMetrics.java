package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Ranking metrics at k as pure functions over a Dataset with one row per evaluated customer:
 * customer_id, recommended (array of product ids, best first; empty or null = not served) and
 * relevant (array of the products the customer actually bought in the test period). Every customer
 * counts in the averages, served or not (an unserved customer scores 0).
 *
 * <ul>
 *   <li>precision@k = hits in the first k / k
 *   <li>recall@k = hits in the first k / |relevant|
 *   <li>NDCG@k = sum over hit positions i (1-based) of 1/log2(i+1), divided by the same sum for an
 *       ideal list (min(k, |relevant|) hits at the top)
 *   <li>MAP@k = mean over customers of (sum over hit positions i of precision@i) / min(k,
 *       |relevant|)
 *   <li>coverage = distinct products recommended in any top-k / catalogue size
 *   <li>served = share of customers with at least one recommendation
 * </ul>
 */
public final class RankingMetrics {
  public static final String PRECISION = "precision";
  public static final String RECALL = "recall";
  public static final String NDCG = "ndcg";
  public static final String MAP = "map";
  public static final String COVERAGE = "coverage";
  public static final String SERVED = "served";

  private RankingMetrics() {}

  /** Per-customer metrics at k: customer_id, precision, recall, ndcg, map, served (0/1). */
  public static Dataset<Row> perCustomer(Dataset<Row> lists, int k) {
    return perCustomer(lists, k, List.of());
  }

  /**
   * As {@link #perCustomer(Dataset, int)}, keeping the `keep` columns (e.g. model, view, segment).
   */
  public static Dataset<Row> perCustomer(Dataset<Row> lists, int k, List<String> keep) {
    List<Column> cols = new java.util.ArrayList<>();
    keep.forEach(c -> cols.add(col(c)));
    cols.add(col("customer_id"));
    cols.add(
        functions
            .slice(
                functions.coalesce(col("recommended"), functions.array()).cast("array<string>"),
                1,
                k)
            .as("rec"));
    cols.add(
        functions.coalesce(col("relevant"), functions.array()).cast("array<string>").as("rel"));
    Dataset<Row> in = lists.select(cols.toArray(new Column[0]));
    List<Column> first = new java.util.ArrayList<>();
    keep.forEach(c -> first.add(col(c)));
    first.add(col("customer_id"));
    Column hits = expr("size(filter(rec, x -> array_contains(rel, x)))");
    // Position-wise: 1 when the item at 0-based position i is relevant.
    Column dcg =
        expr(
            "aggregate(transform(rec, (x, i) -> if(array_contains(rel, x), 1D / log2(i + 2), 0D)), 0D,"
                + " (acc, v) -> acc + v)");
    Column idcg =
        expr(
            "aggregate(transform(sequence(0, least("
                + k
                + ", size(rel)) - 1), i -> 1D / log2(i + 2)),"
                + " 0D, (acc, v) -> acc + v)");
    // Precision at each hit position: hits among the first i+1 items / (i+1).
    Column apSum =
        expr(
            "aggregate(transform(rec, (x, i) -> if(array_contains(rel, x),"
                + " size(filter(slice(rec, 1, i + 1), y -> array_contains(rel, y))) / (i + 1D), 0D)), 0D, (acc, v) -> acc + v)");
    Column relSize = functions.size(col("rel"));
    Column safe = relSize.gt(0);
    List<Column> out = new java.util.ArrayList<>(first);
    out.addAll(
        List.of(
            hits.divide(functions.lit((double) k)).as(PRECISION),
            functions.when(safe, hits.divide(relSize)).otherwise(0.0).as(RECALL),
            functions.when(safe, dcg.divide(idcg)).otherwise(0.0).as(NDCG),
            functions
                .when(safe, apSum.divide(functions.least(functions.lit(k), relSize)))
                .otherwise(0.0)
                .as(MAP),
            functions.when(functions.size(col("rec")).gt(0), 1.0).otherwise(0.0).as(SERVED),
            col("rec")));
    return in.select(out.toArray(new Column[0]));
  }

  /**
   * Mean metrics at k over every customer of `lists`, plus catalogue coverage against
   * `catalogueSize` products. Two Spark actions.
   */
  public static Map<String, Double> evaluate(Dataset<Row> lists, int k, long catalogueSize) {
    Dataset<Row> per = perCustomer(lists, k);
    Row r =
        per.agg(
                functions.avg(PRECISION),
                functions.avg(RECALL),
                functions.avg(NDCG),
                functions.avg(MAP),
                functions.avg(SERVED))
            .first();
    long recommended = per.select(functions.explode(col("rec")).as("p")).distinct().count();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(PRECISION, r.isNullAt(0) ? 0.0 : r.getDouble(0));
    out.put(RECALL, r.isNullAt(1) ? 0.0 : r.getDouble(1));
    out.put(NDCG, r.isNullAt(2) ? 0.0 : r.getDouble(2));
    out.put(MAP, r.isNullAt(3) ? 0.0 : r.getDouble(3));
    out.put(COVERAGE, catalogueSize <= 0 ? 0.0 : recommended / (double) catalogueSize);
    out.put(SERVED, r.isNullAt(4) ? 0.0 : r.getDouble(4));
    return out;
  }

  /**
   * Ranked lists from recommendation rows (customer_id, rank, product_id): customer_id,
   * recommended.
   */
  public static Dataset<Row> rankedLists(Dataset<Row> recommendations) {
    return recommendations
        .groupBy("customer_id")
        .agg(
            functions
                .sort_array(
                    functions.collect_list(functions.struct(col("rank"), col("product_id"))))
                .as("s"))
        .select(col("customer_id"), col("s.product_id").as("recommended"));
  }
}
