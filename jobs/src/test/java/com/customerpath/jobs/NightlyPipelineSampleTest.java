package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.personas.PersonasJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The whole nightly run on the bundled sample data: layout, reconciliation, manifest, idempotency.
 */
class NightlyPipelineSampleTest {

  @Test
  void everyTableIsPublishedAsADtPartition() {
    SampleRun run = SampleRun.get();
    // Curated facts are kept by event date: the sample's year of history, one partition a day.
    for (String table : List.of("curated/transactions", "curated/events")) {
      assertTrue(
          Files.isDirectory(run.output.resolve(table).resolve("event_date=" + SampleRun.DATE)),
          table);
      assertTrue(
          Files.notExists(run.output.resolve(table).resolve("dt=" + SampleRun.DATE)),
          table + " has no dt");
      assertTrue(run.context.tables().partitionValues(table, "event_date").size() > 300, table);
    }
    for (String table :
        List.of(
            "curated/customers",
            "curated/products",
            "quarantine/transactions",
            "customer_features",
            "customer_context_features",
            "personas",
            "customer_personas",
            "persona_migration",
            "run_manifest")) {
      Path partition = run.output.resolve(table).resolve("dt=" + SampleRun.DATE);
      assertTrue(Files.isDirectory(partition), "missing partition " + partition);
      assertTrue(run.context.tables().read(table, SampleRun.DATE).count() > 0, table + " has rows");
    }
  }

  @Test
  void quarantineHoldsExactlyThePlantedDefects() {
    Map<String, Long> expected = new HashMap<>();
    for (String[] row : SampleRun.truth("quarantine_expected.csv")) {
      expected.put(row[0], Long.parseLong(row[1]));
    }
    Map<String, Long> actual = new HashMap<>();
    SampleRun.get()
        .context
        .tables()
        .read("quarantine/transactions", SampleRun.DATE)
        .groupBy("reason")
        .count()
        .collectAsList()
        .forEach(r -> actual.put(r.getString(0), r.getLong(1)));
    assertEquals(expected, actual);
  }

  @Test
  void manifestReconcilesEverySourceAndTable() {
    JobContext ctx = SampleRun.get().context;
    Row m = ctx.tables().read("run_manifest", SampleRun.DATE).first();
    for (String source : List.of("transactions", "events", "customers", "products")) {
      double read = m.<Double>getAs(source + "_read");
      double accepted = m.<Double>getAs(source + "_accepted");
      double quarantined = m.<Double>getAs(source + "_quarantined");
      assertEquals(read, accepted + quarantined, source + ": read = accepted + quarantined");
      assertEquals(
          (long) accepted,
          CuratedTables.read(ctx.tables(), source, SampleRun.DATE).count(),
          source);
    }
    assertEquals(
        36651.0,
        m.<Double>getAs("transactions_read"),
        "every line of sample-data/transactions.csv");
    for (String table : List.of("customer_features", "personas", "customer_personas")) {
      assertEquals(
          ctx.tables().read(table, SampleRun.DATE).count(),
          m.<Double>getAs("rows_" + table).longValue(),
          table);
    }
    assertEquals(ctx.settings().configFingerprint(), m.getAs("config_fingerprint"));
    assertTrue(m.<Double>getAs("seconds_ingest") > 0);
  }

  @Test
  void oneFeatureRowPerBuyerWithExternalAttributes() {
    Dataset<Row> features =
        SampleRun.get().context.tables().read("customer_features", SampleRun.DATE);
    assertEquals(2400, features.count(), "the sample has 2,400 buyers");
    assertEquals(2400, features.select("customer_id").distinct().count());
    assertTrue(
        features.filter("region_demographics_population is not null").count() > 2000,
        "demographics joined by region");
    assertTrue(
        features.filter("region_id = 'R12' and region_demographics_population is null").count() > 0,
        "R12 is missing from the demographics: null, not dropped");
    Row m = SampleRun.get().context.tables().read("run_manifest", SampleRun.DATE).first();
    assertEquals(1.0, m.<Double>getAs("external_region_demographics_unmatched_keys"), "R12");
  }

  @Test
  void oneCustomerPersonaRowPerCustomerAndContext() {
    Dataset<Row> cp =
        SampleRun.get().context.tables().read(PersonasJob.CUSTOMER_PERSONAS, SampleRun.DATE);
    assertEquals(cp.count(), cp.select("customer_id", "context").distinct().count());
    Dataset<Row> contexts =
        SampleRun.get().context.tables().read("customer_context_features", SampleRun.DATE);
    assertEquals(2400 + contexts.count(), cp.count(), "all + one row per context features row");
  }

  @Test
  void reRunningTheSameDateGivesTheSamePersonas() {
    // Two re-runs under the same state (other tests may add earlier partitions to the shared
    // output, which a run legitimately matches its ids against) must give identical rows.
    JobContext ctx = SampleRun.get().context;
    long assignments = ctx.tables().read(PersonasJob.CUSTOMER_PERSONAS, SampleRun.DATE).count();
    JobRunner.runStep(ctx, new PersonasJob());
    List<Row> first = personaRows(ctx);
    Dataset<Row> assignmentsFirst =
        ctx.tables()
            .read(PersonasJob.CUSTOMER_PERSONAS, SampleRun.DATE)
            .select("customer_id", "context", "persona_id")
            .localCheckpoint();
    JobRunner.runStep(ctx, new PersonasJob());
    assertEquals(first, personaRows(ctx));
    Dataset<Row> assignmentsSecond =
        ctx.tables()
            .read(PersonasJob.CUSTOMER_PERSONAS, SampleRun.DATE)
            .select("customer_id", "context", "persona_id");
    assertEquals(
        assignments, assignmentsSecond.count(), "the partition was replaced, not appended to");
    assertEquals(0, assignmentsFirst.exceptAll(assignmentsSecond).count());
    assertEquals(6, first.size());
  }

  private static List<Row> personaRows(JobContext ctx) {
    return ctx.tables()
        .read(PersonasJob.PERSONAS, SampleRun.DATE)
        .select("persona_id", "persona_name", "customers", "representative_customer_id")
        .orderBy("persona_id")
        .collectAsList();
  }
}
