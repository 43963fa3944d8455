package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The offline evaluation end to end: on the bundled sample data's shared nightly run for 2026-06-30
 * (cut-off 2026-05-01, whose personas it builds itself) and on the Groceries dataset of
 * ../shared/datasets (cut-off 2015-09-30, test to 2015-12-30; skipped when absent). In both views
 * (all test purchases; only products new to the customer) the hybrid's NDCG@10 must be at least the
 * best baseline's.
 */
class RecommenderEvaluationSampleTest {

  /** model|view|segment@k:metric -> value, from the written table. */
  static Map<String, Double> figures(JobContext ctx) {
    Map<String, Double> v = new HashMap<>();
    List<Row> rows = ctx.tables().read(RecommenderEvaluation.TABLE, ctx.date()).collectAsList();
    rows.forEach(
        r ->
            v.put(
                r.getString(0)
                    + "|"
                    + r.getString(1)
                    + "|"
                    + r.getString(2)
                    + "@"
                    + r.getInt(3)
                    + ":"
                    + r.getString(4),
                r.getDouble(5)));
    return v;
  }

  static void assertHybridAtLeastBestBaseline(String dataset, Map<String, Double> v) {
    for (String view : RecommenderEvaluation.VIEWS) {
      double hybrid = v.get("hybrid|" + view + "|all@10:ndcg");
      String best = null;
      double bestValue = -1;
      for (String m : RecommenderEvaluation.BASELINES) {
        double x = v.get(m + "|" + view + "|all@10:ndcg");
        if (x > bestValue) {
          bestValue = x;
          best = m;
        }
      }
      System.out.printf(
          "%s view %s NDCG@10: hybrid %.4f, best baseline %s %.4f%n",
          dataset, view, hybrid, best, bestValue);
      assertTrue(
          hybrid >= bestValue - 1e-9,
          dataset
              + " view "
              + view
              + ": hybrid NDCG@10 "
              + hybrid
              + " < best baseline "
              + best
              + " "
              + bestValue);
    }
  }

  @Test
  @org.junit.jupiter.api.Tag("extended") // minutes on the sample data: bin/test --extended
  void hybridAtLeastBestBaselineOnTheSample() {
    // The shared nightly run of the sample data (SampleRun) provides the curated tables.
    JobContext ctx = SampleRun.withRecommenderEvaluation().context;
    Map<String, Double> v = figures(ctx);
    int k = 2;
    assertEquals(
        RecommenderEvaluation.MODELS.size() * 2 * 4 * k * RecommenderEvaluation.METRICS.size(),
        v.size(),
        "model x view x segment x k x metric");
    assertHybridAtLeastBestBaseline("sample", v);
    assertEquals(1.0, v.get("hybrid|all|all@10:served"), 1e-9);
    assertTrue(
        v.get("als|all|all@10:served") < 1.0, "ALS alone cannot serve customers without history");
    assertTrue(
        v.get("hybrid|all|cold_start@10:customers") > 0, "the test period has new customers");
  }

  @Test
  @org.junit.jupiter.api.Tag("extended") // real data: bin/test --extended
  void hybridAtLeastBestBaselineOnGroceries() {
    Path file = SparkTestSession.sharedDatasets().resolve("groceries/Groceries_dataset.csv");
    Assumptions.assumeTrue(
        Files.exists(file), "Skipped: real dataset " + file + " is absent (../shared/datasets)");
    JobContext ctx =
        new JobContext(
            LocalDate.parse("2015-12-30"),
            SampleRun.settings(
                "conf/examples/groceries.conf",
                SparkTestSession.tempDir("groceries"),
                Map.of("groceries", file.toString())),
            SparkTestSession.get());
    JobRunner.runStep(ctx, new RecommenderEvaluation());
    Map<String, Double> v = figures(ctx);
    assertHybridAtLeastBestBaseline("groceries", v);
    // The issue's baselines on this split (popularity excluding bought 0.2554, including 0.2919).
    assertEquals(0.2919, v.get("popularity_incl_bought|all|all@10:ndcg"), 0.02);
    assertEquals(0.2554, v.get("popularity_excl_bought|all|all@10:ndcg"), 0.02);
  }
}
