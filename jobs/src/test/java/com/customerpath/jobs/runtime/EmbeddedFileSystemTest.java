package com.customerpath.jobs.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.io.NioLocalFileSystem;
import com.customerpath.common.spark.SparkSessions;
import com.customerpath.jobs.SampleRun;
import com.customerpath.testing.SparkJobCounter;
import com.customerpath.testing.SparkTestSession;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * An embedded run reads and writes file:// through NioLocalFileSystem everywhere: also the run
 * lock's Hadoop configuration, made before Spark starts, because the first file:// file system a
 * JVM creates is cached and used by all. A run given another master keeps Hadoop's own. Embedded
 * runs also list partition folders on the driver instead of in a Spark job.
 */
class EmbeddedFileSystemTest {
  @Test
  void theRunLocksConfigurationUsesTheSameLocalFileSystemAsTheSession() {
    PipelineSettings local = settings(Map.of());
    assertEquals(
        NioLocalFileSystem.class.getName(), JobRunner.hadoopConf(local).get("fs.file.impl"));

    PipelineSettings cluster =
        settings(Map.of("customerpath.spark.master", "spark://127.0.0.1:7077"));
    assertNull(JobRunner.hadoopConf(cluster).get("fs.file.impl"), "Hadoop's default class");
  }

  @Test
  void anEmbeddedRunListsPartitionFoldersOnTheDriver() throws Exception {
    PipelineSettings local = settings(Map.of());
    assertEquals(
        SparkSessions.EMBEDDED_LISTING_THRESHOLD,
        SparkSessions.embeddedConf(local).get(SparkSessions.PARALLEL_LISTING_THRESHOLD));
    PipelineSettings cluster =
        settings(Map.of("customerpath.spark.master", "spark://127.0.0.1:7077"));
    assertNull(
        SparkSessions.embeddedConf(cluster).get(SparkSessions.PARALLEL_LISTING_THRESHOLD),
        "Spark's default on a cluster");

    // A table of 40 event-date folders (more than Spark's default threshold of 32): opening it
    // with the embedded setting launches no job; with Spark's default it launches a listing job.
    SparkSession spark = SparkTestSession.get();
    String table = SparkTestSession.tempDir("listing").resolve("t").toString();
    spark
        .range(40)
        .withColumn(
            "event_date",
            functions.date_add(
                functions.lit("2026-01-01").cast("date"), functions.col("id").cast("int")))
        .write()
        .partitionBy("event_date")
        .parquet(table);
    assertEquals(0, jobsToOpen(spark, table), "listed on the driver");
    String before = spark.conf().get(SparkSessions.PARALLEL_LISTING_THRESHOLD);
    try {
      spark.conf().set(SparkSessions.PARALLEL_LISTING_THRESHOLD, "32");
      assertTrue(jobsToOpen(spark, table) >= 1, "Spark's default lists in a job");
    } finally {
      spark.conf().set(SparkSessions.PARALLEL_LISTING_THRESHOLD, before);
    }
  }

  /**
   * An embedded run turns adaptive execution off (a cluster keeps Spark's default): a query with a
   * shuffle is then one Spark job, where adaptive execution submits its shuffle stage as a job of
   * its own.
   */
  @Test
  void anEmbeddedRunPlansEachQueryOnceWithoutAdaptiveExecution() throws Exception {
    PipelineSettings local = settings(Map.of());
    assertEquals("false", SparkSessions.sessionConf(local).get(SparkSessions.ADAPTIVE));
    PipelineSettings cluster =
        settings(Map.of("customerpath.spark.master", "spark://127.0.0.1:7077"));
    assertNull(SparkSessions.sessionConf(cluster).get(SparkSessions.ADAPTIVE), "Spark's default");
    PipelineSettings chosen =
        settings(Map.of("customerpath.spark.conf.\"spark.sql.adaptive.enabled\"", "true"));
    assertEquals(
        "true", SparkSessions.sessionConf(chosen).get(SparkSessions.ADAPTIVE), "spark.conf wins");

    SparkSession spark = SparkTestSession.get();
    String before = spark.conf().get(SparkSessions.ADAPTIVE);
    try {
      spark.conf().set(SparkSessions.ADAPTIVE, "false");
      assertEquals(1, jobsToGroup(spark), "one job: the whole plan at once");
      spark.conf().set(SparkSessions.ADAPTIVE, "true");
      assertTrue(jobsToGroup(spark) >= 2, "adaptive: the shuffle stage is a job of its own");
    } finally {
      spark.conf().set(SparkSessions.ADAPTIVE, before);
    }
  }

  /** The sample's settings with these overrides. */
  private static PipelineSettings settings(Map<String, String> overrides) {
    return SampleRun.settings(
        "conf/local.conf", SparkTestSession.tempDir("embedded-fs"), overrides);
  }

  private static int jobsToGroup(SparkSession spark) throws Exception {
    SparkJobCounter counter = SparkJobCounter.start(spark);
    spark.range(1000).groupBy(functions.col("id").mod(7)).count().collectAsList();
    return counter.stop();
  }

  private static int jobsToOpen(SparkSession spark, String table) throws Exception {
    SparkJobCounter counter = SparkJobCounter.start(spark);
    spark.read().schema("id long, event_date date").parquet(table);
    return counter.stop();
  }
}
