package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.runtime.StepCosts;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Spark jobs each step of the shared sample night launched, as the run recorded them (the
 * StepCosts listener, jobs_<step> in run_manifest): counts do not vary from run to run, so a bound
 * per step catches an action inside a per-customer, per-product or per-date loop, which would add
 * hundreds. Read from the shared run: no step is run again for this.
 */
class StepJobCountsTest {
  /**
   * Upper bounds per step on the sample night: the counts measured when they were set (see
   * docs/benchmarks.md), plus a little room for a legitimate extra write.
   */
  static final Map<String, Integer> MAX_JOBS = new LinkedHashMap<>();

  static {
    // Measured 2026-12-04 with adaptive execution off, as embedded runs have it (253 in all):
    // 20, 20, 45, 63, 4, 81, 20 (with it on: 377). 2026-12-06 (181 in all): 9, 17, 34, 28, 4,
    // 79, 10 (small driver-side maps looked up as literals, tables of a few rows read and written
    // by the driver, small CSV inputs counted and external ones typed by it, an empty quarantine
    // published by it); session 38 (175 in all): recommendations 73 (one read of the lines per
    // candidate build, the three popularity counts in one aggregation); session 39 (176 in all):
    // recommendations 74 (+ the products' checksum and the two writes of the state the next
    // night carries over from). Session 41 (149 in all from the command line): features 15 (the
    // external datasets' unmatched keys found by a shuffled anti join, not a broadcast), personas
    // 10 (the map trained in one task; the k cluster rows sorted by the driver), recommendations
    // 73 (the buyer counts and ALS's item factors sorted by the driver, the step's two closing
    // figures in one query).
    MAX_JOBS.put("ingest", 14);
    MAX_JOBS.put("features", 18);
    MAX_JOBS.put("personas", 14);
    MAX_JOBS.put("journey", 34);
    MAX_JOBS.put("churn", 8);
    MAX_JOBS.put("recommendations", 76);
    MAX_JOBS.put("report", 14);
  }

  /** Issue 15's target for the whole sample night. */
  static final int MAX_NIGHT_JOBS = 150;

  @Test
  void everyStepStaysUnderItsSparkJobBound() {
    Map<String, Map<String, Double>> figures = SampleRun.get().stepFigures;
    assertEquals(MAX_JOBS.keySet(), figures.keySet(), "the night's steps");
    StringBuilder table = new StringBuilder();
    long total = 0;
    for (Map.Entry<String, Integer> e : MAX_JOBS.entrySet()) {
      String step = e.getKey();
      double jobs = figures.get(step).get("jobs_" + step);
      double stages = figures.get(step).get("stages_" + step);
      total += (long) jobs;
      table.append(String.format("  %-16s %5.0f jobs %5.0f stages%n", step, jobs, stages));
      assertTrue(jobs > 0, step + " ran Spark jobs: the listener counted them");
      assertTrue(
          jobs <= e.getValue(),
          step + " launched " + (long) jobs + " Spark jobs, expected <= " + e.getValue());
    }
    System.out.printf("Spark jobs per step of the sample night (%d in all):%n%s", total, table);
    assertTrue(
        total <= MAX_NIGHT_JOBS,
        "the sample night launched " + total + " Spark jobs, expected <= " + MAX_NIGHT_JOBS);
  }

  @Test
  void personasChooseKOnTheDriver() {
    // 175 jobs when each k ran MLlib k-means and ClusteringEvaluator; the planted six personas.
    assertEquals(6.0, SampleRun.get().stepFigures.get("personas").get("personas_k_selected"));
  }

  @Test
  void theFirstNightLearnsTheBlendAndKeepsItForTheNextNights() {
    SampleRun run = SampleRun.get();
    Map<String, Double> rec = run.stepFigures.get("recommendations");
    assertEquals(0.0, rec.get("recommendations_blend_reused"), "nothing to reuse on night one");
    assertEquals(1.0, rec.get("recommendations_blend_learned"));
    assertTrue(
        com.customerpath.jobs.recommend.BlendStore.reusable(
                run.context.tables(),
                SampleRun.DATE.plusDays(1),
                com.customerpath.jobs.recommend.Recommender.Params.from(
                    run.context.settings().recommendations()))
            .isPresent(),
        "the next night finds tonight's blend");
  }

  @Test
  void noChurnFittingInsideTheRecommendationsStep() {
    // Churn is its own step: a likelihood evaluation per Spark job would show here by its line.
    Map<String, Long> sites =
        StepCosts.of(SampleRun.get().context.spark().sparkContext()).jobsBySite("recommendations");
    assertTrue(!sites.isEmpty(), "the recommendations step's jobs were attributed to it");
    sites
        .keySet()
        .forEach(
            site ->
                assertTrue(
                    !site.contains("GroupedLikelihood") && !site.contains("churn"),
                    "a churn job in the recommendations step: " + site));
  }
}
