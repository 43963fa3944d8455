package com.customerpath.jobs.runtime;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Runs steps for one date: parses arguments, loads settings once, builds the session, runs each
 * step and records its figures. Every job's main is a call to this.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private JobRunner() {}

  public static void main(String[] args, List<NightlyStep> steps) {
    int status;
    try {
      JobArgs parsed = JobArgs.parse(args);
      if (parsed.help()) {
        System.out.println(JobArgs.USAGE);
        System.out.println("Steps: " + steps.stream().map(NightlyStep::name).toList());
        return;
      }
      PipelineSettings settings = PipelineSettings.from(ConfigLoader.load(parsed.confFile(), parsed.overrides()));
      SparkSession spark = SparkSessions.create(settings);
      try {
        runAll(new JobContext(parsed.date(), settings, spark), steps);
      } finally {
        spark.stop();
      }
      status = 0;
    } catch (IllegalArgumentException | com.customerpath.common.config.ConfigError
             | com.customerpath.common.schema.SchemaError e) {
      System.err.println("ERROR: " + e.getMessage());
      status = 2;
    } catch (RuntimeException e) {
      LOG.error("Run failed", e);
      System.err.println("ERROR: " + e.getMessage());
      status = 1;
    }
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs the steps in order in one session; used by main and by tests. */
  public static void runAll(JobContext ctx, List<NightlyStep> steps) {
    long start = System.nanoTime();
    LOG.info("Run dt={} output={} steps={}", ctx.date(), ctx.tables().root(),
        steps.stream().map(NightlyStep::name).toList());
    List<StepResult> results = new java.util.ArrayList<>();
    for (NightlyStep step : steps) {
      results.add(runStep(ctx, step));
    }
    // The summary a person reads at the end of a run: where each table is and its rows.
    StringBuilder summary = new StringBuilder(String.format("%nRun dt=%s finished in %.1f s. Tables written:%n",
        ctx.date(), seconds(start)));
    for (StepResult r : results) {
      r.rowsWritten().forEach((table, rows) -> summary.append(String.format("  %-34s %10d rows  %s%n",
          table, rows, ctx.tables().partitionPath(table, ctx.date()))));
    }
    if (steps.stream().anyMatch(s -> s instanceof com.customerpath.jobs.report.ReportJob)) {
      summary.append(String.format("Report: %s%n",
          com.customerpath.jobs.report.ReportJob.reportPath(ctx.tables(), ctx.date())));
    }
    System.out.print(summary);
  }

  public static StepResult runStep(JobContext ctx, NightlyStep step) {
    long t0 = System.nanoTime();
    ctx.spark().sparkContext().setJobGroup(step.name(), "customer-path " + step.name() + " dt=" + ctx.date(), false);
    StepResult result = step.run(ctx);
    double seconds = seconds(t0);
    result.metric("seconds_" + step.name(), seconds);
    RunSteps.record(ctx, result);
    ctx.spark().sparkContext().clearJobGroup();
    for (Map.Entry<String, Long> w : result.rowsWritten().entrySet()) {
      LOG.info("  {} -> {} rows  {}", step.name(), w.getValue(), ctx.tables().partitionPath(w.getKey(), ctx.date()));
    }
    LOG.info("Step {} done in {} s", step.name(), String.format("%.1f", seconds));
    return result;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
