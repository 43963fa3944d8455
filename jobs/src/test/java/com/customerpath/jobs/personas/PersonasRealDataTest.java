package com.customerpath.jobs.personas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Personas on real data (../shared/datasets, through conf/examples/ mappings) with the default
 * persona settings: value or frequency separates personas, no persona is a sliver of outliers,
 * names are unique. Skipped where the data is absent.
 */
@org.junit.jupiter.api.Tag(
    "extended") // bin/test --extended: real datasets and large generated data
class PersonasRealDataTest {

  private static Path requireShared(String relative) {
    Path p = SparkTestSession.sharedDatasets().resolve(relative);
    Assumptions.assumeTrue(
        Files.exists(p), "Skipped: real dataset " + p + " is absent (../shared/datasets)");
    return p;
  }

  private static List<Row> personas(String conf, String date, Map<String, String> overrides) {
    JobContext ctx =
        new JobContext(
            LocalDate.parse(date),
            SampleRun.settings(conf, SparkTestSession.tempDir("personas-real"), overrides),
            SparkTestSession.get());
    JobRunner.runAll(ctx, List.of(new IngestJob(), new FeaturesJob(), new PersonasJob()));
    Map<String, Double> m = new java.util.HashMap<>();
    ctx.tables()
        .read(com.customerpath.jobs.runtime.RunSteps.TABLE, ctx.date())
        .collectAsList()
        .forEach(r -> m.put(r.getString(0), r.isNullAt(1) ? null : r.getDouble(1)));
    List<Row> rows =
        ctx.tables().read(PersonasJob.PERSONAS, ctx.date()).orderBy("persona_id").collectAsList();
    System.out.printf(
        "Personas of %s (k %s; customer silhouette %.3f, codebook silhouette %.3f, stability %.3f,"
            + " size balance %.3f):%n",
        conf,
        m.get("personas_k_selected"),
        m.get("personas_silhouette"),
        m.get("personas_codebook_silhouette"),
        m.get("personas_stability_ari"),
        m.get("personas_size_balance"));
    for (Row r : rows) {
      System.out.printf(
          "  %d | %s | %d | %.3f | %s%n",
          r.<Integer>getAs("persona_id"),
          r.<String>getAs("persona_name"),
          r.<Long>getAs("customers"),
          r.<Double>getAs("silhouette"),
          r.<String>getAs("description"));
    }
    return rows;
  }

  /** The marketer's checks: spend or frequency separate personas; no sliver; unique names. */
  private static void assertMarketable(List<Row> personas) {
    assertTrue(personas.size() >= 2, "at least two personas: " + personas.size());
    assertEquals(
        personas.size(),
        new HashSet<>(personas.stream().map(r -> r.<String>getAs("persona_name")).toList()).size(),
        "unique names");
    for (Row p : personas) {
      assertTrue(
          p.<Double>getAs("share") >= 0.02, p.getAs("persona_name") + " holds " + p.getAs("share"));
      assertTrue(!p.<String>getAs("description").isBlank());
    }
    // z_ is the persona's mean in standard deviations of the (log1p-transformed) feature.
    double spread = Math.max(range(personas, "z_monetary"), range(personas, "z_frequency"));
    assertTrue(
        spread > 1.0, "two personas differ by more than one sd in spend or frequency: " + spread);
  }

  private static double range(List<Row> personas, String column) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Row p : personas) {
      Double v = p.getAs(column);
      if (v != null) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return max - min;
  }

  @Test
  void groceries() {
    Path file = requireShared("groceries/Groceries_dataset.csv");
    assertMarketable(
        personas(
            "conf/examples/groceries.conf", "2015-12-30", Map.of("groceries", file.toString())));
  }

  @Test
  void olist() {
    requireShared("olist_sample_8k/olist_orders_dataset.csv");
    requireShared("external/brazil/br_estados.csv");
    List<Row> personas =
        personas(
            "conf/examples/olist.conf",
            "2018-10-17",
            Map.of(
                "olist", SparkTestSession.sharedDatasets().resolve("olist_sample_8k").toString(),
                "brazil", SparkTestSession.sharedDatasets().resolve("external/brazil").toString()));
    assertMarketable(personas);
    // External state data describes the personas; it is not what they are made of.
    assertTrue(
        personas.get(0).schema().getFieldIndex("mean_state_latitude").isDefined(),
        "external columns profiled");
  }

  @Test
  void cdnow() {
    Path file = requireShared("cdnow/CDNOW_master.txt");
    assertMarketable(
        personas(
            "conf/examples/cdnow.conf",
            "1998-06-30",
            Map.of("customerpath.inputs.transactions.path", file.toString())));
  }
}
