package com.customerpath.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.Fixtures;
import com.customerpath.testing.SparkJobCounter;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A table read takes its schema from a file footer on the driver: no Spark job, same rows. */
class ParquetSchemasTest {
  @Test
  void aPartitionIsReadWithoutASchemaJobAndWithTheSameSchemaAndRows() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path root = SparkTestSession.tempDir("parquet-schemas");
    Tables tables = new Tables(spark, root.toString());
    LocalDate d = LocalDate.parse("2026-06-30");
    String ddl = "id int, name string, score double, seen date";
    tables.write(
        "t",
        d,
        Fixtures.rows(
            ddl,
            new Object[] {1, "a", 0.5, java.sql.Date.valueOf("2026-06-01")},
            new Object[] {2, null, null, null}));

    SparkJobCounter counter = SparkJobCounter.start(spark);
    Dataset<Row> read = tables.read("t", d);
    assertEquals(0, counter.stop(), "building the DataFrame launched no Spark job");

    Dataset<Row> inferred =
        spark.read().option("basePath", tables.path("t")).parquet(tables.partitionPath("t", d));
    assertEquals(inferred.drop(Tables.DT).schema(), read.schema());
    assertEquals(
        List.of("[1,a,0.5,2026-06-01]", "[2,null,null,null]"),
        read.orderBy("id").collectAsList().stream().map(Row::toString).toList());
  }

  @Test
  void markersAndStagingFoldersAreNotTakenForTheSchema() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path root = SparkTestSession.tempDir("parquet-schemas-markers");
    Fixtures.rows("id int", new Object[] {1})
        .write()
        .parquet(root.resolve("_staging").resolve("run1").toString());
    java.nio.file.Files.writeString(root.resolve("_SUCCESS"), "");
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    assertEquals(
        java.util.Optional.empty(),
        ParquetSchemas.schemaOf(conf, new org.apache.hadoop.fs.Path(root.toString())),
        "only files Spark would skip");
    assertEquals(
        java.util.Optional.empty(),
        ParquetSchemas.schemaOf(
            conf, new org.apache.hadoop.fs.Path(root.resolve("no").toString())));
    assertEquals(
        "struct<id:int>",
        ParquetSchemas.schemaOf(
                conf, new org.apache.hadoop.fs.Path(root.resolve("_staging/run1").toString()))
            .orElseThrow()
            .simpleString());
  }
}
