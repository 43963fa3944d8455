package com.customerpath.common.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/**
 * Tables of a few rows built on the driver (a persona per row, a stage per segment). Spark keeps
 * them as a local relation: projecting, filtering and collecting them runs on the driver, and they
 * are written by the driver too ({@code Tables.write}); a sort or a repartition would turn each
 * into a Spark job, so they are sorted here instead.
 */
public final class LocalRows {
  private LocalRows() {}

  /** Whether the rows are held by the driver: collecting them runs no Spark job. */
  public static boolean local(Dataset<Row> rows) {
    LogicalPlan analyzed = rows.queryExecution().analyzed();
    // Every leaf local first: only then is the (small) plan optimised here.
    boolean leavesLocal =
        scala.jdk.javaapi.CollectionConverters.asJava(analyzed.collectLeaves()).stream()
            .allMatch(leaf -> leaf instanceof LocalRelation);
    return leavesLocal && rows.queryExecution().optimizedPlan() instanceof LocalRelation;
  }

  /**
   * The rows of a driver-held dataset in ascending order of an integer column (nulls first, as
   * Spark's ascending sort), again a driver-held dataset; anything else is sorted by Spark.
   */
  public static Dataset<Row> sortedByInt(Dataset<Row> rows, String column) {
    if (!local(rows)) {
      return rows.orderBy(column);
    }
    int i = rows.schema().fieldIndex(column);
    List<Row> sorted = new ArrayList<>(rows.collectAsList());
    sorted.sort(
        Comparator.comparing(
            (Row r) -> r.isNullAt(i) ? null : r.getInt(i),
            Comparator.nullsFirst(Comparator.naturalOrder())));
    return rows.sparkSession().createDataFrame(sorted, rows.schema());
  }
}
