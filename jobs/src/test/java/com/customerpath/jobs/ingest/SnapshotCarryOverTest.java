package com.customerpath.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Snapshots (customers, products) read whole every night: a night whose snapshot files did not
 * change since the night that curated them copies that night's partitions and counts instead of
 * reading them again; a changed file, a changed setting or a full refresh reads again.
 */
class SnapshotCarryOverTest {
  static final String CUSTOMERS_HEADER =
      "cust_id,full_name,email,phone,signup_date,birth_year,gender,region_code,household_size";

  /** Four customers, one without an id (quarantined as a missing required field). */
  static final List<String> CUSTOMERS =
      List.of(
          CUSTOMERS_HEADER,
          "C1,A B,a@example.com,1,2024-03-19,1980,F,R01,2",
          "C2,C D,c@example.com,2,2023-10-01,1975,M,R02,1",
          "C3,E F,e@example.com,3,2022-01-05,1990,F,R03,4",
          ",G H,g@example.com,4,2021-07-07,1999,M,R04,3");

  static final List<String> PRODUCTS =
      List.of("sku,category,brand,list_price", "P1,groceries,A,1.50", "P2,home,B,9.00");

  static final String TRANSACTIONS_HEADER =
      "order_id,line_no,cust_id,order_ts,sku,qty,unit_price,channel,payment_method,store_id,region_code";

  private static JobContext night(
      String date, Path input, Path output, Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>();
    all.put("customerpath.inputs.transactions.path", input + "/transactions/dt={date}");
    all.put("customerpath.inputs.events.path", "");
    all.put("customerpath.inputs.customers.path", input + "/customers.csv");
    all.put("customerpath.inputs.products.path", input + "/products.csv");
    // A fixture of four customers: the one quarantined is a quarter of them.
    all.put("customerpath.validation.max-quarantine-share.customers", "0.5");
    all.putAll(overrides);
    return new JobContext(
        LocalDate.parse(date),
        SampleRun.settings("conf/local.conf", output, all),
        SparkTestSession.get());
  }

  private static void deliverTransactions(Path input, String date, String... lines)
      throws IOException {
    Path day = Files.createDirectories(input.resolve("transactions/dt=" + date));
    List<String> file = new java.util.ArrayList<>(List.of(TRANSACTIONS_HEADER));
    file.addAll(List.of(lines));
    Files.write(day.resolve("part-0.csv"), file);
  }

  private static List<Row> sorted(Dataset<Row> rows, String key) {
    return rows.orderBy(key).collectAsList();
  }

  @Test
  void anUnchangedSnapshotIsCarriedOverAndAChangedOneIsReadAgain() throws IOException {
    Path input = SparkTestSession.tempDir("snapshot-input");
    Path out = SparkTestSession.tempDir("snapshot-out");
    Files.write(input.resolve("customers.csv"), CUSTOMERS);
    Files.write(input.resolve("products.csv"), PRODUCTS);
    deliverTransactions(
        input, "2026-06-28", "O1,1,C1,2026-06-28 10:00:00,P1,1,1.50,store,card,S1,R01");

    // Night 1 reads and curates both snapshots: 3 customers + 1 quarantined.
    JobContext n1 = night("2026-06-28", input, out, Map.of());
    Map<String, Double> m1 = JobRunner.runStep(n1, new IngestJob()).figures();
    assertEquals(0.0, m1.get("customers_carried_over"), "night 1 reads the customers");
    assertEquals(4.0, m1.get("customers_read"));
    assertEquals(1.0, m1.get("customers_quarantined"));

    // Night 2: nothing delivered for the facts, the snapshot files untouched: no Spark job, no
    // byte read, and the same curated and quarantined rows and counts under tonight's date.
    JobContext n2 = night("2026-06-29", input, out, Map.of());
    Map<String, Double> m2 = JobRunner.runStep(n2, new IngestJob()).figures();
    assertEquals(1.0, m2.get("customers_carried_over"), "unchanged customers: " + m2);
    assertEquals(1.0, m2.get("products_carried_over"), "unchanged products: " + m2);
    assertEquals(0.0, m2.get("jobs_ingest"), "nothing read, validated or written by Spark: " + m2);
    assertEquals(0.0, m2.get("input_bytes_ingest"), "no byte read: " + m2);
    for (String k :
        List.of(
            "customers_read",
            "customers_accepted",
            "customers_quarantined",
            "customers_quarantined_missing_customer_id",
            "rows_curated/customers",
            "rows_quarantine/customers",
            "products_read",
            "rows_curated/products")) {
      assertEquals(m1.get(k), m2.get(k), k + " carried over with the rows");
    }
    assertEquals(
        sorted(CuratedTables.read(n1.tables(), "customers", n1.date()), "customer_id"),
        sorted(CuratedTables.read(n2.tables(), "customers", n2.date()), "customer_id"),
        "tonight's curated customers are the night before's");
    assertEquals(
        sorted(n1.tables().read(IngestJob.quarantineTable("customers"), n1.date()), "source_row"),
        sorted(n2.tables().read(IngestJob.quarantineTable("customers"), n2.date()), "source_row"),
        "and so is the quarantine, reason and source row included");

    // Night 3: a new customer in the file: read again (and the products still carried over).
    List<String> changed = new java.util.ArrayList<>(CUSTOMERS);
    changed.add("C5,I J,i@example.com,5,2026-06-30,2001,F,R05,1");
    Files.write(input.resolve("customers.csv"), changed);
    deliverTransactions(
        input, "2026-06-30", "O2,1,C5,2026-06-30 09:00:00,P2,1,9.00,online,card,,R05");
    JobContext n3 = night("2026-06-30", input, out, Map.of());
    Map<String, Double> m3 = JobRunner.runStep(n3, new IngestJob()).figures();
    assertEquals(0.0, m3.get("customers_carried_over"), "a changed file is read: " + m3);
    assertEquals(5.0, m3.get("customers_read"));
    assertEquals(1.0, m3.get("products_carried_over"), "products unchanged since night 1");
    assertEquals(4L, CuratedTables.read(n3.tables(), "customers", n3.date()).count());

    // Night 4: the same files, but a setting that changes which rows pass: read again.
    JobContext n4 =
        night(
            "2026-07-01",
            input,
            out,
            Map.of("customerpath.validation.ranges.customers.birth_year.min", "1978"));
    Map<String, Double> m4 = JobRunner.runStep(n4, new IngestJob()).figures();
    assertEquals(0.0, m4.get("customers_carried_over"), "a new range is applied: " + m4);
    assertEquals(1.0, m4.get("customers_quarantined_out_of_range_birth_year"), "C2, born in 1975");
    assertEquals(1.0, m4.get("products_carried_over"));

    // Why a snapshot is read or carried, as the log says it (SnapshotCarryOver.lookup).
    String product = "products";
    assertTrue(
        SnapshotCarryOver.lookup(n1.tables(), product, n1.date(), "any")
            .reason()
            .contains("no earlier night"));
    SnapshotCarryOver.Lookup differs =
        SnapshotCarryOver.lookup(n2.tables(), product, n2.date(), "another fingerprint");
    assertTrue(differs.carried().isEmpty());
    assertTrue(
        differs.reason().contains("differ from those the night of 2026-06-28 curated"),
        differs.reason());
    java.nio.file.Files.delete(
        out.resolve("curated/products/dt=2026-06-28/" + SnapshotCarryOver.MARKER));
    SnapshotCarryOver.Lookup unmarked =
        SnapshotCarryOver.lookup(n2.tables(), product, n2.date(), "another fingerprint");
    assertTrue(
        unmarked.reason().contains("2026-06-28 kept no readable " + SnapshotCarryOver.MARKER),
        unmarked.reason());

    // Night 5: a full refresh reads every source.
    JobContext n5 =
        night("2026-07-02", input, out, Map.of("customerpath.run.full-refresh", "true"));
    Map<String, Double> m5 = JobRunner.runStep(n5, new IngestJob()).figures();
    assertTrue(
        m5.get("jobs_ingest") > 0 && !m5.containsKey("products_carried_over"),
        "a full refresh reads the snapshots: " + m5);
    assertEquals(5.0, m5.get("customers_read"));
  }
}
