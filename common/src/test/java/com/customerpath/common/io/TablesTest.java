package com.customerpath.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.Fixtures;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Partition layout: a write replaces exactly its date's partition, also when re-run or empty. */
class TablesTest {
  static final LocalDate D1 = LocalDate.parse("2026-06-29");
  static final LocalDate D2 = LocalDate.parse("2026-06-30");

  @Test
  void aWriteReplacesOnlyItsOwnPartition() {
    Path root = SparkTestSession.tempDir("tables");
    Tables tables = new Tables(SparkTestSession.get(), root.toString());
    String ddl = "id int, name string";
    assertEquals(
        3,
        tables.write(
            "t",
            D1,
            Fixtures.rows(
                ddl, new Object[] {1, "a"}, new Object[] {2, "b"}, new Object[] {3, "c"})));
    assertEquals(1, tables.write("t", D2, Fixtures.rows(ddl, new Object[] {9, "z"})));
    assertEquals(
        2,
        tables.write("t", D1, Fixtures.rows(ddl, new Object[] {4, "d"}, new Object[] {5, "e"})),
        "re-running D1 replaces its rows");
    assertEquals(2, tables.read("t", D1).count());
    assertEquals(1, tables.read("t", D2).count(), "D2 untouched");
    assertTrue(Files.isDirectory(root.resolve("t/dt=2026-06-29")));
    assertEquals(Optional.of(D1), tables.latestBefore("t", D2));
    assertEquals(Optional.empty(), tables.latestBefore("t", D1));
    assertFalse(
        Files.exists(root.resolve("t/_staging"))
            && root.resolve("t/_staging").toFile().list().length > 0,
        "nothing left in staging");
  }

  /**
   * A small table of many dates (an ingest night over a year of history is a few MB) is written one
   * file per date, by as many tasks as there are shuffle partitions: adaptive execution used to
   * coalesce it into one task that wrote every date's file in turn.
   */
  @Test
  void partitionsByValueAreOneFilePerValueWrittenByParallelTasks() throws Exception {
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    Path root = SparkTestSession.tempDir("tables-by-value");
    Tables tables = new Tables(spark, root.toString());
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows =
        spark
            .range(400)
            .selectExpr(
                "id", "cast(date_add(date'2026-06-01', cast(id % 40 as int)) as string) as day");
    java.util.concurrent.atomic.AtomicInteger writeTasks =
        new java.util.concurrent.atomic.AtomicInteger();
    org.apache.spark.scheduler.SparkListener listener =
        new org.apache.spark.scheduler.SparkListener() {
          @Override
          public void onStageSubmitted(
              org.apache.spark.scheduler.SparkListenerStageSubmitted event) {
            String description = event.properties().getProperty("spark.job.description", "");
            if (description.startsWith("write t by day")) {
              writeTasks.set(event.stageInfo().numTasks()); // the writing stage comes last
            }
          }
        };
    spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    spark.sparkContext().addSparkListener(listener);
    java.util.List<String> written;
    try {
      Tables.Replaced replaced = tables.replacePartitions("t", "day", rows, v -> false);
      written = replaced.values();
      assertEquals(400, replaced.rows(), "rows counted while writing");
      spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    assertEquals(40, written.size());
    for (String day : written) {
      try (java.util.stream.Stream<Path> files = Files.list(root.resolve("t/day=" + day))) {
        assertEquals(
            1,
            files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count(),
            "one file for " + day);
      }
    }
    assertEquals(400, spark.read().parquet(root.resolve("t").toString()).count());
    assertEquals(
        Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions")),
        writeTasks.get(),
        "tasks of the stage that writes the files");
  }

  /**
   * A run reads a table once and its steps share the rows (kept in memory); a write to the table
   * drops them, so a later read sees what was written, and the end of the run releases them all. A
   * step run alone keeps nothing.
   */
  @Test
  void keptReadsAreSharedUntilTheTableIsWrittenAndReleasedWhenTheRunEnds() {
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    Tables tables = new Tables(spark, SparkTestSession.tempDir("tables-kept").toString());
    String ddl = "id int, day string";
    tables.replacePartitions(
        "facts",
        "day",
        Fixtures.rows(ddl, new Object[] {1, "d1"}, new Object[] {2, "d2"}),
        v -> false);
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.Supplier<org.apache.spark.sql.Dataset<org.apache.spark.sql.Row>> read =
        () -> {
          reads.incrementAndGet();
          return spark.read().parquet(tables.path("facts"));
        };
    org.apache.spark.storage.StorageLevel none = org.apache.spark.storage.StorageLevel.NONE();

    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> alone = tables.kept("facts", "k", read);
    assertEquals(none, alone.storageLevel(), "not kept outside a run");
    tables.keepReads();
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> first = tables.kept("facts", "k", read);
    assertTrue(first == tables.kept("facts", "k", read), "one read shared");
    assertEquals(2, reads.get());
    assertTrue(first.storageLevel().useMemory(), "kept in memory");
    assertEquals(2, first.count());

    tables.replacePartitions(
        "facts", "day", Fixtures.rows(ddl, new Object[] {3, "d3"}), v -> false);
    assertEquals(none, first.storageLevel(), "a write drops the table's kept reads");
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> afterWrite =
        tables.kept("facts", "k", read);
    assertEquals(3, afterWrite.count(), "read again, with the rows written");

    tables.releaseKeptReads();
    assertEquals(none, afterWrite.storageLevel(), "released when the run ends");
    assertEquals(none, tables.kept("facts", "k", read).storageLevel(), "and no longer kept");
  }

  @Test
  void subPartitionsAreReplacedOneByOne() {
    Path root = SparkTestSession.tempDir("tables");
    Tables tables = new Tables(SparkTestSession.get(), root.toString());
    String ddl = "figure string, value double, step string";
    tables.write("steps", D1, Fixtures.rows(ddl, new Object[] {"a", 1.0, "ingest"}), "step");
    tables.write("steps", D1, Fixtures.rows(ddl, new Object[] {"b", 2.0, "features"}), "step");
    tables.write("steps", D1, Fixtures.rows(ddl, new Object[] {"c", 3.0, "ingest"}), "step");
    assertEquals(
        java.util.Set.of("c", "b"),
        new java.util.HashSet<>(
            tables
                .read("steps", D1)
                .select("figure")
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList()));
  }

  @Test
  void anEmptyResultPublishesAnEmptyPartition() {
    Path root = SparkTestSession.tempDir("tables");
    Tables tables = new Tables(SparkTestSession.get(), root.toString());
    String ddl = "id int";
    assertEquals(2, tables.write("t", D1, Fixtures.rows(ddl, new Object[] {1}, new Object[] {2})));
    assertEquals(0, tables.write("t", D1, Fixtures.rows(ddl)), "no stale rows survive a re-run");
    assertTrue(tables.exists("t", D1));
  }

  @Test
  void theLatestPartitionOnOrBeforeANightIsThatNightsOrTheNewestEarlierOne() {
    Path root = SparkTestSession.tempDir("tables-latest");
    Tables tables = new Tables(SparkTestSession.get(), root.toString());
    LocalDate d1 = LocalDate.parse("2026-06-01");
    LocalDate d3 = LocalDate.parse("2026-06-03");
    tables.write("kept", d1, Fixtures.rows("id int", new Object[] {1}));
    tables.write("kept", d3, Fixtures.rows("id int", new Object[] {3}));
    assertEquals(Optional.of(d3), tables.latestOnOrBefore("kept", d3));
    assertEquals(Optional.of(d1), tables.latestOnOrBefore("kept", d3.minusDays(1)));
    assertEquals(Optional.of(d3), tables.latestOnOrBefore("kept", d3.plusDays(9)));
    assertEquals(Optional.empty(), tables.latestOnOrBefore("kept", d1.minusDays(1)));
    assertEquals(Optional.empty(), tables.latestOnOrBefore("absent", d3));
  }

  @Test
  void rowsWrittenByTheDriverReadBackAsSparksOwnWithoutASparkJob() throws Exception {
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    Tables tables = new Tables(spark, SparkTestSession.tempDir("tables-driver").toString());
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("name", "string", false)
            .add("value", "double", true)
            .add("n", "long", true)
            .add("k", "int", true)
            .add("ok", "boolean", true)
            .add("at", "timestamp", true);
    java.sql.Timestamp at = java.sql.Timestamp.valueOf("2026-06-30 23:59:58.123456");
    List<org.apache.spark.sql.Row> rows =
        List.of(
            org.apache.spark.sql.RowFactory.create("a", 1.5, 7L, 3, true, at),
            org.apache.spark.sql.RowFactory.create("b", null, null, null, null, null));
    LocalDate day = LocalDate.parse("2026-06-30");
    com.customerpath.testing.SparkJobCounter jobs =
        com.customerpath.testing.SparkJobCounter.start(spark);
    assertEquals(2, tables.writeFromDriver("figures", day, "step", "one", schema, rows));
    tables.writeFromDriver(
        "figures",
        day,
        "step",
        "two",
        schema,
        List.of(org.apache.spark.sql.RowFactory.create("c", 2.0, 1L, 1, false, at)));
    assertEquals(0, jobs.stop(), "the driver writes the files");

    jobs = com.customerpath.testing.SparkJobCounter.start(spark);
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> read = tables.read("figures", day);
    assertEquals(0, jobs.stop(), "the schema is read from the footer, as for Spark's files");
    assertEquals("string", read.schema().apply("name").dataType().simpleString());
    assertEquals("timestamp", read.schema().apply("at").dataType().simpleString());
    List<org.apache.spark.sql.Row> back =
        read.select("name", "value", "n", "k", "ok", "at", "step").orderBy("name").collectAsList();
    assertEquals(
        List.of(
            org.apache.spark.sql.RowFactory.create("a", 1.5, 7L, 3, true, at, "one"),
            org.apache.spark.sql.RowFactory.create("b", null, null, null, null, null, "one"),
            org.apache.spark.sql.RowFactory.create("c", 2.0, 1L, 1, false, at, "two")),
        back);

    // The driver reads them back too, the sub-partition a string column as Spark adds it.
    jobs = com.customerpath.testing.SparkJobCounter.start(spark);
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> small = tables.readSmall("figures", day);
    List<org.apache.spark.sql.Row> smallRows =
        small.select("name", "value", "n", "k", "ok", "at", "step").collectAsList().stream()
            .sorted(java.util.Comparator.comparing(r -> r.getString(0)))
            .toList();
    assertEquals(0, jobs.stop(), "read, projected and collected on the driver");
    assertEquals(read.schema().fieldNames().length, small.schema().fieldNames().length);
    assertEquals(back, smallRows);

    // A second write of a step replaces its rows only.
    tables.writeFromDriver(
        "figures",
        day,
        "step",
        "one",
        schema,
        List.of(org.apache.spark.sql.RowFactory.create("d", 4.0, 4L, 4, true, at)));
    assertEquals(
        List.of("d:one", "c:two"),
        tables
            .read("figures", day)
            .orderBy(org.apache.spark.sql.functions.col("step"))
            .collectAsList()
            .stream()
            .map(r -> r.getAs("name") + ":" + r.getAs("step"))
            .toList());
  }

  /**
   * A small table written by Spark (every type the driver converts, nulls, timestamps as INT96 and
   * as microseconds, before and after the epoch) is read by the driver as Spark reads it, without a
   * Spark job; a type the driver does not convert (a decimal) is left to Spark, with the same rows.
   */
  @Test
  void smallTablesWrittenBySparkAreReadByTheDriverAsSparkReadsThem() throws Exception {
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    Tables tables = new Tables(spark, SparkTestSession.tempDir("tables-small").toString());
    String ddl = "id int, n long, x double, name string, ok boolean, day date, at timestamp";
    Object[][] values = {
      {
        1,
        5_000_000_000L,
        0.25,
        "café",
        true,
        java.sql.Date.valueOf("2026-06-30"),
        java.sql.Timestamp.valueOf("2026-06-30 23:59:58.123456")
      },
      {
        2,
        -1L,
        -1e300,
        "",
        false,
        java.sql.Date.valueOf("1969-12-31"),
        java.sql.Timestamp.valueOf("1969-12-31 23:59:59.999999")
      },
      {3, null, null, null, null, null, null}
    };
    String previous = spark.conf().get("spark.sql.parquet.outputTimestampType");
    try {
      for (String timestamps : List.of("INT96", "TIMESTAMP_MICROS")) {
        spark.conf().set("spark.sql.parquet.outputTimestampType", timestamps);
        tables.write("small", D1, Fixtures.rows(ddl, values));
        List<org.apache.spark.sql.Row> bySpark =
            tables.read("small", D1).orderBy("id").collectAsList();
        com.customerpath.testing.SparkJobCounter jobs =
            com.customerpath.testing.SparkJobCounter.start(spark);
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> small =
            tables.readSmall("small", D1);
        List<org.apache.spark.sql.Row> byDriver =
            small.filter("id > 0").collectAsList().stream()
                .sorted(java.util.Comparator.comparing(r -> r.getInt(0)))
                .toList();
        assertEquals(0, jobs.stop(), timestamps + ": no Spark job");
        assertEquals(tables.read("small", D1).schema(), small.schema(), timestamps);
        assertEquals(bySpark, byDriver, timestamps);
        assertEquals(
            java.sql.Timestamp.valueOf("1969-12-31 23:59:59.999999"), byDriver.get(1).get(6));
      }
    } finally {
      spark.conf().set("spark.sql.parquet.outputTimestampType", previous);
    }

    tables.write(
        "decimals",
        D1,
        Fixtures.rows(
            "id int, price decimal(10,2)", new Object[] {1, new java.math.BigDecimal("9.99")}));
    com.customerpath.testing.SparkJobCounter jobs =
        com.customerpath.testing.SparkJobCounter.start(spark);
    List<org.apache.spark.sql.Row> decimals = tables.readSmall("decimals", D1).collectAsList();
    assertTrue(jobs.stop() > 0, "a decimal column is left to Spark's reader");
    assertEquals(
        List.of(org.apache.spark.sql.RowFactory.create(1, new java.math.BigDecimal("9.99"))),
        decimals);
  }

  /**
   * Rows built on the driver (a local relation, also after a projection and a filter) are written
   * by the driver: no Spark job, the same rows and schema read back; an empty one publishes an
   * empty partition; rows Spark computes are written by Spark.
   */
  @Test
  void rowsHeldByTheDriverAreWrittenByIt() throws Exception {
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    Tables tables = new Tables(spark, SparkTestSession.tempDir("tables-local").toString());
    String ddl = "id int, name string, share double";
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> local =
        Fixtures.rows(ddl, new Object[] {1, "a", 0.5}, new Object[] {2, null, 0.25})
            .withColumn("share", org.apache.spark.sql.functions.col("share").multiply(2))
            .filter("id > 0");
    assertTrue(com.customerpath.common.spark.LocalRows.local(local));
    com.customerpath.testing.SparkJobCounter jobs =
        com.customerpath.testing.SparkJobCounter.start(spark);
    assertEquals(2, tables.write("local", D1, local));
    assertEquals(0, jobs.stop(), "written by the driver");
    assertEquals(local.schema().fieldNames().length, tables.read("local", D1).schema().size());
    assertEquals(
        List.of(
            org.apache.spark.sql.RowFactory.create(1, "a", 1.0),
            org.apache.spark.sql.RowFactory.create(2, null, 0.5)),
        tables.read("local", D1).orderBy("id").collectAsList());

    assertEquals(0, tables.write("local", D2, local.filter("id > 5")));
    assertEquals(0, tables.read("local", D2).count(), "an empty partition, schema only");
    assertTrue(Files.isDirectory(root(tables).resolve("local/dt=2026-06-30")));

    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> computed =
        spark.range(3).selectExpr("cast(id as int) as id");
    assertFalse(com.customerpath.common.spark.LocalRows.local(computed));
    jobs = com.customerpath.testing.SparkJobCounter.start(spark);
    assertEquals(3, tables.write("computed", D1, computed));
    assertTrue(jobs.stop() > 0, "written by Spark");

    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> sorted =
        com.customerpath.common.spark.LocalRows.sortedByInt(
            Fixtures.rows("id int", new Object[] {3}, new Object[] {null}, new Object[] {1}), "id");
    assertTrue(com.customerpath.common.spark.LocalRows.local(sorted), "sorted on the driver");
    assertEquals(
        java.util.Arrays.asList(null, 1, 3),
        sorted.collectAsList().stream().map(r -> r.isNullAt(0) ? null : r.getInt(0)).toList());
  }

  private static Path root(Tables tables) {
    return Path.of(tables.root().replaceFirst("^file:", ""));
  }
}
