package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.StepCosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ALS factors fitted on one night score the nights after, until they are refit-days old or what
 * they depend on changes; the recommendations are those of the night that fitted them.
 */
class AlsModelStoreTest {
  /** Fixed weights give ALS 0.5 (the sample night's learned blend gives it none: no fit). */
  private static final Map<String, String> FIXED_BLEND =
      Map.of("customerpath.recommendations.blend.learn", "false");

  /**
   * Extended phase: two recommendations builds with weights the sample night does not learn (its
   * blend gives ALS none, so it fits no factors to keep).
   */
  @Test
  @Tag("extended")
  void aNightThatKeepsTheFactorsRecommendsAsTheNightThatFittedThem() throws Exception {
    Path copy = SampleRun.copyOfTheNight("als-store");
    // Whatever the shared night kept, tonight fits.
    org.apache.commons.io.FileUtils.deleteDirectory(copy.resolve(AlsModelStore.DIRECTORY).toFile());
    JobContext ctx = SampleRun.context(copy, FIXED_BLEND);
    Map<String, Double> fitted = JobRunner.runStep(ctx, new RecommendationsJob()).metrics();
    assertEquals(0.0, fitted.get("recommendations_als_reused"), "nothing kept yet");
    List<String> fittedRecs = recommendations(ctx);
    assertTrue(fittedRecs.size() > 10_000, "the sample's customers are served");

    Map<String, Long> alsJobsBefore = alsJobs(ctx);
    Map<String, Double> kept = JobRunner.runStep(ctx, new RecommendationsJob()).metrics();
    assertEquals(1.0, kept.get("recommendations_als_reused"));
    assertEquals(0.0, kept.get("recommendations_als_age_days"));
    assertEquals(alsJobsBefore, alsJobs(ctx), "no ALS fitting job when the factors are kept");
    assertTrue(
        kept.get("jobs_recommendations") < fitted.get("jobs_recommendations"),
        "fewer Spark jobs: " + kept.get("jobs_recommendations") + " vs " + fitted);
    assertEquals(fittedRecs, recommendations(ctx), "the same products, ranks and scores");

    // Kept until refit-days old, for the same fingerprint (one fit serves both checks: a fit on the
    // sample costs a recommendations step).
    Recommender.Params p = Recommender.Params.from(ctx.settings().recommendations());
    int lookback = ctx.settings().run().lookbackDays();
    String fingerprint = AlsModelStore.fingerprint(p, lookback);
    var tables = ctx.tables();
    var night = SampleRun.DATE;

    AlsModelStore.Stored stored =
        AlsModelStore.reusable(tables, night.plusDays(6), fingerprint, 7).orElseThrow();
    assertEquals(night, stored.fittedOn());
    assertTrue(stored.fit().customers().count() > 1000, "the customer index is kept");
    assertEquals(
        stored.fit().customers().count(),
        stored.fit().model().userFactors().count(),
        "a factor per indexed customer");
    assertTrue(AlsModelStore.reusable(tables, night.plusDays(7), fingerprint, 7).isEmpty());
    assertTrue(AlsModelStore.reusable(tables, night.minusDays(1), fingerprint, 7).isEmpty());
    assertTrue(AlsModelStore.reusable(tables, night.plusDays(1), fingerprint, 1).isEmpty());
    Recommender.Params otherRank =
        Recommender.Params.from(
            SampleRun.settings(
                    "conf/local.conf", copy, Map.of("customerpath.recommendations.als.rank", "8"))
                .recommendations());
    assertTrue(
        AlsModelStore.reusable(
                tables, night.plusDays(1), AlsModelStore.fingerprint(otherRank, lookback), 7)
            .isEmpty());
    assertTrue(
        AlsModelStore.reusable(
                tables, night.plusDays(1), AlsModelStore.fingerprint(p, lookback + 1), 7)
            .isEmpty(),
        "another look-back window");

    // A save cut short (no properties file) is never read.
    Files.delete(
        Path.of(tables.partitionPath(AlsModelStore.DIRECTORY, night))
            .resolve(AlsModelStore.FITTED));
    assertTrue(AlsModelStore.reusable(tables, night.plusDays(1), fingerprint, 7).isEmpty());
  }

  @Test
  void theRefitDaysAreNotPartOfTheBlendsFingerprint() {
    Path out = com.customerpath.testing.SparkTestSession.tempDir("als-blend-fingerprint");
    Recommender.Params weekly =
        Recommender.Params.from(
            SampleRun.settings("conf/local.conf", out, Map.of()).recommendations());
    Recommender.Params nightly =
        Recommender.Params.from(
            SampleRun.settings(
                    "conf/local.conf",
                    out,
                    Map.of("customerpath.recommendations.als.refit-days", "1"))
                .recommendations());
    assertEquals(BlendStore.fingerprint(weekly), BlendStore.fingerprint(nightly));
    assertEquals(AlsModelStore.fingerprint(weekly, 365), AlsModelStore.fingerprint(nightly, 365));
    assertTrue(
        BlendStore.fingerprint(weekly)
            .contains("als=AlsSettings[rank=16, maxIter=10, regParam=0.05, alpha=10.0, seed=42]"),
        "spelt as before, so blends kept earlier still match: " + BlendStore.fingerprint(weekly));
  }

  private static List<String> recommendations(JobContext ctx) {
    return ctx
        .tables()
        .read(TableNames.RECOMMENDATIONS, SampleRun.DATE)
        .selectExpr("concat_ws('|', customer_id, product_id, rank, score, source)")
        .collectAsList()
        .stream()
        .map(r -> r.getString(0))
        .sorted()
        .toList();
  }

  /**
   * The recommendations step's Spark jobs launched from MLlib's ALS fitting, by call site (loading
   * kept factors is not fitting).
   */
  private static Map<String, Long> alsJobs(JobContext ctx) {
    Map<String, Long> als = new java.util.TreeMap<>();
    StepCosts.of(ctx.spark().sparkContext())
        .jobsBySite("recommendations")
        .forEach(
            (site, n) -> {
              if (site.contains("ALS.scala") && !site.startsWith("load at")) {
                als.put(site, n);
              }
            });
    return als;
  }
}
