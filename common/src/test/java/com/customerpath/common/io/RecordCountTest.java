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
}
