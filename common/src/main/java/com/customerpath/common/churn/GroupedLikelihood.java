package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * A log-likelihood summed over customers grouped into distinct rows with counts. The sum is
 * either a Spark treeAggregate over a cached RDD (default for large groupings) or, when the
 * grouping is small, a loop over the rows collected once (see {@link FitOptions#maxLocalRows}).
 */
final class GroupedLikelihood implements AutoCloseable {

  /** Log-likelihood of one customer with the given row values (the count is not included). */
  @FunctionalInterface
  interface RowLogLikelihood extends Serializable {
    double apply(double[] params, double[] row);
  }

  private final RowLogLikelihood rowLogLikelihood;
  private final JavaRDD<double[]> distributedRows;
  private final double[][] localRows;
  private final long distinctRows;
  private final double customers;

  private GroupedLikelihood(RowLogLikelihood f, JavaRDD<double[]> distributedRows,
      double[][] localRows, long distinctRows, double customers) {
    this.rowLogLikelihood = f;
    this.distributedRows = distributedRows;
    this.localRows = localRows;
    this.distinctRows = distinctRows;
    this.customers = customers;
  }

  /**
   * Groups {@code data} by {@code keys} (numeric columns) and counts. The grouped rows are
   * {@code double[]{key1, ..., keyK, count}}.
   */
  static GroupedLikelihood group(Dataset<Row> data, List<String> keys, RowLogLikelihood f,
      long maxLocalRows) {
    Column[] keyColumns = keys.stream().map(k -> col(k).cast("double")).toArray(Column[]::new);
    Dataset<Row> grouped = data.groupBy(keyColumns).count();
    int width = keys.size() + 1;
    int partitions = Math.max(1, data.sparkSession().sparkContext().defaultParallelism());
    JavaRDD<double[]> rows = grouped.javaRDD()
        .map(row -> {
          double[] values = new double[width];
          for (int i = 0; i < width; i++) {
            values[i] = ((Number) row.get(i)).doubleValue();
          }
          return values;
        })
        .coalesce(partitions)
        .persist(StorageLevel.MEMORY_AND_DISK());
    // One job: number of distinct rows and of customers (sum of counts).
    double[] sizes = rows.treeAggregate(new double[2],
        (acc, r) -> new double[] {acc[0] + 1, acc[1] + r[width - 1]},
        (x, y) -> new double[] {x[0] + y[0], x[1] + y[1]}, 2);
    long distinct = (long) sizes[0];
    double customers = sizes[1];
    if (distinct <= maxLocalRows) {
      double[][] local = rows.collect().toArray(new double[0][]);
      rows.unpersist(false);
      return new GroupedLikelihood(f, null, local, distinct, customers);
    }
    return new GroupedLikelihood(f, rows, null, distinct, customers);
  }

  /** Sum over customers of the log-likelihood at {@code params}. */
  double evaluate(double[] params) {
    double[] p = Arrays.copyOf(params, params.length);
    RowLogLikelihood f = rowLogLikelihood;
    if (localRows != null) {
      double total = 0;
      for (double[] row : localRows) {
        total += row[row.length - 1] * f.apply(p, row);
      }
      return total;
    }
    return distributedRows.treeAggregate(0.0,
        (acc, row) -> acc + row[row.length - 1] * f.apply(p, row), Double::sum, 2);
  }

  boolean isLocal() {
    return localRows != null;
  }

  long distinctRows() {
    return distinctRows;
  }

  double customers() {
    return customers;
  }

  @Override
  public void close() {
    if (distributedRows != null) {
      distributedRows.unpersist(false);
    }
  }
}
