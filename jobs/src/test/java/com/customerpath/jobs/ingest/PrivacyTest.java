package com.customerpath.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.StepResult;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * Personal data at ingest: columns no field maps never reach curated or quarantine rows (even in a
 * malformed row), and with pseudonymisation every customer id is HMAC-SHA256 under the key from the
 * environment, also inside quarantined rows and details.
 */
public class PrivacyTest {
  static final LocalDate RUN = IngestJobTest.RUN;
  static final String KEY_ENV = "CUSTOMERPATH_PSEUDONYM_KEY";
  static final String KEY = "k3y-for-tests-only-0123456789abcdef";
  static final String HEADER =
      "order_id,cust_id,full_name,email,order_ts,sku,qty,unit_price,channel\n";

  /** The customer-visible text of every row of a table, as JSON lines. */
  static List<String> rowsAsJson(Dataset<Row> table) {
    return table
        .select(functions.to_json(functions.struct("*")))
        .as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
  }

  /** Independent HMAC-SHA256 (first 16 bytes, hex) of an id: what a pseudonym must equal. */
  public static String hmac(String key, String id) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)), 0, 16);
  }

  @Test
  void unmappedPersonalColumnsNeverReachCuratedOrQuarantine() throws IOException {
    Path file =
        IngestJobTest.csv(
            "tx-pii.csv",
            HEADER
                + "o1,c1,Ada Silva,ada@example.com,2026-06-01 10:00:00,p1,2,9.5,store\n"
                + "o2,c1,Ada Silva,ada@example.com,2026-06-01 10:00:00,p1,two,9.5,store\n"
                + "o3,c2,Bo Lima,bo@example.com,2026-06-01 10:00:00,p1,1,9.5,store,EXTRA\n"
                + "o4,c3,Cy Dubois,cy@example.com,2026-06-02 10:00:00,p2,1,3.0,online\n"
                // same mapped fields as o4, another person's details: not a duplicate line
                + "o4,c3,Di Dubois,di@example.com,2026-06-02 10:00:00,p2,1,3.0,online\n"
                + "o1,c1,Ada Silva,ada@example.com,2026-06-01 10:00:00,p1,2,9.5,store\n");
    JobContext ctx =
        new JobContext(
            RUN,
            IngestJobTest.settings(
                file,
                SparkTestSession.tempDir("out"),
                Map.of("customerpath.validation.max-quarantine-share.transactions", "0.6")),
            SparkTestSession.get());
    StepResult result = JobRunner.runStep(ctx, new IngestJob());
    assertEquals(6.0, result.metrics().get("transactions_read"));
    assertEquals(3.0, result.metrics().get("transactions_accepted"), "o1, o4 and o4 again");
    assertEquals(1.0, result.metrics().get("transactions_quarantined_unparseable_quantity"));
    assertEquals(1.0, result.metrics().get("transactions_quarantined_malformed_row"));
    assertEquals(1.0, result.metrics().get("transactions_quarantined_exact_duplicate"));

    List<String> quarantine = rowsAsJson(ctx.tables().read("quarantine/transactions", RUN));
    List<String> curated = rowsAsJson(CuratedTables.read(ctx.tables(), "transactions", RUN));
    for (String row : concat(quarantine, curated)) {
      for (String pii : List.of("Ada", "Silva", "Bo Lima", "Dubois", "example.com", "full_name")) {
        assertFalse(row.contains(pii), pii + " leaked into " + row);
      }
    }
    // What the data engineer needs to find the row is still there.
    String unparseable =
        quarantine.stream().filter(r -> r.contains("unparseable_quantity")).findFirst().get();
    assertTrue(
        unparseable.contains("\\\"order_id\\\":\\\"o2\\\"")
            && unparseable.contains("\\\"qty\\\":\\\"two\\\"")
            && unparseable.contains("tx-pii.csv"),
        unparseable);
    // The source row is the columns the mapping reads, in file order, as they were read: taken
    // from the raw row the duplicate check carried (ColumnMapper.sourceRowFromRaw).
    assertEquals(
        List.of(
            "{\"order_id\":\"o2\",\"cust_id\":\"c1\",\"order_ts\":\"2026-06-01 10:00:00\","
                + "\"sku\":\"p1\",\"qty\":\"two\",\"unit_price\":\"9.5\",\"channel\":\"store\"}"),
        ctx.tables()
            .read("quarantine/transactions", RUN)
            .filter("reason = 'unparseable_quantity'")
            .select("source_row")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList());
    String malformed =
        quarantine.stream().filter(r -> r.contains("malformed_row")).findFirst().get();
    assertTrue(malformed.contains("o3") && malformed.contains("raw text is not kept"), malformed);
  }

  @Test
  void customerIdsArePseudonymisedWithTheKeyFromTheEnvironment() throws Exception {
    Path tx =
        IngestJobTest.csv(
            "tx-ids.csv",
            IngestJobTest.HEADER
                + "o1,CUST-0001,2026-06-01 10:00:00,p1,2,9.5,store\n"
                + "o2, CUST-0001 ,2026-06-02 10:00:00,p1,1,9.5,store\n" // same customer, padded
                + "o3,CUST-0002,2026-06-02 10:00:00,p1,one,9.5,store\n" // quarantined
                + "o4,,2026-06-02 10:00:00,p1,1,9.5,store\n"); // missing customer stays missing
    Path customers =
        IngestJobTest.csv(
            "customers-ids.csv",
            "customer_id,email,birth_year\n"
                + "CUST-0001,a@example.com,1980\n"
                + "CUST-0002,b@example.com,1990\n"
                + "CUST-0002,b2@example.com,1991\n"); // duplicate key: its detail names the id
    Map<String, String> privacy =
        Map.of(
            "customerpath.inputs.customers.path", customers.toString(),
            "customerpath.privacy.pseudonymise-customer-ids", "true",
            "customerpath.validation.max-quarantine-share.default", "0.6");
    JobContext ctx =
        new JobContext(
            RUN,
            IngestJobTest.settings(tx, SparkTestSession.tempDir("out"), privacy),
            SparkTestSession.get());

    ConfigError noKey =
        assertThrows(
            ConfigError.class,
            () -> JobRunner.runStep(ctx.withEnvironment(k -> null), new IngestJob()));
    assertTrue(
        noKey.getMessage().contains("Missing environment variable " + KEY_ENV), noKey.getMessage());
    ConfigError shortKey =
        assertThrows(
            ConfigError.class,
            () -> JobRunner.runStep(ctx.withEnvironment(k -> "short-secret"), new IngestJob()));
    assertTrue(shortKey.getMessage().contains("at least 32"), shortKey.getMessage());
    assertFalse(shortKey.getMessage().contains("short-secret"), "the key is never shown");

    StepResult result =
        JobRunner.runStep(ctx.withEnvironment(Map.of(KEY_ENV, KEY)::get), new IngestJob());
    assertEquals(1.0, result.metrics().get("customer_ids_pseudonymised"));
    String p1 = hmac(KEY, "CUST-0001");
    String p2 = hmac(KEY, "CUST-0002");
    assertEquals(
        List.of(p1, p1),
        CuratedTables.read(ctx.tables(), "transactions", RUN)
            .orderBy("transaction_id")
            .collectAsList()
            .stream()
            .map(r -> r.<String>getAs("customer_id"))
            .toList());
    assertEquals(
        new TreeSet<>(Set.of(p1, p2)),
        CuratedTables.read(ctx.tables(), "customers", RUN).collectAsList().stream()
            .map(r -> r.<String>getAs("customer_id"))
            .collect(Collectors.toCollection(TreeSet::new)));
    List<String> everything =
        concat(
            concat(
                rowsAsJson(ctx.tables().read("quarantine/transactions", RUN)),
                rowsAsJson(ctx.tables().read("quarantine/customers", RUN))),
            concat(
                rowsAsJson(CuratedTables.read(ctx.tables(), "transactions", RUN)),
                rowsAsJson(CuratedTables.read(ctx.tables(), "customers", RUN))));
    for (String row : everything) {
      assertFalse(row.contains("CUST-"), "a real id leaked into " + row);
      assertFalse(row.contains("example.com"), "an e-mail leaked into " + row);
      assertFalse(row.contains(KEY), "the key leaked into " + row);
    }
    Map<String, String> detailByReason =
        ctx
            .tables()
            .read("quarantine/customers", RUN)
            .unionByName(ctx.tables().read("quarantine/transactions", RUN))
            .collectAsList()
            .stream()
            .collect(
                Collectors.toMap(
                    r -> r.getAs("reason"),
                    r -> r.getAs("source_row") + " | " + r.getAs("detail")));
    assertTrue(detailByReason.get("duplicate_key").contains(p2), detailByReason.toString());
    assertTrue(detailByReason.get("unparseable_quantity").contains(p2), detailByReason.toString());
    assertTrue(detailByReason.containsKey("missing_customer_id"), detailByReason.toString());
    assertEquals(
        "hmac-sha256 " + hmac(KEY, "customerpath key id").substring(0, 8),
        CustomerIdMarker.read(ctx.tables()).orElseThrow());
  }

  @Test
  void anIncrementalNightWithAnotherKeyIsRefusedUntilAFullRefresh() throws IOException {
    Path input = SparkTestSession.tempDir("tx-days");
    for (String day : List.of("2026-06-29", "2026-06-30")) {
      Path folder = Files.createDirectories(input.resolve("dt=" + day));
      Files.writeString(
          folder.resolve("part-0.csv"),
          IngestJobTest.HEADER + "o-" + day + ",CUST-0001," + day + " 10:00:00,p1,1,9.5,store\n");
    }
    Path out = SparkTestSession.tempDir("out");
    Map<String, String> overrides = new HashMap<>();
    overrides.put("customerpath.inputs.transactions.path", input + "/dt={date}/part-0.csv");
    overrides.put("customerpath.privacy.pseudonymise-customer-ids", "true");
    JobContext first =
        new JobContext(
                LocalDate.parse("2026-06-29"),
                IngestJobTest.settings(input, out, overrides),
                SparkTestSession.get())
            .withEnvironment(Map.of(KEY_ENV, KEY)::get);
    JobRunner.runStep(first, new IngestJob());

    String otherKey = KEY.replace('k', 'K');
    JobContext second =
        new JobContext(RUN, IngestJobTest.settings(input, out, overrides), SparkTestSession.get())
            .withEnvironment(Map.of(KEY_ENV, otherKey)::get);
    ConfigError mixed =
        assertThrows(ConfigError.class, () -> JobRunner.runStep(second, new IngestJob()));
    assertTrue(mixed.getMessage().contains("--full-refresh"), mixed.getMessage());

    overrides.put("customerpath.run.full-refresh", "true");
    JobContext refresh =
        new JobContext(RUN, IngestJobTest.settings(input, out, overrides), SparkTestSession.get())
            .withEnvironment(Map.of(KEY_ENV, otherKey)::get);
    StepResult result = JobRunner.runStep(refresh, new IngestJob());
    assertEquals(2.0, result.metrics().get("transactions_accepted"), "both days, rewritten");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
