package com.customerpath.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.quality.InputValidation;
import com.customerpath.common.schema.SchemaError;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.StepResult;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Schema errors, each quarantine reason, and reconciliation of read = accepted + quarantined. */
class IngestJobTest {
  static final LocalDate RUN = LocalDate.parse("2026-06-30");
  static final String HEADER = "order_id,cust_id,order_ts,sku,qty,unit_price,channel\n";

  static Path csv(String name, String content) throws IOException {
    Path dir = SparkTestSession.tempDir("ingest");
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  static PipelineSettings settings(Path transactions, Path output, Map<String, String> extra) {
    Map<String, String> set =
        new HashMap<>(
            Map.of(
                "customerpath.inputs.transactions.path", transactions.toString(),
                "customerpath.inputs.transactions.timestamp-format", "yyyy-MM-dd HH:mm:ss",
                "customerpath.inputs.transactions.columns.customer_id", "cust_id",
                "customerpath.inputs.transactions.columns.transaction_id", "order_id",
                "customerpath.inputs.transactions.columns.ts", "order_ts",
                "customerpath.inputs.transactions.columns.product_id", "sku",
                "customerpath.inputs.transactions.columns.quantity", "qty",
                "customerpath.output.root", output.toString()));
    set.putAll(extra);
    return PipelineSettings.from(ConfigLoader.load(null, set));
  }

  /** Settings with the bundled customers (a source with a unique key) besides transactions. */
  static PipelineSettings withSampleCustomers(Path transactions) {
    return settings(
        transactions,
        SparkTestSession.tempDir("out"),
        Map.of(
            "customerpath.inputs.customers.path",
            SparkTestSession.projectRoot().resolve("sample-data/customers.csv").toString(),
            "customerpath.inputs.customers.columns.customer_id",
            "cust_id",
            "customerpath.inputs.customers.columns.region_id",
            "region_code"));
  }

  static Dataset<Row> flag(PipelineSettings s) {
    SourceSettings source = s.input("transactions");
    return IngestJob.validate(
        SourceReader.read(SparkTestSession.get(), source), source, RUN, s.validation());
  }

  @Test
  void eachDefectGoesToQuarantineWithItsReason() throws IOException {
    Path file =
        csv(
            "tx.csv",
            HEADER
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n" // good
                + "o2,c1,2026-06-02 10:00:00,p1,two,9.5,store\n" // unparseable quantity
                + "o3,,2026-06-02 10:00:00,p1,1,9.5,store\n" // missing customer
                + "o4,c2,2026-07-01 00:00:00,p1,1,9.5,store\n" // the day after the run date
                + "o5,c2,2026-13-45 99:00:00,p1,1,9.5,store\n" // unparseable timestamp
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n" // exact duplicate of o1
                + "o6,c3,2026-06-30 23:59:59,p2,-1,9.5,online\n"); // a return on the run date: good
    Dataset<Row> flagged = flag(settings(file, SparkTestSession.tempDir("out"), Map.of()));
    Map<String, String> reasonByOrder =
        flagged.collectAsList().stream()
            .filter(r -> !r.isNullAt(r.fieldIndex("reason")))
            .collect(
                Collectors.toMap(
                    r ->
                        r.getAs("_source_row")
                                .toString()
                                .replaceAll(".*\"order_id\":\"(o\\d)\".*", "$1")
                            + (r.getAs("reason").equals("exact_duplicate") ? "-dup" : ""),
                    r -> r.getAs("reason")));
    assertEquals(
        Map.of(
            "o2", "unparseable_quantity",
            "o3", "missing_customer_id",
            "o4", "timestamp_after_run_date",
            "o5", "unparseable_timestamp",
            "o1-dup", "exact_duplicate"),
        reasonByOrder);
    List<Row> accepted =
        InputValidation.accepted(flagged, com.customerpath.common.schema.Contract.TRANSACTIONS)
            .orderBy("transaction_id")
            .collectAsList();
    assertEquals(
        List.of("o1", "o6"),
        accepted.stream().map(r -> r.<String>getAs("transaction_id")).toList());
    assertEquals(
        -1.0,
        accepted.get(1).<Double>getAs("quantity"),
        "a negative quantity is a return, not an error");
    Row quarantined =
        InputValidation.quarantined(flagged, "transactions")
            .filter("reason = 'unparseable_quantity'")
            .first();
    assertTrue(
        quarantined.<String>getAs("detail").contains("quantity: cannot parse 'two'"),
        quarantined.toString());
    assertTrue(quarantined.<String>getAs("source_file").endsWith("tx.csv"), "names the file");
    assertTrue(
        quarantined.<String>getAs("source_row").contains("\"qty\":\"two\""),
        "keeps the source row");
  }

  @Test
  void reasonsAreCountedInThePassThatCachesTheRows() throws IOException {
    Path file =
        csv(
            "counted.csv",
            HEADER
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n"
                + "o2,c1,2026-06-02 10:00:00,p1,two,9.5,store\n"
                + "o3,,2026-06-02 10:00:00,p1,1,9.5,store\n"
                + "o7,,2026-06-02 10:00:00,p1,1,9.5,store\n"
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n");
    PipelineSettings s = settings(file, SparkTestSession.tempDir("out"), Map.of());
    SourceSettings source = s.input("transactions");
    Dataset<Row> flagged =
        IngestJob.validate(
                SourceReader.read(SparkTestSession.get(), source), source, RUN, s.validation())
            .repartition(3) // several tasks, each adding its counts
            .cache();
    Map<String, Long> byGroupBy = new java.util.TreeMap<>();
    flagged
        .where("reason is not null")
        .groupBy("reason")
        .count()
        .collectAsList()
        .forEach(r -> byGroupBy.put(r.getString(0), r.getLong(1)));
    assertEquals(
        Map.of("exact_duplicate", 1L, "missing_customer_id", 2L, "unparseable_quantity", 1L),
        byGroupBy);

    Map<String, Long> observed = new java.util.TreeMap<>();
    assertEquals(
        List.of(5L, 1L),
        java.util.Arrays.stream(IngestJob.count(flagged, observed)).boxed().toList(),
        "read, accepted");
    assertEquals(byGroupBy, observed);
    // Counting must leave the session serializable: MLlib models capture it in task closures (an
    // Observation would not: its manager is a field of the session that does not serialize).
    try (java.io.ObjectOutputStream out =
        new java.io.ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
      out.writeObject(SparkTestSession.get());
    }
    flagged.unpersist();
  }

  @Test
  void aKeyedSourceIsShuffledOnceForBothDuplicateChecks() throws IOException {
    PipelineSettings s = withSampleCustomers(csv("keyed.csv", HEADER));
    SourceSettings source = s.input("customers");
    Dataset<Row> flagged =
        IngestJob.validate(
            SourceReader.read(SparkTestSession.get(), source), source, RUN, s.validation());
    String plan = flagged.queryExecution().executedPlan().toString();
    org.apache.spark.sql.execution.SparkPlan physical = flagged.queryExecution().executedPlan();
    if (physical
        instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec adaptive) {
      physical = adaptive.initialPlan();
    }
    long exchanges =
        physical.toString().lines().filter(l -> l.contains("Exchange hashpartitioning")).count();
    assertEquals(
        1, exchanges, "one shuffle for the duplicate-line and duplicate-key checks: " + plan);
    assertTrue(
        physical.toString().contains("Exchange hashpartitioning(customer_id"),
        "partitioned by the key: " + physical);
  }

  /** Lines on three days, with exact duplicates, a bad timestamp and one after the run date. */
  static final String DAYS =
      HEADER
          + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n"
          + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n" // exact duplicate
          + "o2,c1,2026-06-02 10:00:00,p1,1,9.5,store\n"
          + "o2,c1,2026-06-03 10:00:00,p1,1,9.5,store\n" // the same order on another day: kept
          + "o3,c2,2026-06-03 11:00:00,p2,1,5.0,online\n"
          + "o3,c2,2026-06-03 11:00:00,p2,1,5.0,online\n" // exact duplicate
          + "o3,c2,2026-06-03 11:00:00,p2,1,5.0,online\n" // and another
          + "o4,c2,not a time,p2,1,5.0,online\n" // no day
          + "o4,c2,not a time,p2,1,5.0,online\n"
          + "o5,c3,2026-07-02 10:00:00,p1,1,9.5,store\n"; // after the run date

  @Test
  void factsLaidOutByEventDateGetTheSameReasonsAsByRow() throws IOException {
    PipelineSettings s = settings(csv("days.csv", DAYS), SparkTestSession.tempDir("out"), Map.of());
    SourceSettings source = s.input("transactions");
    java.util.function.Function<Boolean, List<String>> flagged =
        byEventDate ->
            IngestJob.validate(
                    SourceReader.read(SparkTestSession.get(), source),
                    source,
                    RUN,
                    s.validation(),
                    java.util.Optional.empty(),
                    byEventDate)
                .selectExpr("concat_ws('|', transaction_id, cast(ts as string), reason)")
                .collectAsList()
                .stream()
                .map(r -> r.getString(0))
                .sorted()
                .toList();
    List<String> byRow = flagged.apply(false);
    assertEquals(
        List.of(
            "o1|2026-06-01 10:00:00",
            "o1|2026-06-01 10:00:00|exact_duplicate",
            "o2|2026-06-02 10:00:00",
            "o2|2026-06-03 10:00:00",
            "o3|2026-06-03 11:00:00",
            "o3|2026-06-03 11:00:00|exact_duplicate",
            "o3|2026-06-03 11:00:00|exact_duplicate",
            "o4|unparseable_timestamp",
            "o4|unparseable_timestamp",
            "o5|2026-07-02 10:00:00|timestamp_after_run_date"),
        byRow);
    assertEquals(byRow, flagged.apply(true));
    SourceSettings customers =
        withSampleCustomers(csv("keyed-days.csv", HEADER)).input("customers");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            IngestJob.validate(
                SourceReader.read(SparkTestSession.get(), customers),
                customers,
                RUN,
                s.validation(),
                java.util.Optional.empty(),
                true),
        "a source without a timestamp has no event date");
  }

  /**
   * HotSpot never compiles a method over 8,000 bytes of bytecode. The checks of the transactions'
   * fields generate a larger one, which ran interpreted (2 times the CPU at 1M lines) until the
   * run's sessions capped whole-stage code generation at that size.
   */
  @Test
  void theFieldChecksGenerateAMethodTooLargeToCompileSoRunsCapGeneratedMethods()
      throws IOException {
    PipelineSettings s = settings(csv("wide.csv", DAYS), SparkTestSession.tempDir("out"), Map.of());
    assertEquals(
        "8000",
        s.spark().conf().get("spark.sql.codegen.hugeMethodLimit"),
        "reference.conf caps generated methods at HotSpot's limit");
    org.apache.spark.sql.execution.SparkPlan plan = flag(s).queryExecution().executedPlan();
    if (plan instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec adaptive) {
      plan = adaptive.initialPlan();
    }
    int largest =
        scala.jdk.javaapi.CollectionConverters.asJava(
                org.apache.spark.sql.execution.debug.package$.MODULE$.codegenStringSeq(plan))
            .stream()
            .mapToInt(c -> c._3().maxMethodCodeSize())
            .max()
            .orElse(0);
    assertTrue(largest > 8000, "a generated method over HotSpot's limit (" + largest + " bytes)");
  }

  @Test
  void aFullRefreshWritesEachEventDateAsOneFileWithoutAShuffleOfItsOwn() throws Exception {
    Path out = SparkTestSession.tempDir("out");
    JobContext ctx =
        new JobContext(
            RUN,
            settings(
                csv("days.csv", DAYS),
                out,
                Map.of("customerpath.validation.max-quarantine-share.transactions", "1.0")),
            SparkTestSession.get());
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    List<Integer> writeStages = new java.util.concurrent.CopyOnWriteArrayList<>();
    org.apache.spark.scheduler.SparkListener listener =
        new org.apache.spark.scheduler.SparkListener() {
          @Override
          public void onStageSubmitted(
              org.apache.spark.scheduler.SparkListenerStageSubmitted stage) {
            String description = stage.properties().getProperty("spark.job.description", "");
            if (description.startsWith("write curated/transactions by event_date")) {
              writeStages.add(stage.stageInfo().numTasks());
            }
          }
        };
    spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    spark.sparkContext().addSparkListener(listener);
    StepResult result;
    try {
      result = JobRunner.runStep(ctx, new IngestJob());
      spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    assertEquals(10.0, result.metrics().get("transactions_read"));
    assertEquals(4.0, result.metrics().get("transactions_accepted"));
    assertEquals(3.0, result.metrics().get("transactions_quarantined_exact_duplicate"));
    assertEquals(
        List.of("2026-06-01", "2026-06-02", "2026-06-03"),
        ctx.tables().partitionValues("curated/transactions", "event_date"));
    for (String day : List.of("2026-06-01", "2026-06-02", "2026-06-03")) {
      try (java.util.stream.Stream<Path> files =
          Files.list(out.resolve("curated/transactions/event_date=" + day))) {
        assertEquals(
            1,
            files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count(),
            "one file for " + day);
      }
    }
    List<Row> quarantined =
        spark
            .read()
            .parquet(out.resolve("quarantine/transactions/dt=2026-06-30").toString())
            .collectAsList();
    assertEquals(6, quarantined.size());
    for (Row r : quarantined) {
      assertTrue(
          String.valueOf(r.<String>getAs("source_file")).endsWith("days.csv"),
          "a quarantined row names its file: " + r);
    }
    assertEquals(
        1,
        writeStages.size(),
        "the write reads the checked rows, already laid out by day: one stage, no shuffle of its"
            + " own (tasks of its stages: "
            + writeStages
            + ")");
  }

  @Test
  void runWritesCuratedAndQuarantineAndReconciles() throws IOException {
    Path file =
        csv(
            "tx.csv",
            HEADER
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n"
                + "o2,c1,2026-06-02 10:00:00,p1,x,9.5,store\n"
                + "o3,c2,2026-06-03 10:00:00,p1,1,1e2,store\n");
    Path out = SparkTestSession.tempDir("out");
    JobContext ctx =
        new JobContext(
            RUN,
            settings(
                file,
                out,
                Map.of("customerpath.validation.max-quarantine-share.transactions", "0.5")),
            SparkTestSession.get());
    StepResult result = JobRunner.runStep(ctx, new IngestJob());
    assertEquals(3.0, result.metrics().get("transactions_read"));
    assertEquals(
        3.0, result.metrics().get("transactions_records_counted"), "the byte count agrees");
    assertEquals(2.0, result.metrics().get("transactions_accepted"));
    assertEquals(1.0, result.metrics().get("transactions_quarantined"));
    assertEquals(1.0, result.metrics().get("transactions_quarantined_unparseable_quantity"));
    // Curated facts by event date (the days of the accepted rows); quarantine by run date.
    assertEquals(
        List.of("2026-06-01", "2026-06-03"),
        ctx.tables().partitionValues("curated/transactions", "event_date"));
    assertTrue(Files.isDirectory(out.resolve("quarantine/transactions/dt=2026-06-30")));
    assertEquals(
        100.0,
        CuratedTables.read(ctx.tables(), "transactions", RUN)
            .filter("transaction_id = 'o3'")
            .first()
            .<Double>getAs("unit_price"),
        "1e2 parses as 100");
  }

  @Test
  void reconciliationFailureNamesTheSourceAndCounts() {
    IngestJob.SourceCounts bad = new IngestJob.SourceCounts("events", 10, 7, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, bad::check);
    assertEquals(
        "Cannot reconcile source 'events': read 10 rows but accepted 7 + quarantined 2 = 9",
        e.getMessage());
  }

  @Test
  void missingColumnNamesSourceFileAndColumn() throws IOException {
    Path file =
        csv(
            "no_qty.csv",
            "order_id,cust_id,order_ts,sku,unit_price\no1,c1,2026-06-01 10:00:00,p1,9.5\n");
    PipelineSettings s =
        settings(
            file,
            SparkTestSession.tempDir("out"),
            Map.of("customerpath.inputs.transactions.columns.quantity", "quantity"));
    SchemaError e = assertThrows(SchemaError.class, () -> flag(s));
    assertTrue(e.getMessage().contains("source 'transactions'"), e.getMessage());
    assertTrue(e.getMessage().contains("no_qty.csv"), e.getMessage());
    assertTrue(e.getMessage().contains("'quantity'"), e.getMessage());
    assertTrue(
        e.getMessage().contains("[order_id, cust_id, order_ts, sku, unit_price]"),
        "lists the file's columns: " + e.getMessage());
  }

  @Test
  void unmappedRequiredFieldNamesTheConfigKey() throws IOException {
    Path file =
        csv("tx.csv", "order_id,cust_id,order_ts,sku,qty\no1,c1,2026-06-01 10:00:00,p1,1\n");
    PipelineSettings s = settings(file, SparkTestSession.tempDir("out"), Map.of());
    SchemaError e = assertThrows(SchemaError.class, () -> flag(s));
    assertTrue(e.getMessage().contains("required column 'unit_price' is missing"), e.getMessage());
    assertTrue(
        e.getMessage().contains("customerpath.inputs.transactions.columns.unit_price"),
        e.getMessage());
  }

  @Test
  void unknownMappingKeyIsAnError() throws IOException {
    Path file = csv("tx.csv", HEADER + "o1,c1,2026-06-01 10:00:00,p1,1,2,store\n");
    PipelineSettings s =
        settings(
            file,
            SparkTestSession.tempDir("out"),
            Map.of("customerpath.inputs.transactions.columns.custmer_id", "cust_id"));
    SchemaError e = assertThrows(SchemaError.class, () -> flag(s));
    assertTrue(
        e.getMessage()
            .contains("'customerpath.inputs.transactions.columns.custmer_id' is not a field"),
        e.getMessage());
  }

  @Test
  void mappingByExpression() throws IOException {
    Path file = csv("tx.csv", "id,who,day,sku,n,total\n1,7,20260601,p1,2,19\n");
    PipelineSettings s =
        settings(
            file,
            SparkTestSession.tempDir("out"),
            Map.of(
                "customerpath.inputs.transactions.columns.transaction_id", "id",
                "customerpath.inputs.transactions.columns.customer_id", "concat('cust-', who)",
                "customerpath.inputs.transactions.columns.ts", "day",
                "customerpath.inputs.transactions.timestamp-format", "yyyyMMdd",
                "customerpath.inputs.transactions.columns.quantity", "n",
                // Spark SQL runs in ANSI mode: text columns are cast before arithmetic.
                "customerpath.inputs.transactions.columns.unit_price",
                    "cast(total as double) / cast(n as double)"));
    Row row =
        InputValidation.accepted(flag(s), com.customerpath.common.schema.Contract.TRANSACTIONS)
            .first();
    assertEquals("cust-7", row.getAs("customer_id"));
    assertEquals(9.5, row.<Double>getAs("unit_price"), 1e-9);
    assertEquals(java.sql.Timestamp.valueOf("2026-06-01 00:00:00"), row.getAs("ts"));
  }

  @Test
  void badExpressionNamesFieldAndExpression() throws IOException {
    Path file = csv("tx.csv", HEADER + "o1,c1,2026-06-01 10:00:00,p1,1,2,store\n");
    PipelineSettings s =
        settings(
            file,
            SparkTestSession.tempDir("out"),
            Map.of("customerpath.inputs.transactions.columns.customer_id", "customer_number"));
    SchemaError e = assertThrows(SchemaError.class, () -> flag(s));
    assertTrue(
        e.getMessage().contains("column 'customer_id' is mapped to 'customer_number'"),
        e.getMessage());
  }

  static Map<String, String> reasonsByOrder(Dataset<Row> flagged) {
    return flagged.filter("reason is not null").collectAsList().stream()
        .collect(
            Collectors.toMap(
                r ->
                    r.getAs("_source_row")
                        .toString()
                        .replaceAll(".*\"order_id\":\"(o\\d+)\".*", "$1"),
                r -> r.getAs("reason") + " | " + r.getAs("detail")));
  }

  @Test
  void nonFiniteAndOutOfRangeNumbersAreQuarantinedNamingFieldAndValue() throws IOException {
    Path file =
        csv(
            "tx.csv",
            HEADER
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n" // good
                + "o2,c1,2026-06-01 10:00:00,p1,NaN,9.5,store\n"
                + "o3,c1,2026-06-01 10:00:00,p1,Infinity,9.5,store\n"
                + "o4,c1,2026-06-01 10:00:00,p1,-Infinity,9.5,store\n"
                + "o5,c1,2026-06-01 10:00:00,p1,1e308,9.5,store\n" // finite, but beyond |quantity|
                // <= 1e6
                + "o6,c1,2026-06-01 10:00:00,p1,1,NaN,store\n"
                + "o7,c1,2026-06-01 10:00:00,p1,1,-3.5,store\n" // negative price
                + "o8,c1,2026-06-01 10:00:00,p1,-2,4.0,store\n"); // a return: good
    Map<String, String> reasons =
        reasonsByOrder(flag(settings(file, SparkTestSession.tempDir("out"), Map.of())));
    assertEquals(
        Map.of(
            "o2", "non_finite_quantity | quantity: NaN is not a finite number",
            "o3", "non_finite_quantity | quantity: Infinity is not a finite number",
            "o4", "non_finite_quantity | quantity: -Infinity is not a finite number",
            "o5", "out_of_range_quantity | quantity: 1e308 is outside [-1000000.0, 1000000.0]",
            "o6", "non_finite_unit_price | unit_price: NaN is not a finite number",
            "o7", "out_of_range_unit_price | unit_price: -3.5 is outside [0.0, +inf]"),
        reasons);
    // A negative unit price is allowed when the configured range allows it.
    Map<String, String> allowed =
        reasonsByOrder(
            flag(
                settings(
                    file,
                    SparkTestSession.tempDir("out"),
                    Map.of("customerpath.validation.ranges.transactions.unit_price.min", "-100"))));
    assertTrue(!allowed.containsKey("o7") && allowed.containsKey("o6"), allowed.toString());
  }

  @Test
  void rangeForAFieldThatIsNotNumericIsAConfigError() throws IOException {
    Path file = csv("tx.csv", HEADER + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n");
    PipelineSettings s =
        settings(
            file,
            SparkTestSession.tempDir("out"),
            Map.of("customerpath.validation.ranges.transactions.channel.min", "0"));
    var e = assertThrows(com.customerpath.common.config.ConfigError.class, () -> flag(s));
    assertTrue(
        e.getMessage().contains("customerpath.validation.ranges.transactions.channel"),
        e.getMessage());
  }

  @Test
  void wholeNumberThatOverflowsIsQuarantinedNotFatal() throws IOException {
    Path tx = csv("tx.csv", HEADER + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n");
    Path events =
        csv(
            "events.csv",
            "customer_id,ts,event_type,rating\n"
                + "c1,2026-06-01 10:00:00,review,5\n"
                + "c1,2026-06-01 11:00:00,review,NaN\n"
                + "c1,2026-06-01 12:00:00,review,1e12\n"
                + "c1,2026-06-01 13:00:00,review,Infinity\n");
    Path customers =
        csv(
            "customers.csv",
            "customer_id,birth_year,household_size\n"
                + "c1,1980,2\nc2,99999999999,1\nc3,1975,4.0\n");
    Path out = SparkTestSession.tempDir("out");
    JobContext ctx =
        new JobContext(
            RUN,
            settings(
                tx,
                out,
                Map.of(
                    "customerpath.inputs.events.path", events.toString(),
                    "customerpath.inputs.customers.path", customers.toString(),
                    "customerpath.validation.max-quarantine-share.default", "1")),
            SparkTestSession.get());
    StepResult result = JobRunner.runStep(ctx, new IngestJob());
    assertEquals(3.0, result.metrics().get("events_quarantined_unparseable_rating"));
    assertEquals(1.0, result.metrics().get("customers_quarantined_unparseable_birth_year"));
    Row bad = ctx.tables().read("quarantine/customers", RUN).first();
    assertTrue(
        bad.<String>getAs("detail").contains("birth_year: cannot parse '99999999999' as int"),
        bad.toString());
    assertEquals(
        List.of(1980, 1975),
        ctx.tables().read("curated/customers", RUN).orderBy("customer_id").collectAsList().stream()
            .map(r -> r.<Integer>getAs("birth_year"))
            .toList());
  }

  @Test
  void quotedLineBreakStaysInOneRecordAndWrongFieldCountsAreMalformed() throws IOException {
    Path file =
        csv(
            "tx.csv",
            HEADER
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,\"store\nsecond floor, \"\"east\"\"\"\n" // one record, two lines
                + "o2,c1,2026-06-01 10:00:00,p1,2,9.5,store,EXTRA\n" // a field too many
                + "o3,c1,2026-06-01 10:00:00,p1,2\n" // fields missing
                + "o4,c2,2026-06-02 10:00:00,p2,1,3.0,online\n");
    Path out = SparkTestSession.tempDir("out");
    JobContext ctx =
        new JobContext(
            RUN,
            settings(
                file,
                out,
                Map.of("customerpath.validation.max-quarantine-share.transactions", "0.5")),
            SparkTestSession.get());
    StepResult result = JobRunner.runStep(ctx, new IngestJob());
    assertEquals(4.0, result.metrics().get("transactions_read"), "4 records, not 5 lines");
    assertEquals(4.0, result.metrics().get("transactions_records_counted"));
    assertEquals(2.0, result.metrics().get("transactions_quarantined_malformed_row"));
    Row o1 =
        CuratedTables.read(ctx.tables(), "transactions", RUN)
            .filter("transaction_id = 'o1'")
            .first();
    assertEquals("store\nsecond floor, \"east\"", o1.getAs("channel"));
    Map<String, String> raw =
        ctx.tables().read("quarantine/transactions", RUN).collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.<String>getAs("source_row").substring(0, 2),
                    r -> r.getAs("source_row")));
    assertEquals(
        "o2,c1,2026-06-01 10:00:00,p1,2,9.5,store,EXTRA",
        raw.get("o2"),
        "the raw text, extra value included");
    assertEquals("o3,c1,2026-06-01 10:00:00,p1,2", raw.get("o3"));
  }

  @Test
  void recordsDroppedByTheReaderFailTheCountCheck() throws IOException {
    Path file =
        csv(
            "tx.csv",
            HEADER
                + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n"
                + "o2,c1,2026-06-01 10:00:00,p1\n"
                + "o3,c1,2026-06-01 10:00:00,p1,2,9.5,store\n");
    Path out = SparkTestSession.tempDir("out");
    PipelineSettings s =
        settings(
            file, out, Map.of("customerpath.inputs.transactions.options.mode", "DROPMALFORMED"));
    JobContext ctx = new JobContext(RUN, s, SparkTestSession.get());
    var e =
        assertThrows(
            com.customerpath.common.io.InputError.class,
            () -> JobRunner.runStep(ctx, new IngestJob()));
    assertTrue(
        e.getMessage().contains("Spark read 2 records but the input holds 3"), e.getMessage());
    assertTrue(
        !Files.exists(out.resolve("curated/transactions/dt=2026-06-30")), "nothing published");
  }

  /**
   * Typed columns (Parquet timestamps and doubles) are checked without their text: a null is
   * missing, NaN and out-of-range values name their value, a repeated row is an exact duplicate,
   * and only quarantined rows carry their source row (as JSON).
   */
  @Test
  void typedParquetColumnsAreCheckedAndOnlyQuarantinedRowsKeepTheirSourceRow() throws IOException {
    Path dir = SparkTestSession.tempDir("pq").resolve("typed");
    SparkTestSession.get()
        .sql(
            "select * from values"
                + " ('o1', 'c1', timestamp'2026-06-01 10:00:00', 'p1', 2.0d, 9.5d),"
                + " ('o2', 'c1', cast(null as timestamp), 'p1', 1.0d, 9.5d),"
                + " ('o3', cast(null as string), timestamp'2026-06-02 10:00:00', 'p1', 1.0d, 9.5d),"
                + " ('o4', 'c2', timestamp'2026-06-03 10:00:00', 'p1', double('NaN'), 9.5d),"
                + " ('o5', 'c2', timestamp'2026-06-03 10:00:00', 'p1', 1.0d, -3.5d),"
                + " ('o1', 'c1', timestamp'2026-06-01 10:00:00', 'p1', 2.0d, 9.5d),"
                + " ('o6', 'c3', timestamp'2026-06-04 10:00:00', 'p2', 1.0d, 4.0d)"
                + " as t(order_id, cust_id, order_ts, sku, qty, unit_price)")
        .coalesce(1)
        .write()
        .parquet(dir.toString());
    Dataset<Row> flagged =
        flag(
            settings(
                dir,
                SparkTestSession.tempDir("out"),
                Map.of("customerpath.inputs.transactions.format", "parquet")));
    Map<String, String> reasons = reasonsByOrder(flagged);
    assertEquals(
        Map.of(
            "o1", "exact_duplicate | the same line appears earlier in the source",
            "o2", "missing_timestamp | ts is missing",
            "o3", "missing_customer_id | customer_id is missing",
            "o4", "non_finite_quantity | quantity: NaN is not a finite number",
            "o5", "out_of_range_unit_price | unit_price: -3.5 is outside [0.0, +inf]"),
        reasons);
    List<Row> quarantined =
        InputValidation.quarantined(flagged, "transactions")
            .filter("reason = 'missing_timestamp'")
            .collectAsList();
    assertEquals(
        "{\"order_id\":\"o2\",\"cust_id\":\"c1\",\"sku\":\"p1\",\"qty\":1.0,\"unit_price\":9.5}",
        quarantined.get(0).getAs("source_row"));
    assertEquals(
        2, flagged.filter("reason is null and _source_row is null").count(), "accepted: no copy");
  }

  @Test
  void parquetRowsAreCheckedAgainstTheFooters() throws IOException {
    Path dir = SparkTestSession.tempDir("pq").resolve("tx");
    SparkTestSession.get()
        .sql(
            "select concat('o', id) as order_id, 'c1' as cust_id, '2026-06-01 10:00:00' as order_ts,"
                + " 'p1' as sku, 1.0 as qty, 2.0 as unit_price from range(5)")
        .repartition(2)
        .write()
        .parquet(dir.toString());
    JobContext ctx =
        new JobContext(
            RUN,
            settings(
                dir,
                SparkTestSession.tempDir("out"),
                Map.of("customerpath.inputs.transactions.format", "parquet")),
            SparkTestSession.get());
    StepResult result = JobRunner.runStep(ctx, new IngestJob());
    assertEquals(5.0, result.metrics().get("transactions_records_counted"));
    assertEquals(5.0, result.metrics().get("transactions_accepted"));
  }

  @Test
  void tooManyQuarantinedRowsFailBeforeAnythingIsPublished() throws IOException {
    Path tx = csv("tx.csv", HEADER + "o1,c1,2026-06-01 10:00:00,p1,2,9.5,store\n");
    // A date format change: every event is unparseable.
    Path events =
        csv("events.csv", "customer_id,ts,event_type\nc1,01/06/2026,view\nc1,02/06/2026,view\n");
    Path out = SparkTestSession.tempDir("out");
    JobContext ctx =
        new JobContext(
            RUN,
            settings(tx, out, Map.of("customerpath.inputs.events.path", events.toString())),
            SparkTestSession.get());
    var e =
        assertThrows(
            com.customerpath.common.quality.DataQualityError.class,
            () -> JobRunner.runStep(ctx, new IngestJob()));
    assertTrue(
        e.getMessage().contains("source 'events'")
            && e.getMessage().contains("2 of 2 rows (100.0%)")
            && e.getMessage().contains("max-quarantine-share.events")
            && e.getMessage().contains("unparseable_timestamp=2"),
        e.getMessage());
    assertTrue(
        !Files.exists(out.resolve("curated/transactions")),
        "transactions, read first, not published either");
  }

  @Test
  void headerOnlyOrEmptyInputIsAnExplicitOutcome() throws IOException {
    Path headerOnly = csv("tx.csv", HEADER);
    Path out = SparkTestSession.tempDir("out");
    var e =
        assertThrows(
            com.customerpath.common.io.InputError.class,
            () ->
                JobRunner.runStep(
                    new JobContext(
                        RUN, settings(headerOnly, out, Map.of()), SparkTestSession.get()),
                    new IngestJob()));
    assertTrue(
        e.getMessage().contains("has no data row") && e.getMessage().contains("empty-input = warn"),
        e.getMessage());

    Path emptyFolder = SparkTestSession.tempDir("empty");
    e =
        assertThrows(
            com.customerpath.common.io.InputError.class,
            () ->
                JobRunner.runStep(
                    new JobContext(
                        RUN, settings(emptyFolder, out, Map.of()), SparkTestSession.get()),
                    new IngestJob()));
    assertTrue(
        e.getMessage().contains("holds no data file") && !e.getMessage().contains("infer"),
        e.getMessage());

    JobContext warn =
        new JobContext(
            RUN,
            settings(emptyFolder, out, Map.of("customerpath.validation.empty-input", "warn")),
            SparkTestSession.get());
    StepResult result = JobRunner.runStep(warn, new IngestJob());
    assertEquals(1.0, result.metrics().get("transactions_empty_input"));
    assertEquals(
        0,
        CuratedTables.read(warn.tables(), "transactions", RUN).count(),
        "an empty night, published");
    assertTrue(
        List.of(CuratedTables.read(warn.tables(), "transactions", RUN).columns())
            .contains("unit_price"));
  }
}
