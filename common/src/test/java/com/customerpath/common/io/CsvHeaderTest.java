package com.customerpath.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkJobCounter;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * A CSV input's header read on the driver gives the column names Spark's own inference gives (the
 * same options, parser, codec and naming rules), without its Spark job.
 */
class CsvHeaderTest {

  private static Path file(String name, byte[] content) throws IOException {
    Path dir = SparkTestSession.tempDir("csv-header");
    Path f = dir.resolve(name);
    Files.write(f, content);
    return f;
  }

  private static byte[] text(String s, Charset cs) {
    return s.getBytes(cs);
  }

  private static void assertSameAsSpark(Path path, Map<String, String> options) throws Exception {
    // As the inputs are read (multi-line records) and as the external datasets are (lines).
    assertSameAsSpark(path, SourceReader.strictCsvOptions(options), true);
    if (!path.toString().contains("quoted")) { // a line-based read splits a quoted line break
      Map<String, String> lines = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      lines.putAll(options);
      lines.put("inferSchema", "false");
      assertSameAsSpark(path, lines, false);
    }
  }

  private static void assertSameAsSpark(Path path, Map<String, String> opts, boolean multiLine)
      throws Exception {
    SparkSession spark = SparkTestSession.get();
    SparkJobCounter jobs = SparkJobCounter.start(spark);
    String[] ours = SourceReader.csvHeader(spark, opts, path.toString()).orElseThrow();
    assertEquals(0, jobs.stop(), "the driver reads the header");
    String[] sparks = spark.read().options(opts).csv(path.toString()).schema().fieldNames();
    assertEquals(
        Arrays.asList(sparks), Arrays.asList(ours), path + (multiLine ? " (multi-line)" : ""));
  }

  @Test
  void theDriverReadsTheHeaderSparkWouldInfer() throws Exception {
    Map<String, String> header = Map.of("header", "true");
    assertSameAsSpark(
        file("plain.csv", text("order_id,cust_id,order_ts\no1,c1,2026-06-01\n", UTF8)), header);
    // Quoted names with a separator, a doubled quote and a line break; empty and repeated names.
    assertSameAsSpark(
        file(
            "quoted.csv",
            text("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,x,X,x\n1,2,3,4,5,6,7\n", UTF8)),
        header);
    // A byte order mark, another encoding and separator, a compressed file.
    assertSameAsSpark(file("bom.csv", text("\uFEFFid,name\n1,a\n", UTF8)), header);
    Map<String, String> latin = new HashMap<>(header);
    latin.put("encoding", "ISO-8859-1");
    latin.put("sep", ";");
    assertSameAsSpark(
        file(
            "latin.csv",
            text("n\u00famero;pa\u00eds\n1;Espa\u00f1a\n", StandardCharsets.ISO_8859_1)),
        latin);
    Path gz = SparkTestSession.tempDir("csv-header").resolve("zipped.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(text("k,v\n1,2\n", UTF8));
    }
    assertSameAsSpark(gz, header);
    // A folder of files with the same header.
    Path dir = SparkTestSession.tempDir("csv-header-folder");
    Files.writeString(dir.resolve("b.csv"), "k,v\n2,3\n");
    Files.writeString(dir.resolve("a.csv"), "k,v\n1,2\n");
    assertSameAsSpark(dir, header);
  }

  @Test
  void withoutAHeaderOrAFileSparkInfersIt() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path f = file("noheader.csv", text("1,2\n", UTF8));
    assertTrue(
        SourceReader.csvHeader(spark, SourceReader.strictCsvOptions(Map.of()), f.toString())
            .isEmpty());
    Path empty = file("empty.csv", new byte[0]);
    assertTrue(
        SourceReader.csvHeader(
                spark, SourceReader.strictCsvOptions(Map.of("header", "true")), empty.toString())
            .isEmpty());
    assertTrue(
        SourceReader.csvHeader(
                spark,
                SourceReader.strictCsvOptions(Map.of("header", "true")),
                SparkTestSession.tempDir("csv-header-none").resolve("missing").toString())
            .isEmpty());
  }

  /**
   * The external datasets' reads: text-only columns named from the driver's header read, the same
   * rows as Spark's own read; with inferSchema on (their default) Spark still types the columns.
   */
  @Test
  void externalReadsKeepTheirColumnsAndTypes() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path f = file("holidays.csv", text("date,is_holiday,n\n2025-01-01,true,3\n", UTF8));
    Map<String, String> textOnly = Map.of("header", "true", "inferSchema", "false");
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> ours =
        SourceReader.readTable(
            spark,
            "external.holidays",
            f.toString(),
            com.customerpath.common.config.TableSettings.Format.CSV,
            textOnly);
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> sparks =
        spark.read().options(textOnly).csv(f.toString());
    assertEquals(sparks.schema(), ours.schema());
    assertEquals(sparks.collectAsList(), ours.collectAsList());

    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> typed =
        SourceReader.readTable(
            spark,
            "external.holidays",
            f.toString(),
            com.customerpath.common.config.TableSettings.Format.CSV,
            Map.of("header", "true", "inferSchema", "true"));
    assertEquals("boolean", typed.schema().apply("is_holiday").dataType().simpleString());
    assertEquals("int", typed.schema().apply("n").dataType().simpleString());
  }

  private static final Charset UTF8 = StandardCharsets.UTF_8;
}
