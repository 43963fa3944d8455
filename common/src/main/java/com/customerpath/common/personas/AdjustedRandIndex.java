package com.customerpath.common.personas;

import static org.apache.spark.sql.functions.col;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Adjusted Rand index (Hubert & Arabie 1985) between two labelings of the same items: 1 for
 * identical partitions (up to renaming), about 0 for chance agreement. Computed from the
 * contingency table, which Spark aggregates; only its cell counts (clusters x clusters) reach the
 * driver, in one job.
 */
public final class AdjustedRandIndex {
  private AdjustedRandIndex() {}

  /** ARI of columns {@code a} and {@code b} of the rows (null labels count as one more label). */
  public static double of(Dataset<Row> rows, String a, String b) {
    List<Row> cells = rows.groupBy(col(a), col(b)).count().collectAsList();
    Map<Object, Integer> rowsOf = new HashMap<>();
    Map<Object, Integer> colsOf = new HashMap<>();
    for (Row r : cells) {
      rowsOf.putIfAbsent(key(r.get(0)), rowsOf.size());
      colsOf.putIfAbsent(key(r.get(1)), colsOf.size());
    }
    double[][] table = new double[rowsOf.size()][colsOf.size()];
    for (Row r : cells) {
      table[rowsOf.get(key(r.get(0)))][colsOf.get(key(r.get(1)))] += r.getLong(2);
    }
    return ofContingency(table);
  }

  private static Object key(Object label) {
    return label == null ? "\u0000null" : label;
  }

  /**
   * ARI from a contingency table: cell [i][j] = (weight of) items labelled i by one side and j by
   * the other.
   */
  public static double ofContingency(double[][] cells) {
    double sumCells = 0;
    double n = 0;
    double[] rowSums = new double[cells.length];
    double[] colSums = new double[cells.length == 0 ? 0 : cells[0].length];
    for (int i = 0; i < cells.length; i++) {
      for (int j = 0; j < cells[i].length; j++) {
        double c = cells[i][j];
        sumCells += pairs(c);
        rowSums[i] += c;
        colSums[j] += c;
        n += c;
      }
    }
    double sumA = 0;
    for (double s : rowSums) {
      sumA += pairs(s);
    }
    double sumB = 0;
    for (double s : colSums) {
      sumB += pairs(s);
    }
    double total = pairs(n);
    double expected = total == 0 ? 0 : sumA * sumB / total;
    double max = (sumA + sumB) / 2.0;
    return max == expected ? 1.0 : (sumCells - expected) / (max - expected);
  }

  /** c choose 2. */
  private static double pairs(double c) {
    return c * (c - 1) / 2.0;
  }
}
