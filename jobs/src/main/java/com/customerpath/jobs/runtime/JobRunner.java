package com.customerpath.jobs.runtime;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.spark.SparkSessions;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs steps for one date: parses arguments, loads settings once, builds the session, runs each
 * step and records its figures. Every job's main is a call to this.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private JobRunner() {}

  /** Exit codes of every job (README, "Exit codes"); the Airflow DAG retries by them. */
  public static final int OK = 0;

  public static final int INTERNAL_ERROR = 1;
  public static final int CONFIG_ERROR = 2;
  public static final int INPUT_ERROR = 3;
  public static final int DATA_QUALITY = 4;
  public static final int LOCK_HELD = 5;

  public static void main(String[] args, List<NightlyStep> steps) {
    int status = run(args, steps);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Runs the steps and returns the exit code; an expected failure prints one ERROR: line, no stack
   * trace.
   */
  public static int run(String[] args, List<NightlyStep> steps) {
    try {
      JobArgs parsed = JobArgs.parse(args);
      if (parsed.help()) {
        System.out.println(JobArgs.USAGE);
        System.out.println("Steps: " + steps.stream().map(NightlyStep::name).toList());
        return OK;
      }
      PipelineSettings settings =
          PipelineSettings.from(ConfigLoader.load(parsed.confFile(), parsed.overrides()));
      // The lock is taken before Spark starts: a second run is refused at once.
      RunLock lock =
          settings.lock().enabled()
              ? RunLock.acquire(
                  hadoopConf(settings),
                  settings.outputRoot(),
                  parsed.date().toString(),
                  settings.lock().staleAfter())
              : null;
      try {
        SparkSession spark = SparkSessions.create(settings);
        try {
          runAll(new JobContext(parsed.date(), settings, spark), steps);
        } finally {
          SparkSessions.deleteCheckpoints(spark);
          spark.stop();
        }
      } finally {
        if (lock != null) {
          lock.close();
        }
      }
      return OK;
    } catch (RuntimeException e) {
      int status = exitCode(e);
      if (status == INTERNAL_ERROR) {
        LOG.error("Run failed", e); // unexpected: the stack trace helps
      }
      System.err.println(
          "ERROR: "
              + String.valueOf(e.getMessage()).replace('\n', ' ')
              + " (exit code "
              + status
              + ")");
      return status;
    }
  }

  /** The exit code of a failure: expected failures have their own, anything else is internal. */
  static int exitCode(RuntimeException e) {
    if (e instanceof IllegalArgumentException
        || e instanceof com.customerpath.common.config.ConfigError) {
      return CONFIG_ERROR;
    }
    if (e instanceof com.customerpath.common.schema.SchemaError) {
      return INPUT_ERROR;
    }
    if (e instanceof com.customerpath.common.quality.DataQualityError) {
      return DATA_QUALITY;
    }
    if (e instanceof RunLock.LockHeldError) {
      return LOCK_HELD;
    }
    return INTERNAL_ERROR;
  }

  /**
   * The Hadoop settings of the output root's file system, before Spark starts (S3A keys included).
   */
  static org.apache.hadoop.conf.Configuration hadoopConf(PipelineSettings settings) {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    Map<String, String> all = new java.util.LinkedHashMap<>(SparkSessions.s3Conf(settings));
    all.putAll(SparkSessions.embeddedConf(settings)); // the same file:// class as the session's
    all.putAll(settings.spark().conf());
    for (scala.Tuple2<String, String> kv : new org.apache.spark.SparkConf().getAll()) {
      all.put(kv._1(), kv._2()); // spark-submit --conf spark.hadoop.* wins
    }
    all.forEach(
        (k, v) -> {
          if (k.startsWith("spark.hadoop.")) {
            conf.set(k.substring("spark.hadoop.".length()), v);
          }
        });
    return conf;
  }

  /**
   * Runs the steps in order in one session and prints the run summary; returns each step's result.
   * The steps share their reads of the curated facts (read once, kept until the run ends).
   */
  public static List<StepResult> runAll(JobContext ctx, List<NightlyStep> steps) {
    long start = System.nanoTime();
    LOG.info(
        "Run dt={} output={} steps={}",
        ctx.date(),
        ctx.tables().root(),
        steps.stream().map(NightlyStep::name).toList());
    List<StepResult> results = new java.util.ArrayList<>();
    ctx.tables().keepReads();
    try {
      for (NightlyStep step : steps) {
        results.add(runStep(ctx, step));
      }
    } finally {
      ctx.tables().releaseKeptReads();
    }
    // The summary a person reads at the end of a run: where each table is and its rows.
    StringBuilder summary =
        new StringBuilder(
            String.format(
                "%nRun dt=%s finished in %.1f s. Tables written:%n", ctx.date(), seconds(start)));
    for (StepResult r : results) {
      r.rowsWritten()
          .forEach(
              (table, rows) ->
                  summary.append(
                      String.format(
                          "  %-34s %10d rows  %s%n",
                          table, rows, ctx.tables().partitionPath(table, ctx.date()))));
    }
    summary.append(
        String.format(
            "Cost per step:%n  %-16s %8s %6s %7s %10s %13s %14s%n",
            "step", "seconds", "jobs", "stages", "input MB", "peak heap MB", "no-job seconds"));
    for (StepResult r : results) {
      Map<String, Double> m = r.metrics();
      String n = r.step();
      summary.append(
          String.format(
              "  %-16s %8.1f %6.0f %7.0f %10.1f %13.0f %14.1f%n",
              n,
              m.get("seconds_" + n),
              m.get("jobs_" + n),
              m.get("stages_" + n),
              m.get("input_bytes_" + n) / 1048576.0,
              m.get("peak_heap_mb_" + n),
              m.get("driver_only_seconds_" + n)));
    }
    StepCosts costs = StepCosts.of(ctx.spark().sparkContext());
    summary.append(
        String.format(
            "  Spark jobs in this session: %d, stages run: %d%n",
            costs.totalJobs(), costs.totalStages()));
    if (steps.stream().anyMatch(s -> s instanceof com.customerpath.jobs.report.ReportJob)) {
      summary.append(
          String.format(
              "Report: %s%n",
              com.customerpath.jobs.report.ReportJob.reportPath(ctx.tables(), ctx.date())));
    }
    System.out.print(summary);
    return results;
  }

  public static StepResult runStep(JobContext ctx, NightlyStep step) {
    long t0 = System.nanoTime();
    org.apache.spark.SparkContext sc = ctx.spark().sparkContext();
    StepCosts costs = StepCosts.of(sc);
    StepCosts.Figures before =
        costs.figures(step.name(), 0); // the same step may run twice in a session (tests)
    // A step that runs other steps (the recommender evaluation runs features and personas at its
    // cut-off) gets its own group back afterwards, so its later jobs are still counted as its.
    String outerGroup = sc.getLocalProperty("spark.jobGroup.id");
    String outerDescription = sc.getLocalProperty("spark.job.description");
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
    result
        .metric("seconds_" + step.name(), seconds)
        .metric("jobs_" + step.name(), cost.jobs())
        .metric("stages_" + step.name(), cost.stages())
        .metric("input_bytes_" + step.name(), cost.inputBytes())
        .metric("peak_heap_mb_" + step.name(), Math.round(cost.peakHeapMb()))
        // Time with none of the step's Spark jobs running: driver-side work (query planning,
        // listings, fits on the driver), what a step's job and stage counts do not show.
        .metric("driver_only_seconds_" + step.name(), cost.driverOnlySeconds(seconds));
    // Writing the figures is not part of the step's cost. The driver writes them (no Spark job);
    // any job it did launch would go to a group of its own.
    sc.setJobGroup(
        "figures " + step.name(),
        "customer-path figures of " + step.name() + " dt=" + ctx.date(),
        false);
    RunSteps.record(ctx, result);
    if (outerGroup != null) {
      sc.setJobGroup(outerGroup, outerDescription, false);
    } else {
      sc.clearJobGroup();
    }
    for (Map.Entry<String, Long> w : result.rowsWritten().entrySet()) {
      LOG.info(
          "  {} -> {} rows  {}",
          step.name(),
          w.getValue(),
          ctx.tables().partitionPath(w.getKey(), ctx.date()));
    }
    LOG.info(
        "Step {} done in {} s: {} Spark jobs, {} stages, {} MB read, peak heap {} MB, {} s with no"
            + " Spark job running",
        step.name(),
        String.format("%.1f", seconds),
        cost.jobs(),
        cost.stages(),
        String.format("%.1f", cost.inputMb()),
        Math.round(cost.peakHeapMb()),
        String.format("%.1f", cost.driverOnlySeconds(seconds)));
    if (LOG.isDebugEnabled()) {
      Map<String, Long> millis = costs.millisBySite(step.name());
      costs
          .jobsBySite(step.name())
          .forEach(
              (site, jobs) ->
                  LOG.debug(
                      "  {} jobs launched at {} ({} s)",
                      jobs,
                      site,
                      String.format("%.1f", millis.getOrDefault(site, 0L) / 1000.0)));
    }
    return result;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
