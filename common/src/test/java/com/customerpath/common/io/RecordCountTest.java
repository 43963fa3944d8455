package com.customerpath.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The independent count of a Parquet source: the row counts in its footers. */
class RecordCountTest {
  @Test
  void footersOfManyFilesAreSummedAndAMissingFileIsAnError() throws IOException {
    SparkSession spark = SparkTestSession.get();
    Path dir = SparkTestSession.tempDir("footers").resolve("t");
    // 40 files (more than the readers at once), 1,003 rows.
    spark.range(0, 1003, 1, 40).write().parquet(dir.toString());
    var conf = spark.sparkContext().hadoopConfiguration();
    Optional<List<FileStatus>> files = RecordCount.dataFiles(conf, dir.toString());
    assertTrue(files.isPresent());
    assertEquals(40, files.get().size());
    assertTrue(files.get().size() > RecordCount.FOOTER_READERS);
    assertEquals(1003, RecordCount.footerRowCounts(files.get(), conf));
    assertEquals(0, RecordCount.footerRowCounts(List.of(), conf));

    Files.delete(Path.of(files.get().get(7).getPath().toUri()));
    IOException e =
        assertThrows(IOException.class, () -> RecordCount.footerRowCounts(files.get(), conf));
    assertTrue(
        String.valueOf(e.getMessage()).contains(files.get().get(7).getPath().getName()),
        "names the file: " + e.getMessage());
  }

  /**
   * A CSV input's independent count (line breaks outside quotes, blank lines skipped, one header
   * line per file, gzip): a few MB are counted by the driver without a Spark job, the same count as
   * the Spark job that counts larger inputs.
   */
  @Test
  void smallCsvInputsAreCountedByTheDriverAsBySpark() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path dir = SparkTestSession.tempDir("csv-count").resolve("in");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("a.csv"), "id,text\n1,\"two\nlines\"\n\n2,x\n");
    try (var out =
        new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("b.csv.gz")))) {
      out.write("id,text\n3,y\n4,z\n5,w".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    java.util.Map<String, String> multiLine =
        java.util.Map.of("header", "true", "multiLine", "true");
    com.customerpath.testing.SparkJobCounter jobs =
        com.customerpath.testing.SparkJobCounter.start(spark);
    long byDriver = RecordCount.csv(spark, dir.toString(), multiLine).orElseThrow().records();
    assertEquals(0, jobs.stop(), "counted by the driver");
    assertEquals(5, byDriver, "2 + 3 records, the quoted line break inside one");
    jobs = com.customerpath.testing.SparkJobCounter.start(spark);
    long bySpark = RecordCount.csv(spark, dir.toString(), multiLine, 0).orElseThrow().records();
    assertEquals(1, jobs.stop(), "counted by a Spark job");
    assertEquals(byDriver, bySpark);
    // Line-based: the quoted line break ends a record, as Spark's line reader splits it.
    assertEquals(
        6,
        RecordCount.csv(spark, dir.toString(), java.util.Map.of("header", "true"))
            .orElseThrow()
            .records());
  }
}
