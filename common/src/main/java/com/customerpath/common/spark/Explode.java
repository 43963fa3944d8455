package com.customerpath.common.spark;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * One row per non-null value of a few expressions (a line in each view that contains it, an event
 * under each rule it matches).
 *
 * <p>Written as explode(array(...)) followed by a null filter, not explode(array_compact(...)):
 * array_compact is a higher-order function (a filter with a lambda), which Spark 4.1 cannot
 * compile, so the whole explode ran interpreted, and the interpreted explode re-derived the array's
 * element type for every row (a comparison of the structs' types field by field). On the 1M-line
 * journey step that was 5% of the executors' samples before any real work.
 */
public final class Explode {
  private Explode() {}

  /** rows with column name added: one row per non-null value of values (none: the row is gone). */
  public static Dataset<Row> nonNull(Dataset<Row> rows, String name, List<Column> values) {
    return rows.withColumn(name, functions.explode(functions.array(values.toArray(Column[]::new))))
        .filter(col(name).isNotNull());
  }
}
