package com.customerpath.jobs.runtime;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.spark.SparkSessions;
import com.customerpath.jobs.SampleRun;
import com.customerpath.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * Per-step cost figures: jobs, stages run, input bytes and peak heap of exactly the step's own
 * work.
 */
class StepCostsTest {

  /**
   * A step with a known plan: 4 Spark jobs; 5 stages run (1 + 1 + 2 + 1: the last job reuses the
   * shuffle of the third, so its map stage is skipped and not counted); reads one file of known
   * size.
   */
  static final class ProbeStep implements NightlyStep {
    private final Path file;

    ProbeStep(Path file) {
      this.file = file;
    }

    @Override
    public String name() {
      return "probe";
    }

    @Override
    public StepResult run(JobContext ctx) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
      long lines = jsc.textFile(file.toString(), 1).count(); // job 1: one stage, reads the file
      long n =
          jsc.parallelize(IntStream.range(0, 100).boxed().toList(), 3).count(); // job 2: one stage
      JavaPairRDD<Integer, Integer> sums =
          jsc.parallelize(IntStream.range(0, 100).boxed().toList(), 3)
              .mapToPair(i -> new Tuple2<>(i % 3, 1))
              .reduceByKey(Integer::sum);
      int keys = sums.collect().size(); // job 3: map stage + result stage
      int again = sums.collect().size(); // job 4: the map stage is skipped (shuffle files reused)
      return new StepResult(name())
          .metric("probe_lines", lines)
          .metric("probe_n", n + keys + again);
    }
  }

  @Test
  void aStepRecordsItsOwnJobsStagesInputAndHeap() throws Exception {
    Path dir = SparkTestSession.tempDir("step-costs");
    Path file = dir.resolve("lines.txt");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      text.append("line ").append(i).append('\n');
    }
    Files.writeString(file, text);
    long size = Files.size(file);
    JobContext ctx = SampleRun.context(dir.resolve("out"), Map.of());
    // Work before the step (another group, or none) is not the step's.
    JavaSparkContext.fromSparkContext(ctx.spark().sparkContext())
        .parallelize(List.of(1, 2, 3))
        .count();

    Map<String, Double> first = JobRunner.runStep(ctx, new ProbeStep(file)).metrics();
    assertEquals(4.0, first.get("jobs_probe"));
    assertEquals(5.0, first.get("stages_probe"));
    double bytes = first.get("input_bytes_probe");
    assertTrue(
        bytes >= size && bytes < 2.0 * size,
        "input bytes " + bytes + " for a file of " + size + " bytes");
    assertTrue(first.get("peak_heap_mb_probe") > 0, "peak heap " + first.get("peak_heap_mb_probe"));
    assertTrue(first.get("seconds_probe") > 0);

    // The same step again in the same session: its own run only, not the sum of both.
    Map<String, Double> second = JobRunner.runStep(ctx, new ProbeStep(file)).metrics();
    assertEquals(4.0, second.get("jobs_probe"));
    assertEquals(5.0, second.get("stages_probe"));

    // The figures land in _run_steps like seconds_<step> (and so in run_manifest).
    Map<String, Double> recorded = new HashMap<>();
    for (Row r :
        ctx.tables()
            .read(RunSteps.TABLE, SampleRun.DATE)
            .filter(col("step").equalTo("probe"))
            .collectAsList()) {
      recorded.put(r.getString(r.fieldIndex("figure")), r.getDouble(r.fieldIndex("value")));
    }
    assertEquals(4.0, recorded.get("jobs_probe"));
    assertEquals(5.0, recorded.get("stages_probe"));
    assertEquals(second.get("input_bytes_probe"), recorded.get("input_bytes_probe"));
    assertEquals(second.get("peak_heap_mb_probe"), recorded.get("peak_heap_mb_probe"));
  }

  /** A SQL query with two shuffles, run three times in a loop. */
  static final class QueryLoopStep implements NightlyStep {
    @Override
    public String name() {
      return "query-loop";
    }

    @Override
    public StepResult run(JobContext ctx) {
      long rows = 0;
      for (int i = 0; i < 3; i++) {
        rows +=
            ctx.spark()
                .range(0, 1000, 1, 4)
                .groupBy(col("id").mod(10).as("k"))
                .count()
                .groupBy(col("count"))
                .count()
                .collectAsList() // the loop's action: every job of the query comes from here
                .size();
      }
      return new StepResult(name()).metric("query_loop_rows", rows);
    }
  }

  @Test
  void aQuerysJobsAreAttributedToTheLineOfOurCodeThatRanIt() {
    JobContext ctx = SampleRun.context(SparkTestSession.tempDir("step-sites"), Map.of());
    // With adaptive execution (a cluster's default; embedded runs turn it off) each shuffle stage
    // is a job launched from a Spark thread; all of them belong to the one line of the loop.
    String adaptive = ctx.spark().conf().get(SparkSessions.ADAPTIVE);
    Map<String, Double> figures;
    try {
      ctx.spark().conf().set(SparkSessions.ADAPTIVE, "true");
      figures = JobRunner.runStep(ctx, new QueryLoopStep()).metrics();
    } finally {
      ctx.spark().conf().set(SparkSessions.ADAPTIVE, adaptive);
    }
    Map<String, Long> sites = StepCosts.of(ctx.spark().sparkContext()).jobsBySite("query-loop");
    assertEquals(1, sites.size(), "one line launched every job: " + sites);
    String site = sites.keySet().iterator().next();
    assertTrue(site.matches("run at StepCostsTest\\.java:\\d+"), site);
    assertEquals(figures.get("jobs_query-loop").longValue(), sites.get(site));
    assertTrue(sites.get(site) >= 6, "the shuffle stages' jobs as well: " + sites);
    // The Spark time of that line: its three queries, within the step's own wall time.
    Map<String, Long> millis = StepCosts.of(ctx.spark().sparkContext()).millisBySite("query-loop");
    assertEquals(sites.keySet(), millis.keySet(), "time is kept for the same lines");
    assertTrue(millis.get(site) > 0, "time of the loop's queries: " + millis);
    assertTrue(
        millis.get(site) <= figures.get("seconds_query-loop") * 1000 + 1,
        millis + " within the step's " + figures.get("seconds_query-loop") + " s");
  }

  /** 1.5 s of work on the driver between two jobs, then 1.5 s of work inside a job's task. */
  static final class DriverThenSparkStep implements NightlyStep {
    @Override
    public String name() {
      return "driver-then-spark";
    }

    @Override
    public StepResult run(JobContext ctx) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
      jsc.parallelize(List.of(1), 1).count();
      sleep(1500); // the driver alone: no job runs
      long n =
          jsc.parallelize(List.of(1), 1)
              .map(
                  i -> {
                    sleep(1500); // inside a task: Spark time
                    return i;
                  })
              .count();
      return new StepResult(name()).metric("driver_then_spark_n", n);
    }

    private static void sleep(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void theTimeWithNoSparkJobRunningIsTheDriversOwn() {
    JobContext ctx = SampleRun.context(SparkTestSession.tempDir("step-driver"), Map.of());
    Map<String, Double> m = JobRunner.runStep(ctx, new DriverThenSparkStep()).metrics();
    double seconds = m.get("seconds_driver-then-spark");
    double driverOnly = m.get("driver_only_seconds_driver-then-spark");
    assertTrue(seconds >= 3.0, "both sleeps: " + seconds);
    assertTrue(driverOnly >= 1.5, "the driver's sleep is not Spark time: " + driverOnly);
    assertTrue(
        driverOnly <= seconds - 1.5,
        "the task's sleep is Spark time: " + driverOnly + " of " + seconds + " s");
  }

  @Test
  void theEndOfRunSummaryPrintsTheCostOfEachStep() throws Exception {
    Path dir = SparkTestSession.tempDir("step-costs");
    Path file = dir.resolve("lines.txt");
    Files.writeString(file, "a\nb\n");
    JobContext ctx = SampleRun.context(dir.resolve("out"), Map.of());
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      JobRunner.runAll(ctx, List.of(new ProbeStep(file)));
    } finally {
      System.setOut(stdout);
    }
    String summary = captured.toString(StandardCharsets.UTF_8);
    assertTrue(summary.contains("Cost per step:"), summary);
    assertTrue(
        summary
            .lines()
            .anyMatch(
                l ->
                    l.trim().matches("probe\\s+[0-9.]+\\s+4\\s+5\\s+[0-9.]+\\s+[0-9]+\\s+[0-9.]+")),
        summary);
  }
}
