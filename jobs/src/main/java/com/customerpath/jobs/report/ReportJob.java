package com.customerpath.jobs.report;

import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.RunSteps;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Report: folds every step's figures of the date (counts read / accepted / quarantined per
 * source, rows written per table, seconds per step, model quality) into one run_manifest row,
 * with the config fingerprint and code version.
 */
public final class ReportJob implements NightlyStep {
  public static final String MANIFEST = "run_manifest";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new ReportJob()));
  }

  @Override
  public String name() {
    return "report";
  }

  /**
   * One row: run facts, then one column per figure, named as recorded. The figures of one run are
   * a few hundred (name, value) pairs: they are gathered on the driver (one Spark job) rather than
   * pivoted by Spark (a shuffle per pivot).
   */
  public static Dataset<Row> manifest(Dataset<Row> runSteps, String runDate, String fingerprint, String codeVersion) {
    java.util.TreeMap<String, Double> figures = new java.util.TreeMap<>();
    for (Row r : runSteps.select("figure", "value").collectAsList()) {
      figures.putIfAbsent(r.getString(0), r.isNullAt(1) ? null : r.getDouble(1));
    }
    StructType schema = new StructType()
        .add("run_date", DataTypes.StringType, false)
        .add("reported_at", DataTypes.TimestampType, false)
        .add("config_fingerprint", DataTypes.StringType, false)
        .add("code_version", DataTypes.StringType, false);
    List<Object> values = new ArrayList<>(List.of(runDate, new java.sql.Timestamp(System.currentTimeMillis()),
        fingerprint, codeVersion));
    for (java.util.Map.Entry<String, Double> f : figures.entrySet()) {
      schema = schema.add(f.getKey(), DataTypes.DoubleType, true);
      values.add(f.getValue());
    }
    return runSteps.sparkSession().createDataFrame(List.of(RowFactory.create(values.toArray())), schema);
  }

  public static String codeVersion() {
    String v = ReportJob.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  public StepResult run(JobContext ctx) {
    Dataset<Row> steps = ctx.tables().read(RunSteps.TABLE, ctx.date());
    Dataset<Row> manifest = manifest(steps, ctx.date().toString(), ctx.settings().configFingerprint(), codeVersion());
    return new StepResult(name()).written(MANIFEST, ctx.tables().write(MANIFEST, ctx.date(), manifest.coalesce(1)));
  }
}
