package com.customerpath.jobs.report;

import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.RunSteps;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

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

  /** One row: run facts, then one column per figure, named as recorded (pure transform). */
  public static Dataset<Row> manifest(Dataset<Row> runSteps, String runDate, String fingerprint, String codeVersion) {
    List<String> figures = runSteps.select("figure").distinct().orderBy("figure").collectAsList().stream()
        .map(r -> r.getString(0)).toList(); // figure names only: a few dozen strings
    Dataset<Row> pivoted = runSteps.groupBy().pivot("figure", new ArrayList<>(figures)).agg(functions.first("value"));
    List<Column> cols = new ArrayList<>(List.of(
        lit(runDate).as("run_date"),
        functions.current_timestamp().as("reported_at"),
        lit(fingerprint).as("config_fingerprint"),
        lit(codeVersion).as("code_version")));
    for (String f : figures) {
      cols.add(col("`" + f + "`"));
    }
    return pivoted.select(cols.toArray(Column[]::new));
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
