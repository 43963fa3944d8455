package com.customerpath.jobs.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The internal table {@code _run_steps}: one row per (step, figure) of a run, partitioned by dt and
 * step so that each job, run alone by Airflow or together, replaces only its own figures; the
 * driver writes them ({@code Tables.writeFromDriver}), without a Spark job. The report step pivots
 * them into run_manifest.
 */
public final class RunSteps {
  public static final String TABLE = "_run_steps";
  public static final StructType SCHEMA =
      new StructType()
          .add("figure", DataTypes.StringType, false)
          .add("value", DataTypes.DoubleType, true)
          .add("recorded_at", DataTypes.TimestampType, false);

  private RunSteps() {}

  public static void record(JobContext ctx, StepResult result) {
    List<Row> rows = new ArrayList<>();
    java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
    for (Map.Entry<String, Double> e : result.figures().entrySet()) {
      rows.add(RowFactory.create(e.getKey(), e.getValue(), now));
    }
    // A few dozen rows: written by the driver, not by a Spark job per step.
    ctx.tables().writeFromDriver(TABLE, ctx.date(), "step", result.step(), SCHEMA, rows);
  }
}
