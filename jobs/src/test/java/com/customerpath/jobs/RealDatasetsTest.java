package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The nightly run on real public data in ../shared/datasets, through the example configs' column
 * mappings only (conf/examples/). Skipped with a message where the data is absent.
 */
@org.junit.jupiter.api.Tag(
    "extended") // bin/test --extended: real datasets and large generated data
class RealDatasetsTest {

  private static Path requireShared(String relative) {
    Path p = SparkTestSession.sharedDatasets().resolve(relative);
    Assumptions.assumeTrue(
        Files.exists(p), "Skipped: real dataset " + p + " is absent (../shared/datasets)");
    return p;
  }

  private static JobContext run(String conf, String date, Map<String, String> overrides) {
    JobContext ctx =
        new JobContext(
            LocalDate.parse(date),
            SampleRun.settings(conf, SparkTestSession.tempDir("real"), overrides),
            SparkTestSession.get());
    JobRunner.runAll(ctx, NightlyPipeline.steps());
    return ctx;
  }

  @Test
  void cdnowThroughItsMapping() {
    Path file = requireShared("cdnow/CDNOW_master.txt");
    JobContext ctx =
        run(
            "conf/examples/cdnow.conf",
            "1998-06-30",
            Map.of("customerpath.inputs.transactions.path", file.toString()));
    Row m = ctx.tables().read("run_manifest", ctx.date()).first();
    assertEquals(
        69659.0,
        m.<Double>getAs("transactions_read"),
        "69,659 data lines (the header is not data)");
    assertEquals(
        m.<Double>getAs("transactions_read"),
        m.<Double>getAs("transactions_accepted") + m.<Double>getAs("transactions_quarantined"));
    assertEquals(
        23570,
        ctx.tables().read("customer_features", ctx.date()).count(),
        "CDNOW's 23,570 customers");
    Row first =
        CuratedTables.read(ctx.tables(), "transactions", ctx.date())
            .filter("customer_id = '00001'")
            .orderBy("ts")
            .first();
    assertEquals(java.sql.Timestamp.valueOf("1997-01-01 00:00:00"), first.getAs("ts"));
    assertEquals(11.77, first.<Double>getAs("unit_price"), 1e-9, "dollar_value / number_of_cds");
    assertEquals(4, ctx.tables().read("personas", ctx.date()).count());
    // No event log: the journey comes from transactions alone and says which stages it saw.
    var stages = ctx.tables().read("journey_stages", ctx.date());
    assertEquals(0, stages.filter("stage not in ('act', 'advocate')").count());
    assertEquals("act,advocate", stages.first().getAs("observable_stages"));
    assertTrue(stages.filter("stage = 'advocate'").count() > 0, "repeat buyers are advocates");
  }

  @Test
  void olistWithBrazilianStateDataThroughItsMapping() {
    requireShared("olist_sample_8k/olist_orders_dataset.csv");
    requireShared("external/brazil/br_estados.csv");
    JobContext ctx =
        run(
            "conf/examples/olist.conf",
            "2018-10-17",
            Map.of(
                "olist", SparkTestSession.sharedDatasets().resolve("olist_sample_8k").toString(),
                "brazil", SparkTestSession.sharedDatasets().resolve("external/brazil").toString()));
    Row m = ctx.tables().read("run_manifest", ctx.date()).first();
    for (String source : new String[] {"transactions", "events", "customers", "products"}) {
      assertEquals(
          m.<Double>getAs(source + "_read"),
          m.<Double>getAs(source + "_accepted") + m.<Double>getAs(source + "_quarantined"),
          source);
    }
    assertEquals(8016.0, m.<Double>getAs("customers_read"), "one row per customer_unique_id");
    assertEquals(
        0.0, m.<Double>getAs("external_state_unmatched_keys"), "every state code is in br_estados");
    var features = ctx.tables().read("customer_features", ctx.date());
    assertTrue(features.count() > 7000, "Olist's buyers");
    assertEquals(
        0, features.filter("state_regiao is null").count(), "state attributes joined for everyone");
    assertTrue(
        features.filter("holidays_is_holiday_avg > 0").count() > 0,
        "some orders fell on Brazilian national holidays (BOM, ';' and dd/mm/yyyy handled)");
    assertTrue(features.filter("payment_share_credit_card > 0").count() > 0);
    // Orders are Act, reviews of 4-5 Advocate, 1-2 a complaint; aware..ask are not observable.
    var funnel = ctx.tables().read("journey_funnel", ctx.date()).filter("persona_id = 'all'");
    assertTrue(
        funnel.filter("stage = 'aware' and customers_reached is null").count() == 1,
        "unobservable stages are null, not zero");
    double actToAdvocate =
        funnel.filter("stage = 'act'").first().<Double>getAs("conversion_to_next");
    assertTrue(
        actToAdvocate > 0.3 && actToAdvocate < 0.8,
        "share of buyers who reviewed 4-5: " + actToAdvocate);
    assertTrue(
        ctx.tables().read("journey_stages", ctx.date()).filter("complaint").count() > 0,
        "1-2 star reviews are complaints");
  }
}
