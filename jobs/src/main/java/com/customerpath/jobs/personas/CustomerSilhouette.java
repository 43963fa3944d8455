package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The silhouette of every customer (not a sample, not the codebook), with squared Euclidean
 * distances as MLlib's {@code ClusteringEvaluator}: the mean squared distance from x to the n
 * members of a cluster is |x|^2 - 2 x.m + psi / n (m their mean, psi the sum of their squared
 * norms), so two aggregations give every customer's exact a (own cluster, without itself) and b
 * (nearest other cluster). Only per-cluster sums reach the driver.
 */
public final class CustomerSilhouette {
  private CustomerSilhouette() {}

  /** Overall mean silhouette, and per cluster: customers and mean silhouette. */
  public record Result(double overall, Map<Integer, Double> perCluster, Map<Integer, Long> sizes) {}

  public static Result of(Dataset<Row> assigned) {
    Dataset<Row> withNorm =
        assigned.select(
            col(PersonaBuilder.FEATURES),
            col("cluster").cast(DataTypes.IntegerType).as("cluster"),
            functions
                .aggregate(
                    org.apache.spark.ml.functions.vector_to_array(
                        col(PersonaBuilder.FEATURES), "float64"),
                    functions.lit(0.0),
                    (acc, x) -> acc.plus(x.multiply(x)))
                .as("_sqnorm"));
    List<Row> stats =
        withNorm
            .groupBy("cluster")
            .agg(
                functions.count(functions.lit(1)).as("n"),
                Summarizer.mean(col(PersonaBuilder.FEATURES)).as("m"),
                functions.sum("_sqnorm").as("psi"))
            .collectAsList();
    int k = stats.stream().mapToInt(r -> r.getInt(0)).max().orElse(-1) + 1;
    long[] n = new long[k];
    double[][] means = new double[k][];
    double[] psi = new double[k];
    for (Row r : stats) {
      int c = r.getInt(0);
      n[c] = r.getLong(1);
      means[c] = ((Vector) r.get(2)).toArray();
      psi[c] = r.getDouble(3);
    }
    UserDefinedFunction silhouette =
        functions.udf(pointSilhouette(n, means, psi), DataTypes.DoubleType);
    List<Row> perCluster =
        withNorm
            .withColumn("_s", silhouette.apply(col(PersonaBuilder.FEATURES), col("cluster")))
            .groupBy("cluster")
            .agg(functions.count(functions.lit(1)), functions.sum("_s"))
            .collectAsList();
    Map<Integer, Double> means2 = new HashMap<>();
    Map<Integer, Long> sizes = new HashMap<>();
    double total = 0;
    long count = 0;
    for (Row r : perCluster) {
      long size = r.getLong(1);
      double sum = r.getDouble(2);
      means2.put(r.getInt(0), sum / size);
      sizes.put(r.getInt(0), size);
      total += sum;
      count += size;
    }
    return new Result(count == 0 ? Double.NaN : total / count, means2, sizes);
  }

  private static UDF2<Vector, Integer, Double> pointSilhouette(
      long[] n, double[][] means, double[] psi) {
    return (v, own) -> {
      double[] x = v.toArray();
      double norm = 0;
      for (double xi : x) {
        norm += xi * xi;
      }
      if (n[own] <= 1) {
        return 0.0;
      }
      double a = 0;
      double b = Double.POSITIVE_INFINITY;
      for (int c = 0; c < n.length; c++) {
        if (n[c] == 0) {
          continue;
        }
        double dot = 0;
        for (int f = 0; f < x.length; f++) {
          dot += x[f] * means[c][f];
        }
        double meanDistance = Math.max(0, norm - 2 * dot + psi[c] / n[c]);
        if (c == own) {
          a = meanDistance * n[c] / (n[c] - 1); // the point itself adds 0: average over the others
        } else {
          b = Math.min(b, meanDistance);
        }
      }
      double max = Math.max(a, b);
      return b == Double.POSITIVE_INFINITY || max == 0 ? 0.0 : (b - a) / max;
    };
  }
}
