package com.customerpath.jobs.journey;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.RunSteps;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sample data's nightly run for 2026-06-30 (SampleRun, shared with the other end-to-end tests):
 * propensity AUC on the held-out snapshot and the funnel against the planted rates of
 * sample-data/truth/planted_rates.csv.
 */
class JourneySampleDataTest {
  static final LocalDate RUN = LocalDate.parse("2026-06-30");
  static JobContext ctx;

  @BeforeAll
  static void runSampleData() {
    ctx =
        com.customerpath.jobs.SampleRun.get().context; // the shared nightly run of the sample data
  }

  static double figure(String name) {
    Row r = ctx.tables().read(RunSteps.TABLE, RUN).filter(col("figure").equalTo(name)).first();
    return r.<Double>getAs("value");
  }

  @Test
  void propensityBeatsChanceOnTheHeldOutSnapshot() {
    double auc = figure("journey_propensity_auc");
    // Planted signal: prospects move on with more touches / views / wishlists, buyers' personas
    // differ in advocacy; 0.6 is well below what the model measures (docs/journey.md) and well
    // above chance.
    assertTrue(auc >= 0.6, "AUC " + auc);
    assertTrue(figure("journey_propensity_train_rows") > figure("journey_propensity_test_rows"));
    long scored =
        ctx.tables()
            .read(JourneyJob.STAGES_TABLE, RUN)
            .filter("stage <> 'advocate' and next_stage_propensity is null")
            .count();
    assertEquals(0, scored, "every customer below advocate has a propensity");
    assertEquals(
        0,
        ctx.tables()
            .read(JourneyJob.STAGES_TABLE, RUN)
            .filter("stage = 'advocate' and next_stage_propensity is not null")
            .count(),
        "advocates are not scored");
  }

  @Test
  void funnelMatchesPlantedRates() throws IOException {
    Map<String, Double> measured = new HashMap<>();
    for (Row r :
        ctx.tables().read(JourneyJob.FUNNEL, RUN).filter("persona_id = 'all'").collectAsList()) {
      if (!r.isNullAt(r.fieldIndex("conversion_to_next"))) {
        measured.put(r.getAs("stage"), r.<Double>getAs("conversion_to_next"));
      }
    }
    List<String> planted =
        Files.readAllLines(
            SparkTestSession.projectRoot().resolve("sample-data/truth/planted_rates.csv"));
    assertEquals(5, planted.size(), "header + 4 rates");
    for (String line : planted.subList(1, planted.size())) {
      String[] f = line.split(",");
      double rate = Double.parseDouble(f[2]);
      assertEquals(rate, measured.get(f[0]), 0.05, f[0] + " -> " + f[1]);
    }
  }

  @Test
  void firstRunTransitionsAreAllNewAndCoverEveryCustomer() {
    long customers = ctx.tables().read(JourneyJob.STAGES_TABLE, RUN).count();
    List<Row> all =
        ctx.tables().read(JourneyJob.TRANSITIONS, RUN).filter("persona_id = 'all'").collectAsList();
    assertTrue(all.stream().allMatch(r -> r.getAs("from_stage").equals("new")));
    assertEquals(customers, all.stream().mapToLong(r -> r.<Long>getAs("customers")).sum());
    assertEquals(3600, customers, "every buyer and prospect has a stage");
  }
}
