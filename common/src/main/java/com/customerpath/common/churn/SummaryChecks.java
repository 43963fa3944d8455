package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;

/** Validates a customer summary before a fit in one Spark pass, with messages naming the column. */
final class SummaryChecks {

  /** A rule: rows where {@code violation} is true break it. */
  record Check(String column, Column violation, String description) {}

  private SummaryChecks() {}

  /** Rows where the column is null, NaN or infinite. */
  static Check notFinite(String column) {
    Column c = col(column).cast("double");
    return new Check(
        column,
        c.isNull().or(isnan(c)).or(abs(c).equalTo(Double.POSITIVE_INFINITY)),
        "a missing or non-finite " + column);
  }

  static void requireNumericColumns(String model, Dataset<Row> data, List<String> columns) {
    for (String name : columns) {
      StructField field = null;
      for (StructField f : data.schema().fields()) {
        if (f.name().equals(name)) {
          field = f;
        }
      }
      if (field == null) {
        throw new IllegalArgumentException(
            "Cannot fit "
                + model
                + ": missing column '"
                + name
                + "' (input has "
                + List.of(data.columns())
                + ")");
      }
      DataType type = field.dataType();
      if (!(type instanceof NumericType)) {
        throw new IllegalArgumentException(
            "Cannot fit "
                + model
                + " on '"
                + name
                + "': expected a numeric column, found "
                + type.simpleString());
      }
    }
  }

  /**
   * Throws {@link IllegalArgumentException} listing every broken rule, e.g. "Cannot fit BG/NBD on
   * 'frequency': 12 rows have negative frequency"; also if {@code data} has no rows.
   */
  static void require(String model, Dataset<Row> data, List<Check> checks) {
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(count(lit(1)));
    for (Check check : checks) {
      aggregates.add(sum(when(check.violation(), 1L).otherwise(0L)));
    }
    Row counts =
        data.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0]))
            .first();
    long[] broken = new long[checks.size()];
    for (int i = 0; i < checks.size(); i++) {
      broken[i] = counts.isNullAt(i + 1) ? 0 : counts.getLong(i + 1);
    }
    report(model, counts.getLong(0), checks, broken);
  }

  /** Throws as {@link #require} does, from counts computed elsewhere (e.g. while grouping). */
  static void report(String model, long rows, List<Check> checks, long[] broken) {
    if (rows == 0) {
      throw new IllegalArgumentException("Cannot fit " + model + ": the customer summary is empty");
    }
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < checks.size(); i++) {
      if (broken[i] > 0) {
        Check check = checks.get(i);
        problems.add(
            "Cannot fit "
                + model
                + " on '"
                + check.column()
                + "': "
                + broken[i]
                + (broken[i] == 1 ? " row has " : " rows have ")
                + check.description());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }
}
