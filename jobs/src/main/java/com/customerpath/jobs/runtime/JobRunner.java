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
    summary.append(String.format("Cost per step:%n  %-16s %8s %6s %7s %10s %13s%n",
        "step", "seconds", "jobs", "stages", "input MB", "peak heap MB"));
    for (StepResult r : results) {
      Map<String, Double> m = r.metrics();
      String n = r.step();
      summary.append(String.format("  %-16s %8.1f %6.0f %7.0f %10.1f %13.0f%n", n, m.get("seconds_" + n),
          m.get("jobs_" + n), m.get("stages_" + n), m.get("input_bytes_" + n) / 1048576.0, m.get("peak_heap_mb_" + n)));
    }
    StepCosts costs = StepCosts.of(ctx.spark().sparkContext());
    summary.append(String.format("  Spark jobs in this session: %d, stages run: %d (with the writes of the figures)%n",
        costs.totalJobs(), costs.totalStages()));
    System.out.print(summary);
  }

  public static StepResult runStep(JobContext ctx, NightlyStep step) {
    long t0 = System.nanoTime();
    org.apache.spark.SparkContext sc = ctx.spark().sparkContext();
    StepCosts costs = StepCosts.of(sc);
    StepCosts.Figures before = costs.figures(step.name(), 0); // the same step may run twice in a session (tests)
    // The job group names the step's jobs in the Spark UI and attributes them in StepCosts.
    sc.setJobGroup(step.name(), "customer-path " + step.name() + " dt=" + ctx.date(), false);
    StepResult result;
    long peakHeap;
    try (StepCosts.HeapSampler heap = costs.sampleHeap()) {
      result = step.run(ctx);
      peakHeap = heap.peakBytes();
    }
    double seconds = seconds(t0);
    StepCosts.Figures cost = costs.figures(step.name(), peakHeap).minus(before);
    result.metric("seconds_" + step.name(), seconds)
        .metric("jobs_" + step.name(), cost.jobs())
        .metric("stages_" + step.name(), cost.stages())
        .metric("input_bytes_" + step.name(), cost.inputBytes())
        .metric("peak_heap_mb_" + step.name(), Math.round(cost.peakHeapMb()));
    // Writing the figures is not part of the step's cost: its jobs go to a group of their own.
    sc.setJobGroup("figures " + step.name(), "customer-path figures of " + step.name() + " dt=" + ctx.date(), false);
    RunSteps.record(ctx, result);
    sc.clearJobGroup();
    for (Map.Entry<String, Long> w : result.rowsWritten().entrySet()) {
      LOG.info("  {} -> {} rows  {}", step.name(), w.getValue(), ctx.tables().partitionPath(w.getKey(), ctx.date()));
    }
    LOG.info("Step {} done in {} s: {} Spark jobs, {} stages, {} MB read, peak heap {} MB", step.name(),
        String.format("%.1f", seconds), cost.jobs(), cost.stages(), String.format("%.1f", cost.inputMb()),
        Math.round(cost.peakHeapMb()));
    return result;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
