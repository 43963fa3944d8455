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
import java.util.List;
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

  private static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> readExternal(
      Path f, Map<String, String> options) {
    return SourceReader.readTable(
        SparkTestSession.get(),
        "external.holidays",
        f.toString(),
        com.customerpath.common.config.TableSettings.Format.CSV,
        options);
  }

  /**
   * The external datasets' reads: text-only columns named from the driver's header read, typed
   * columns from the driver's inference when inferSchema is on (their default); either way the
   * schema and rows of Spark's own read.
   */
  @Test
  void externalReadsKeepTheirColumnsAndTypes() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path f = file("holidays.csv", text("date,is_holiday,n\n2025-01-01,true,3\n", UTF8));
    for (String infer : List.of("false", "true")) {
      Map<String, String> options = Map.of("header", "true", "inferSchema", infer);
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> ours = readExternal(f, options);
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> sparks =
          spark.read().options(options).csv(f.toString());
      assertEquals(sparks.schema(), ours.schema(), "inferSchema " + infer);
      assertEquals(sparks.collectAsList(), ours.collectAsList(), "inferSchema " + infer);
    }
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> typed =
        readExternal(f, Map.of("header", "true", "inferSchema", "true"));
    assertEquals("boolean", typed.schema().apply("is_holiday").dataType().simpleString());
    assertEquals("int", typed.schema().apply("n").dataType().simpleString());
  }

  private static void assertTypesAsSpark(Path path, Map<String, String> options) throws Exception {
    SparkSession spark = SparkTestSession.get();
    Map<String, String> opts = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    opts.putAll(options);
    opts.put("header", "true");
    opts.put("inferSchema", "true");
    SparkJobCounter jobs = SparkJobCounter.start(spark);
    org.apache.spark.sql.types.StructType ours =
        SourceReader.csvTypes(spark, opts, path.toString()).orElseThrow();
    assertEquals(0, jobs.stop(), "the driver infers the types");
    jobs = SparkJobCounter.start(spark);
    org.apache.spark.sql.types.StructType sparks =
        spark.read().options(opts).csv(path.toString()).schema();
    assertEquals(2, jobs.stop(), "Spark's inference: the first line, then the types");
    assertEquals(sparks, ours, path.toString());
  }

  /**
   * With inferSchema (the external datasets' default) the driver types a single small file's
   * columns as Spark's inference does, without its two Spark jobs; otherwise it leaves it to Spark.
   */
  @Test
  void theDriverTypesAnExternalFileAsSparkWould() throws Exception {
    assertTypesAsSpark(
        file(
            "typed.csv",
            text(
                "id,big,x,day,at,ok,name,empty,mixed\n"
                    + "1,5000000000,0.5,2026-06-30,2026-06-30 10:00:00,true,a,,1\n"
                    + "\n"
                    + "id,big,x,day,at,ok,name,empty,mixed\n" // a repeated header is skipped
                    + "2,7,1e3,2026-07-01,2026-07-01T11:30:00,false,b,,x\n"
                    + "  \n"
                    + "3,8,-2,2026-07-02,2026-07-02 12:00:00,TRUE,\"c, d\",,2.5\n",
                UTF8)),
        Map.of());
    // Comments, another separator, a null marker, a decimal, a compressed file.
    assertTypesAsSpark(
        file("semi.csv", text("# note\nk;v;d\n# more\n1;NA;1.25\n2;3;2.50\n", UTF8)),
        Map.of("sep", ";", "comment", "#", "nullValue", "NA", "prefersDecimal", "true"));
    Path gz = SparkTestSession.tempDir("csv-types").resolve("zipped.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(text("k,v\n1,2.5\n2,3\n", UTF8));
    }
    assertTypesAsSpark(gz, Map.of());
    for (String external :
        List.of("holidays.csv", "region_demographics.csv", "country_population.csv")) {
      assertTypesAsSpark(Path.of("../sample-data/external", external), Map.of());
    }

    SparkSession spark = SparkTestSession.get();
    Map<String, String> typed = Map.of("header", "true", "inferSchema", "true");
    Path dir = SparkTestSession.tempDir("csv-types-folder");
    Files.writeString(dir.resolve("a.csv"), "k,v\n1,2\n");
    Files.writeString(dir.resolve("b.csv"), "k,v\n2,x\n");
    assertTrue(SourceReader.csvTypes(spark, typed, dir.toString()).isEmpty(), "two files: Spark");
    Map<String, String> sampled = new HashMap<>(typed);
    sampled.put("samplingRatio", "0.5");
    assertTrue(
        SourceReader.csvTypes(spark, sampled, dir.resolve("a.csv").toString()).isEmpty(),
        "a sample: Spark");
    assertTrue(
        SourceReader.csvTypes(spark, typed, file("bom2.csv", text("\uFEFFk\n1\n", UTF8)).toString())
            .isEmpty(),
        "a byte order mark: Spark");
  }

  private static final Charset UTF8 = StandardCharsets.UTF_8;
}
