package com.customerpath.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.Tables;
import com.customerpath.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The nightly run with inputs and outputs on s3a:// (S3Proxy on loopback), read back from the
 * bucket.
 */
@Tag("s3")
@ExtendWith(SharedS3Run.Resolver.class)
class S3PipelineIT {

  private static Dataset<Row> read(SparkSession spark, String table) {
    return spark.read().parquet(SharedS3Run.OUTPUT_ROOT + "/" + table + "/dt=" + SharedS3Run.DATE);
  }

  @Test
  void outputsAreInTheBucket(SharedS3Run run) {
    SparkSession spark = run.spark();
    assertEquals(
        Long.parseLong(System.getProperty("it.personas.k", "4")),
        read(spark, "personas").count(),
        "personas rows");
    assertTrue(read(spark, "customer_features").count() > 0, "customer_features rows");
    assertTrue(read(spark, "customer_personas").count() > 0, "customer_personas rows");
    assertEquals(1, read(spark, "run_manifest").count(), "run_manifest rows");
  }

  /**
   * One run at a time on a bucket too: the lock file is created in the bucket, a second run on the
   * same root is refused while the first holds it, and it is free again once released. (S3Proxy has
   * no conditional writes, so this exercises the check before the create; on S3 itself the create
   * is also conditional: If-None-Match.)
   */
  @Test
  void aSecondRunOnTheSameRootInTheBucketIsRefused(SharedS3Run run) throws Exception {
    String root = "s3a://" + SharedS3Run.BUCKET + "/lock-test";
    org.apache.hadoop.conf.Configuration conf = run.spark().sparkContext().hadoopConfiguration();
    java.time.Duration staleAfter = java.time.Duration.ofHours(12);
    Path lockFile = new Path(root + "/" + com.customerpath.jobs.runtime.RunLock.FILE);
    try (var first =
        com.customerpath.jobs.runtime.RunLock.acquire(conf, root, "2026-06-30", staleAfter)) {
      assertTrue(run.s3().exists(lockFile), "the lock is in the bucket");
      var refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              com.customerpath.jobs.runtime.RunLock.LockHeldError.class,
              () ->
                  com.customerpath.jobs.runtime.RunLock.acquire(
                      conf, root, "2026-06-30", staleAfter));
      assertTrue(
          refused.getMessage().contains("another run holds the lock " + lockFile),
          refused.getMessage());
    }
    assertTrue(!run.s3().exists(lockFile), "released");
    com.customerpath.jobs.runtime.RunLock.acquire(conf, root, "2026-06-30", staleAfter).close();
  }

  @Test
  void quarantineReconciles(SharedS3Run run) throws Exception {
    SparkSession spark = run.spark();
    Row m = read(spark, "run_manifest").first();
    for (String source : List.of("transactions", "events", "customers", "products")) {
      long readRows = num(m, source + "_read");
      long accepted = num(m, source + "_accepted");
      long quarantined = num(m, source + "_quarantined");
      assertEquals(readRows, accepted + quarantined, source + ": read = accepted + quarantined");
      assertEquals(
          accepted,
          CuratedTables.read(new Tables(spark, SharedS3Run.OUTPUT_ROOT), source, SharedS3Run.DATE)
              .count(),
          source + ": curated rows in the bucket");
      assertEquals(
          quarantined,
          read(spark, "quarantine/" + source).count(),
          source + ": quarantine rows in the bucket");
    }
    // Against the planted bad rows of the sample data (sample-data/truth/quarantine_expected.csv).
    Map<String, Long> expected =
        Files.readAllLines(
                com.customerpath.testing.SparkTestSession.projectRoot()
                    .resolve("sample-data/truth/quarantine_expected.csv"))
            .stream()
            .skip(1)
            .map(l -> l.split(","))
            .collect(Collectors.toMap(a -> a[0], a -> Long.parseLong(a[1].trim())));
    Map<String, Long> actual =
        read(spark, "quarantine/transactions").groupBy("reason").count().collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertEquals(expected, actual, "quarantined transactions per reason");
    assertEquals(
        expected.values().stream().mapToLong(Long::longValue).sum(),
        num(m, "transactions_quarantined"));
  }

  @Test
  void committerPublishedTheOutput(SharedS3Run run) throws Exception {
    // The S3A committers write a JSON _SUCCESS manifest naming the committer (the classic
    // FileOutputCommitter writes an empty one). customer_personas is written by Spark; the
    // personas table (a row per persona) is written by the driver, without a committer.
    Path success = new Path(SharedS3Run.OUTPUT_ROOT + "/customer_personas/_SUCCESS");
    String json;
    try (FSDataInputStream in = run.s3().open(success)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(
        json.contains("\"committer\"") && json.contains("partitioned"),
        "S3A committer manifest: " + json);
    assertTrue(
        run.s3()
            .exists(
                new Path(
                    SharedS3Run.OUTPUT_ROOT
                        + "/quarantine/transactions/dt="
                        + SharedS3Run.PREVIOUS_DATE)),
        "second run's partition");
    assertTrue(
        run.s3()
                .listStatus(new Path(SharedS3Run.OUTPUT_ROOT + "/personas/dt=" + SharedS3Run.DATE))
                .length
            == 1,
        "the personas table: one file written by the driver");
    assertTrue(
        run.s3()
            .exists(
                new Path(
                    SharedS3Run.OUTPUT_ROOT
                        + "/curated/transactions/event_date="
                        + SharedS3Run.DATE)),
        "the first run's last event date is kept by the second (earlier) run");
  }

  @Test
  void rewriteReplacesOnlyItsPartition(SharedS3Run run) {
    SparkSession spark = run.spark();
    Tables tables = new Tables(spark, SharedS3Run.OUTPUT_ROOT);
    String ddl = "id INT, label STRING";
    java.time.LocalDate d1 = java.time.LocalDate.parse("2026-01-01");
    java.time.LocalDate d2 = java.time.LocalDate.parse("2026-01-02");
    assertEquals(
        3,
        tables.write(
            "it_replace",
            d1,
            Fixtures.rows(
                ddl, new Object[] {1, "a"}, new Object[] {2, "b"}, new Object[] {3, "c"})));
    assertEquals(1, tables.write("it_replace", d2, Fixtures.rows(ddl, new Object[] {9, "z"})));
    assertEquals(
        2,
        tables.write(
            "it_replace", d1, Fixtures.rows(ddl, new Object[] {4, "d"}, new Object[] {5, "e"})),
        "re-run of a date replaces its partition");
    assertEquals(
        List.of(4, 5),
        tables.read("it_replace", d1).orderBy("id").collectAsList().stream()
            .map(r -> r.getInt(0))
            .toList());
    assertEquals(1, tables.read("it_replace", d2).count(), "other partition untouched");
    assertEquals(
        0,
        tables.write("it_replace", d1, Fixtures.rows(ddl)),
        "empty result publishes an empty partition");
    assertEquals(1, tables.read("it_replace", d2).count(), "other partition still untouched");
  }

  @Test
  void aPartitionIsCopiedWithoutItsSideFiles(SharedS3Run run) {
    // How ingest carries an unchanged snapshot over to a later night (SnapshotCarryOver).
    SparkSession spark = run.spark();
    Tables tables = new Tables(spark, SharedS3Run.OUTPUT_ROOT);
    String ddl = "id INT, label STRING";
    java.time.LocalDate d1 = java.time.LocalDate.parse("2026-03-01");
    java.time.LocalDate d2 = java.time.LocalDate.parse("2026-03-02");
    tables.write("it_copy", d1, Fixtures.rows(ddl, new Object[] {1, "a"}, new Object[] {2, "b"}));
    org.apache.hadoop.fs.Path marker =
        new org.apache.hadoop.fs.Path(tables.partitionPath("it_copy", d1), "_marker.properties");
    java.util.Properties night1 = new java.util.Properties();
    night1.setProperty("night", "1");
    com.customerpath.common.io.KeptModels.writeProperties(tables, marker, night1, "test");
    tables.write("it_copy", d2, Fixtures.rows(ddl, new Object[] {9, "old"}));

    assertTrue(tables.copyPartition("it_copy", d1, d2) >= 1, "data files copied");
    assertEquals(
        List.of("a", "b"),
        tables.read("it_copy", d2).orderBy("id").collectAsList().stream()
            .map(r -> r.getString(1))
            .toList(),
        "the copy replaced the partition's earlier rows");
    assertEquals(
        java.util.Optional.empty(),
        com.customerpath.common.io.KeptModels.readProperties(
            tables,
            new org.apache.hadoop.fs.Path(
                tables.partitionPath("it_copy", d2), "_marker.properties")),
        "side files are not copied");
    assertEquals(
        night1,
        com.customerpath.common.io.KeptModels.readProperties(tables, marker).orElseThrow(),
        "and the source's are untouched");
    assertEquals(2, tables.read("it_copy", d1).count(), "the source partition is untouched");
  }

  @Test
  void directoryCommitterReplacesPartitionDirectories(SharedS3Run run) {
    SparkSession spark = run.spark();
    var hadoop = spark.sparkContext().hadoopConfiguration();
    String committer = hadoop.get("fs.s3a.committer.name");
    hadoop.set("fs.s3a.committer.name", "directory");
    try {
      Tables tables = new Tables(spark, SharedS3Run.OUTPUT_ROOT);
      String ddl = "step STRING, figure STRING, value DOUBLE";
      java.time.LocalDate d = java.time.LocalDate.parse("2026-02-01");
      assertEquals(
          2,
          tables.write(
              "it_directory",
              d,
              Fixtures.rows(ddl, new Object[] {"a", "x", 1.0}, new Object[] {"b", "y", 2.0}),
              "step"));
      assertEquals(
          2,
          tables.write(
              "it_directory",
              d,
              Fixtures.rows(ddl, new Object[] {"a", "x", 3.0}, new Object[] {"a", "z", 4.0}),
              "step"),
          "rows written (counted while writing): a's two");
      // a's partition replaced, b's kept: read back below.
      assertEquals(
          List.of(2.0, 3.0, 4.0),
          tables.read("it_directory", d).orderBy("value").collectAsList().stream()
              .map(r -> r.getDouble(r.fieldIndex("value")))
              .toList());
      assertEquals(
          2,
          tables.write(
              "it_plain",
              d,
              Fixtures.rows(ddl, new Object[] {"a", "x", 1.0}, new Object[] {"b", "y", 2.0})));
      assertEquals(
          1, tables.write("it_plain", d, Fixtures.rows(ddl, new Object[] {"c", "x", 1.0})));
    } finally {
      hadoop.set("fs.s3a.committer.name", committer);
    }
  }

  private static long num(Row r, String field) {
    Object v = r.getAs(field);
    return v == null ? 0 : ((Number) v).longValue();
  }
}
