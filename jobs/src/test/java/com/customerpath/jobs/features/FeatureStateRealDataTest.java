package com.customerpath.jobs.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On real data (the Olist sample through its mapping, with the Brazilian holiday calendar joined
 * per order): features carried over from the eve equal a full aggregation of the night.
 */
@Tag("extended")
class FeatureStateRealDataTest {
  @Test
  void olistFeaturesCarriedOverFromTheEveAreThoseOfAFullAggregation() throws Exception {
    Path olist = SparkTestSession.sharedDatasets().resolve("olist_sample_8k");
    Path brazil = SparkTestSession.sharedDatasets().resolve("external/brazil");
    Assumptions.assumeTrue(
        Files.exists(olist.resolve("olist_orders_dataset.csv"))
            && Files.exists(brazil.resolve("br_estados.csv")),
        "Skipped: the Olist sample or the Brazilian state data is absent (../shared/datasets)");
    LocalDate night = LocalDate.parse("2018-08-15");
    LocalDate eve = night.minusDays(1);
    Path out = SparkTestSession.tempDir("olist-feature-state");
    Map<String, String> set = new HashMap<>();
    set.put("olist", olist.toString());
    set.put("brazil", brazil.toString());
    JobContext ctx =
        new JobContext(
            night,
            SampleRun.settings("conf/examples/olist.conf", out, set),
            SparkTestSession.get());
    JobRunner.runStep(ctx, new IngestJob());
    for (String snapshot : List.of("products", "customers")) {
      Path dir = out.resolve("curated").resolve(snapshot);
      FileUtils.copyDirectory(
          dir.resolve("dt=" + night).toFile(), dir.resolve("dt=" + eve).toFile());
    }
    JobContext eveCtx = new JobContext(eve, ctx.settings(), ctx.spark(), ctx.tables());
    assertEquals(
        0.0, JobRunner.runStep(eveCtx, new FeaturesJob()).metrics().get("features_carried_over"));
    assertEquals(
        1.0, JobRunner.runStep(ctx, new FeaturesJob()).metrics().get("features_carried_over"));
    Map<String, List<Object>> carried = FeatureStateStoreTest.rows(ctx, FeaturesJob.TABLE);
    Map<String, List<Object>> carriedContexts =
        FeatureStateStoreTest.rows(ctx, FeaturesJob.CONTEXT_TABLE);

    set.put("customerpath.run.full-refresh", "true");
    JobContext refresh =
        new JobContext(
            night,
            SampleRun.settings("conf/examples/olist.conf", out, set),
            SparkTestSession.get());
    assertEquals(
        0.0, JobRunner.runStep(refresh, new FeaturesJob()).metrics().get("features_carried_over"));
    FeatureStateStoreTest.assertSameRows(
        FeatureStateStoreTest.rows(refresh, FeaturesJob.TABLE), carried);
    FeatureStateStoreTest.assertSameRows(
        FeatureStateStoreTest.rows(refresh, FeaturesJob.CONTEXT_TABLE), carriedContexts);
  }
}
