package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A log-likelihood summed over customers grouped into distinct rows with counts, evaluated on the
 * driver. One Spark job groups the summary by the (optionally binned) keys, counts the customers of
 * each group and, in the same pass, the rows that break each validation rule; the grouped rows
 * (distinct keys, not customers) are collected once and every optimizer evaluation loops over them.
 */
final class GroupedLikelihood {

  /** Log-likelihood of one customer with the given row values (the count is not included). */
  @FunctionalInterface
  interface RowLogLikelihood extends Serializable {
    double apply(double[] params, double[] row);
  }

  /** The part of a row's log-likelihood that depends on the parameters and its first key only. */
  @FunctionalInterface
  interface FirstKeyTerms extends Serializable {
    double apply(double[] params, double firstKey);
  }

  /** The rest of a row's log-likelihood, given its first-key terms. */
  @FunctionalInterface
  interface RowRest extends Serializable {
    double apply(double[] params, double[] row, double firstKeyTerms);
  }

  /**
   * A row log-likelihood whose first-key terms (the log-gamma functions of the purchase count, the
   * costly part) are computed once per evaluation and distinct first key: the rows are sorted by
   * their keys, so consecutive rows share them. Evaluations run one at a time (the optimizer's);
   * the parameters are compared by value, so a caller may reuse its array.
   */
  static RowLogLikelihood cachingFirstKey(FirstKeyTerms terms, RowRest rest) {
    return new RowLogLikelihood() {
      private transient double[] params;
      private transient double key = Double.NaN;
      private transient double value;

      @Override
      public double apply(double[] p, double[] row) {
        if (Double.compare(row[0], key) != 0 || !java.util.Arrays.equals(p, params)) {
          value = terms.apply(p, row[0]);
          params = p.clone();
          key = row[0];
        }
        return rest.apply(p, row, value);
      }
    };
  }

  private final RowLogLikelihood rowLogLikelihood;
  private final double[][] rows;
  private final double customers;

  private GroupedLikelihood(RowLogLikelihood f, double[][] rows, double customers) {
    this.rowLogLikelihood = f;
    this.rows = rows;
    this.customers = customers;
  }

  /**
   * Groups {@code data} by {@code keys} (numeric expressions, binned by the caller if wanted) and
   * counts, checking {@code checks} on the raw rows in the same job. The grouped rows are {@code
   * double[]{key1, ..., keyK, count}}.
   *
   * @throws IllegalArgumentException naming the column and rule, if a rule is broken or data is
   *     empty (see {@link SummaryChecks#require})
   */
  static GroupedLikelihood group(
      String model,
      Dataset<Row> data,
      List<Column> keys,
      List<SummaryChecks.Check> checks,
      RowLogLikelihood f) {
    List<Column> aggregates = new ArrayList<>();
    for (SummaryChecks.Check check : checks) {
      aggregates.add(sum(when(check.violation(), 1L).otherwise(0L)));
    }
    Column[] keyColumns = new Column[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      keyColumns[i] = keys.get(i).cast("double").as("k" + i);
    }
    List<Row> grouped =
        data.groupBy(keyColumns)
            .agg(count(lit(1)), aggregates.toArray(new Column[0]))
            .collectAsList();
    int width = keys.size();
    long[] broken = new long[checks.size()];
    long total = 0;
    List<double[]> valid = new ArrayList<>(grouped.size());
    for (Row row : grouped) {
      long n = row.getLong(width);
      total += n;
      boolean ok = true;
      for (int c = 0; c < checks.size(); c++) {
        long b = row.isNullAt(width + 1 + c) ? 0 : row.getLong(width + 1 + c);
        broken[c] += b;
        ok &= b == 0;
      }
      if (ok) {
        double[] values = new double[width + 1];
        for (int i = 0; i < width; i++) {
          values[i] = row.getDouble(i);
        }
        values[width] = n;
        valid.add(values);
      }
    }
    SummaryChecks.report(model, total, checks, broken);
    // In key order: the sums do not depend on the order Spark returned the groups in, and rows of
    // one first key are adjacent (cachingFirstKey).
    valid.sort(java.util.Arrays::compare);
    return new GroupedLikelihood(f, valid.toArray(new double[0][]), total);
  }

  /** Sum over customers of the log-likelihood at {@code params}. */
  double evaluate(double[] params) {
    double total = 0;
    for (double[] row : rows) {
      total += row[row.length - 1] * rowLogLikelihood.apply(params, row);
    }
    return total;
  }

  /** The grouped rows {key1, ..., keyK, count}; do not modify. */
  double[][] rows() {
    return rows;
  }

  long distinctRows() {
    return rows.length;
  }

  double customers() {
    return customers;
  }
}
