package com.customerpath.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.StepResult;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DoubleType;
import org.junit.jupiter.api.Test;

/**
 * Incremental ingest on the sample transactions delivered one folder a day (dt={date}): night 1 is
 * a full refresh, night 2 reads only its own day, and the result equals a full refresh, down to the
 * customer features.
 */
class IncrementalIngestTest {
  static final LocalDate NIGHT1 = LocalDate.parse("2026-06-29");
  static final LocalDate NIGHT2 = LocalDate.parse("2026-06-30");

  /** Days of the sample kept in the fixture: a full refresh reads one folder per day. */
  static final int FIXTURE_DAYS = 60;

  /** Data lines written by {@link #splitByDay}. */
  static long fixtureLines;

  /**
   * The last FIXTURE_DAYS days of sample-data/transactions.csv split by the day of order_ts; lines
   * without a date go to NIGHT2's.
   */
  static Path splitByDay(Path dir) throws IOException {
    List<String> lines =
        Files.readAllLines(SparkTestSession.projectRoot().resolve("sample-data/transactions.csv"));
    String first = NIGHT2.minusDays(FIXTURE_DAYS - 1L).toString();
    Map<String, List<String>> byDay = new TreeMap<>();
    fixtureLines = 0;
    for (String line : lines.subList(1, lines.size())) {
      String ts = line.split(",", -1)[3];
      String day =
          ts.matches("\\d{4}-\\d{2}-\\d{2} .*") && !ts.startsWith("2026-13")
              ? ts.substring(0, 10)
              : NIGHT2.toString();
      if (day.compareTo(first) < 0) {
        continue;
      }
      fixtureLines++;
      byDay.computeIfAbsent(day, d -> new ArrayList<>(List.of(lines.get(0)))).add(line);
    }
    for (Map.Entry<String, List<String>> e : byDay.entrySet()) {
      Path folder = Files.createDirectories(dir.resolve("dt=" + e.getKey()));
      Files.write(folder.resolve("part-0.csv"), e.getValue());
    }
    return dir;
  }

  /**
   * The sample config with transactions from the day folders; events off (features do not read
   * them).
   */
  static JobContext night(LocalDate date, Path input, Path output, boolean fullRefresh) {
    return night(date, input, output, fullRefresh, Map.of());
  }

  static JobContext night(
      LocalDate date,
      Path input,
      Path output,
      boolean fullRefresh,
      Map<String, String> moreOverrides) {
    Map<String, String> overrides =
        new java.util.HashMap<>(
            Map.of(
                "customerpath.inputs.transactions.path",
                input + "/dt={date}",
                "customerpath.inputs.events.path",
                "",
                "customerpath.run.full-refresh",
                String.valueOf(fullRefresh)));
    overrides.putAll(moreOverrides);
    return new JobContext(
        date, SampleRun.settings("conf/local.conf", output, overrides), SparkTestSession.get());
  }

  /** Rows of a in b and of b in a, doubles rounded (sums may add in another order). */
  static long difference(Dataset<Row> a, Dataset<Row> b) {
    return rounded(a).exceptAll(rounded(b)).count() + rounded(b).exceptAll(rounded(a)).count();
  }

  static Dataset<Row> rounded(Dataset<Row> d) {
    Column[] cols =
        java.util.Arrays.stream(d.schema().fields())
            .map(
                f ->
                    f.dataType() instanceof DoubleType
                        ? functions.round(functions.col(f.name()), 9).as(f.name())
                        : functions.col(f.name()))
            .toArray(Column[]::new);
    return d.select(cols);
  }

  /**
   * Extended phase: five ingest and two features steps, about 35 s. The redelivery test below keeps
   * an incremental night in the default phase.
   */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void anIncrementalNightReadsOnlyItsDayAndEqualsAFullRefresh() throws IOException {
    Path input = splitByDay(SparkTestSession.tempDir("incremental-input"));
    Path incremental = SparkTestSession.tempDir("incremental-out");
    Path full = SparkTestSession.tempDir("full-out");
    Path night2File = input.resolve("dt=" + NIGHT2 + "/part-0.csv");
    long night2Lines = Files.readAllLines(night2File).size() - 1;

    JobRunner.runStep(night(NIGHT1, input, incremental, true), new IngestJob());
    JobContext ctx2 = night(NIGHT2, input, incremental, false);
    // Ingest then features in one run: features reads the curated rows ingest has just written.
    StepResult n2 = JobRunner.runAll(ctx2, List.of(new IngestJob(), new FeaturesJob())).get(0);
    JobContext ctxFull = night(NIGHT2, input, full, true);
    StepResult all = JobRunner.runAll(ctxFull, List.of(new IngestJob(), new FeaturesJob())).get(0);

    // Night 2 read one file, its day's, and nothing else.
    Map<String, Double> m = n2.metrics();
    assertEquals(0.0, m.get("transactions_full_refresh"), "night 2 is incremental");
    assertEquals(1.0, m.get("transactions_input_files"), "night 2 reads one folder");
    assertEquals(
        (double) Files.size(night2File),
        m.get("transactions_input_bytes"),
        "bytes of night 2's input");
    assertEquals((double) night2Lines, m.get("transactions_read"), "rows of night 2's input");
    assertEquals(
        (double) fixtureLines,
        all.metrics().get("transactions_read"),
        "the full refresh reads every line");
    assertTrue(
        m.get("transactions_input_bytes") * 3 <= all.metrics().get("transactions_input_bytes"),
        "an incremental night reads at most a third of a full refresh: "
            + m
            + " vs "
            + all.metrics());
    assertTrue(
        m.get("transactions_event_dates_written") <= 2,
        "night 2 rewrote only the dates it touched: " + m);

    // The curated table and the features equal the full refresh's.
    Dataset<Row> curatedInc = CuratedTables.read(ctx2.tables(), "transactions", NIGHT2);
    Dataset<Row> curatedFull = CuratedTables.read(ctxFull.tables(), "transactions", NIGHT2);
    assertEquals(curatedFull.count(), curatedInc.count(), "curated rows");
    assertEquals(
        0,
        difference(curatedInc, curatedFull),
        "curated transactions: incremental vs full refresh");
    assertEquals(
        ctxFull.tables().partitionValues("curated/transactions", CuratedTables.EVENT_DATE),
        ctx2.tables().partitionValues("curated/transactions", CuratedTables.EVENT_DATE),
        "event dates");
    Dataset<Row> featuresInc = ctx2.tables().read(FeaturesJob.TABLE, NIGHT2);
    long buyers = ctxFull.tables().read(FeaturesJob.TABLE, NIGHT2).count();
    assertTrue(buyers > 500, "the fixture's buyers: " + buyers);
    assertEquals(buyers, featuresInc.count(), "the buyers of the fixture's days");
    assertEquals(
        0,
        difference(featuresInc, ctxFull.tables().read(FeaturesJob.TABLE, NIGHT2)),
        "customer_features");

    // A re-run of night 2 replaces its own rows: same curated table, same counts.
    StepResult again = JobRunner.runStep(ctx2, new IngestJob());
    assertEquals(
        m.get("transactions_accepted"),
        again.metrics().get("transactions_accepted"),
        "re-run accepts the same");
    assertEquals(
        0,
        difference(CuratedTables.read(ctx2.tables(), "transactions", NIGHT2), curatedFull),
        "after re-run");
  }

  @Test
  void aRowDeliveredAgainOnALaterNightIsQuarantinedAsDuplicate() throws IOException {
    Path input = SparkTestSession.tempDir("redelivery-input");
    String header =
        "order_id,line_no,cust_id,order_ts,sku,qty,unit_price,channel,payment_method,store_id,region_code";
    String a = "O1,1,C1,2026-06-28 10:00:00,P1,1,5.00,store,card,S1,R1";
    String b = "O2,1,C2,2026-06-29 11:00:00,P2,2,3.00,online,card,,R2";
    String late = "O3,1,C3,2026-06-28 23:00:00,P3,1,9.00,app,card,,R3"; // delivered a day late
    Files.createDirectories(input.resolve("dt=2026-06-28"));
    Files.createDirectories(input.resolve("dt=2026-06-29"));
    Files.write(input.resolve("dt=2026-06-28/part-0.csv"), List.of(header, a));
    Files.write(input.resolve("dt=2026-06-29/part-0.csv"), List.of(header, b, a, late));
    Path out = SparkTestSession.tempDir("redelivery-out");

    // Three rows, one a redelivery: a third quarantined is far above the default 10% share
    // that stops a night, so this fixture allows it to see where the row goes.
    Map<String, String> tinyFixture =
        Map.of("customerpath.validation.max-quarantine-share.transactions", "0.5");
    JobRunner.runStep(
        night(LocalDate.parse("2026-06-28"), input, out, false, tinyFixture), new IngestJob());
    JobContext ctx = night(LocalDate.parse("2026-06-29"), input, out, false, tinyFixture);
    StepResult r = JobRunner.runStep(ctx, new IngestJob());

    assertEquals(3.0, r.metrics().get("transactions_read"));
    assertEquals(2.0, r.metrics().get("transactions_accepted"), "b and the late row");
    assertEquals(
        1.0,
        r.metrics().get("transactions_quarantined_exact_duplicate"),
        "a, curated the night before");
    assertEquals(
        List.of("2026-06-28", "2026-06-29"),
        ctx.tables().partitionValues("curated/transactions", CuratedTables.EVENT_DATE));
    assertEquals(
        List.of("O1", "O2", "O3"),
        CuratedTables.read(ctx.tables(), "transactions", ctx.date())
            .orderBy("transaction_id")
            .collectAsList()
            .stream()
            .map(x -> x.<String>getAs("transaction_id"))
            .toList(),
        "the late row joins its event date, next to the row curated the night before");
    Row quarantined =
        SparkTestSession.get()
            .read()
            .parquet(out.resolve("quarantine/transactions/dt=2026-06-29").toString())
            .first();
    assertTrue(
        quarantined.<String>getAs("source_row").contains("\"transaction_id\":\"O1\""),
        "the quarantine shows the row: " + quarantined);
    assertTrue(
        quarantined.<String>getAs("source_file").endsWith("dt=2026-06-29/part-0.csv"),
        "and names its file: " + quarantined);
  }
}
