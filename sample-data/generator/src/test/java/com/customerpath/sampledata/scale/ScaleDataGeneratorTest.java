package com.customerpath.sampledata.scale;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Tag(
    "extended") // bin/test --extended: real datasets and large generated data
class ScaleDataGeneratorTest {
  private static final String[] SIZE = {
    "--customers",
    "300",
    "--lines",
    "30000",
    "--days",
    "6",
    "--end-date",
    "2026-06-30",
    "--products",
    "50"
  };
  private static SparkSession spark;
  private static Path first;
  private static Path second;
  private static Path longer;
  private static Map<String, Long> counts;

  @BeforeAll
  static void generate() throws IOException {
    spark = SparkTestSession.get();
    Path base = SparkTestSession.tempDir("scale-data");
    first = base.resolve("first");
    second = base.resolve("second");
    longer = base.resolve("longer");
    counts = run(first, SIZE);
    run(second, SIZE);
    // One more day than SIZE at the same rate per day, to compare with SIZE plus --append-days 1.
    String[] longerSize = SIZE.clone();
    longerSize[3] = "35000";
    longerSize[5] = "7";
    longerSize[7] = "2026-07-01";
    run(longer, longerSize);
  }

  private static Map<String, Long> run(Path out, String... size) throws IOException {
    String[] args =
        Stream.concat(Stream.of("--out", out.toString()), Stream.of(size)).toArray(String[]::new);
    return new ScaleDataGenerator(spark, ScaleDataGenerator.Options.parse(args)).generate();
  }

  private static Dataset<Row> read(Path dir, String table) {
    return spark.read().parquet(dir.resolve(table).toString());
  }

  private static void assertSameRows(Dataset<Row> a, Dataset<Row> b, String what) {
    assertEquals(a.count(), b.count(), what + ": row count");
    assertEquals(0, a.exceptAll(b).count(), what + ": rows only in the first");
    assertEquals(0, b.exceptAll(a).count(), what + ": rows only in the second");
  }

  @Test
  void sameArgumentsGiveTheSameRows() {
    for (String table : List.of("transactions", "events", "customers", "products")) {
      assertSameRows(read(first, table), read(second, table), table);
    }
  }

  @Test
  void sizesAreAsAskedWithOneFilePerDay() throws IOException {
    long lines = counts.get("transactions");
    assertTrue(Math.abs(lines - 30_000) < 1_500, "about 30000 lines, got " + lines);
    assertTrue(
        Math.abs(counts.get("events") - 60_000) < 100,
        "about 60000 events, got " + counts.get("events"));
    assertEquals(300, counts.get("customers"));
    assertEquals(50, counts.get("products"));
    for (String table : List.of("transactions", "events")) {
      List<Path> days;
      try (Stream<Path> s = Files.list(first.resolve(table))) {
        days = s.filter(Files::isDirectory).sorted().toList();
      }
      assertEquals(6, days.size(), table + " day folders: " + days);
      assertEquals("dt=2026-06-25", days.get(0).getFileName().toString());
      for (Path day : days) {
        try (Stream<Path> s = Files.list(day)) {
          assertEquals(
              1, s.filter(p -> p.toString().endsWith(".parquet")).count(), "one file in " + day);
        }
      }
    }
  }

  @Test
  void appendedDayIsTheDayALongerRunWrites() throws IOException {
    Path appended = SparkTestSession.tempDir("scale-data-append");
    run(appended, SIZE);
    String[] append =
        Stream.concat(Stream.of(SIZE), Stream.of("--append-days", "1")).toArray(String[]::new);
    Map<String, Long> added = run(appended, append);
    assertTrue(added.get("transactions_appended") > 0, "rows appended: " + added);
    for (String table : List.of("transactions", "events")) {
      assertSameRows(read(appended, table), read(longer, table), table + " after --append-days 1");
    }
  }

  @Test
  void transactionsAgreeWithCustomersAndProducts() {
    Dataset<Row> tx = read(first, "transactions");
    Dataset<Row> customers = read(first, "customers");
    Dataset<Row> products = read(first, "products");
    assertEquals(
        0,
        tx.join(customers, tx.col("cust_id").equalTo(customers.col("cust_id")), "left_anti")
            .count(),
        "every transaction's customer is a customer");
    assertEquals(
        0,
        tx.join(
                customers,
                tx.col("cust_id")
                    .equalTo(customers.col("cust_id"))
                    .and(tx.col("region_code").notEqual(customers.col("region_code"))))
            .count(),
        "region of the customer");
    Dataset<Row> full = tx.join(products, "sku");
    assertEquals(tx.count(), full.count(), "every sku is a product");
    assertEquals(
        0,
        full.where(
                col("unit_price")
                    .notEqual(col("list_price"))
                    .and(col("unit_price").notEqual(discounted(col("list_price")))))
            .count(),
        "price = list or 20% off");
    long duplicates = tx.count() - tx.dropDuplicates().count();
    assertTrue(
        duplicates > 0 && duplicates < 150, "about 0.1% exact duplicates, got " + duplicates);
    assertTrue(tx.where(col("qty").lt(0)).count() > 0, "some returns");
    assertEquals(
        0,
        read(first, "events")
            .where(col("event_type").equalTo("review").and(col("rating").isNull()))
            .count(),
        "every review is rated");
  }

  /** The generator's 20% discount on a list price. */
  private static org.apache.spark.sql.Column discounted(org.apache.spark.sql.Column listPrice) {
    return org.apache.spark.sql.functions.round(listPrice.multiply(0.8), 2);
  }
}
