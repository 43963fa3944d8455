package com.customerpath.common.personas;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import static org.apache.spark.sql.functions.col;

/**
 * Adjusted Rand index (Hubert & Arabie 1985) between two labelings of the same items: 1 for
 * identical partitions (up to renaming), about 0 for chance agreement. Computed from the
 * contingency table, which Spark aggregates; only its cell counts reach the driver.
 */
public final class AdjustedRandIndex {
  private AdjustedRandIndex() {}

  /** ARI of columns {@code a} and {@code b} of the rows. */
  public static double of(Dataset<Row> rows, String a, String b) {
    Dataset<Row> cells = rows.groupBy(col(a), col(b)).count();
    double sumCells = pairsSum(cells.select(col("count")));
    double sumA = pairsSum(cells.groupBy(col(a)).agg(functions.sum("count").as("count")).select("count"));
    double sumB = pairsSum(cells.groupBy(col(b)).agg(functions.sum("count").as("count")).select("count"));
    long n = rows.count();
    double total = n * (n - 1) / 2.0;
    double expected = sumA * sumB / total;
    double max = (sumA + sumB) / 2.0;
    return max == expected ? 1.0 : (sumCells - expected) / (max - expected);
  }

  /** Sum over counts c of c choose 2. */
  private static double pairsSum(Dataset<Row> counts) {
    Row r = counts.agg(functions.sum(col("count").multiply(col("count").minus(1)).divide(2))).first();
    return r.isNullAt(0) ? 0 : ((Number) r.get(0)).doubleValue();
  }
}
