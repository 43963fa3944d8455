package com.customerpath.common.io;

import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.config.TableSettings;
import com.customerpath.common.config.TableSettings.Format;
import com.customerpath.common.schema.SchemaError;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a source's raw rows: one file or folder, or several named tables combined by a SQL query.
 * CSV is read as text columns (no inference) so that parsing, and its failures, are ours to record.
 * Adds {@code _source_file}, the file each row came from.
 *
 * <p>A source's CSV is read so that a record is a record: {@code multiLine} (a quoted field may
 * hold a line break) and PERMISSIVE with the header's columns, so that a row with more or fewer
 * fields than the header keeps its raw text in {@code _corrupt_record} (quarantined as
 * malformed_row) instead of losing or inventing values.
 */
public final class SourceReader {
  public static final String SOURCE_FILE = "_source_file";
  public static final String CORRUPT_RECORD = "_corrupt_record";

  private SourceReader() {}

  public static Dataset<Row> read(SparkSession spark, SourceSettings source) {
    if (source.tables().isEmpty()) {
      Dataset<Row> raw =
          readTable(spark, source.name(), source.path(), source.format(), source.options(), true);
      if (!source.query().isBlank()) {
        // A query over the single file, e.g. to skip a header line of a text file.
        raw.createOrReplaceTempView(source.name() + "_raw");
        raw = runQuery(spark, source, source.query().replace("{source}", source.name() + "_raw"));
      }
      return raw.withColumn(SOURCE_FILE, functions.input_file_name());
    }
    for (Map.Entry<String, TableSettings> t : source.tables().entrySet()) {
      TableSettings table = t.getValue();
      readTable(
              spark,
              source.name() + "." + t.getKey(),
              table.path(),
              table.format(),
              table.options(),
              true)
          .createOrReplaceTempView(t.getKey());
    }
    return runQuery(spark, source, source.query())
        .withColumn(SOURCE_FILE, functions.lit(source.location()));
  }

  private static Dataset<Row> runQuery(SparkSession spark, SourceSettings source, String query) {
    try {
      Dataset<Row> out = spark.sql(query);
      out.schema(); // analyse now, so a bad query fails here with the source's name
      return out;
    } catch (Exception e) {
      throw new SchemaError(
          "Cannot read source '"
              + source.name()
              + "' from "
              + source.location()
              + ": its query does not run: "
              + firstLine(e.getMessage()),
          e);
    }
  }

  public static Dataset<Row> readTable(
      SparkSession spark, String name, String path, Format format, Map<String, String> options) {
    return readTable(spark, name, path, format, options, false);
  }

  /** strict: CSV read record by record, with the corrupt-record column (input sources). */
  private static Dataset<Row> readTable(
      SparkSession spark,
      String name,
      String path,
      Format format,
      Map<String, String> options,
      boolean strict) {
    try {
      Dataset<Row> df =
          switch (format) {
            case CSV ->
                strict ? readCsvStrict(spark, options, path) : readCsvLines(spark, options, path);
            // The schema from one file's footer, read by the driver (no schema-inference job);
            // with mergeSchema, Spark's own inference over every file.
            case PARQUET ->
                (Boolean.parseBoolean(options.getOrDefault("mergeSchema", "false"))
                        ? spark.read()
                        : ParquetSchemas.reader(spark, path))
                    .options(options)
                    .parquet(path);
            case JSON -> spark.read().options(options).json(path);
            case TEXT -> spark.read().options(options).text(path);
          };
      return df;
    } catch (SchemaError e) {
      throw e;
    } catch (Exception e) {
      if (String.valueOf(e.getMessage()).contains("UNABLE_TO_INFER_SCHEMA")
          || String.valueOf(e.getMessage()).contains("Unable to infer schema")) {
        throw new InputError(
            "Cannot read source '"
                + name
                + "' from "
                + path
                + ": it holds no data file"
                + " (an empty folder, or only hidden/_ files)");
      }
      throw new SchemaError(
          "Cannot read source '"
              + name
              + "' from "
              + path
              + " as "
              + format
              + ": "
              + firstLine(e.getMessage()),
          e);
    }
  }

  /**
   * The CSV reader options of a source: multiLine and PERMISSIVE unless the source says otherwise.
   */
  public static Map<String, String> strictCsvOptions(Map<String, String> options) {
    Map<String, String> opts = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    opts.put("multiLine", "true");
    opts.put("mode", "PERMISSIVE");
    opts.put("escape", "\""); // RFC 4180: a quote inside a quoted field is doubled ("")
    opts.putAll(options);
    opts.put("inferSchema", "false");
    opts.put("columnNameOfCorruptRecord", CORRUPT_RECORD);
    return opts;
  }

  /**
   * The column names Spark's CSV reader takes from the header of a CSV input, read on the driver
   * with Spark's own pieces (its CSV options and parser settings, the codec by file extension, its
   * rules for empty and repeated names), from the first data file by name; empty when the driver
   * cannot tell as Spark would (no header option, sub-folders, no file, an empty first file, a read
   * error): Spark's inference then reads it, in a Spark job of its own.
   */
  static java.util.Optional<String[]> csvHeader(
      SparkSession spark, Map<String, String> opts, String path) {
    if (!"true".equalsIgnoreCase(opts.get("header"))) {
      return java.util.Optional.empty();
    }
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      java.util.Optional<java.util.List<org.apache.hadoop.fs.FileStatus>> files =
          RecordCount.dataFiles(conf, path);
      if (files.isEmpty() || files.get().isEmpty()) {
        return java.util.Optional.empty();
      }
      org.apache.hadoop.fs.Path first =
          files.get().stream()
              .map(org.apache.hadoop.fs.FileStatus::getPath)
              .min(java.util.Comparator.comparing(org.apache.hadoop.fs.Path::toString))
              .get();
      org.apache.spark.sql.internal.SQLConf sql = spark.sessionState().conf();
      org.apache.spark.sql.catalyst.csv.CSVOptions options = csvOptions(sql, opts);
      try (java.io.InputStream in =
          org.apache.spark.sql.execution.datasources.CodecStreams
              .createInputStreamWithCloseResource(conf, first)) {
        scala.collection.Iterator<String[]> records =
            org.apache.spark.sql.catalyst.csv.UnivocityParser.tokenizeStream(
                in,
                false,
                new com.univocity.parsers.csv.CsvParser(options.asParserSettings()),
                options.charset());
        if (!records.hasNext()) {
          return java.util.Optional.empty();
        }
        return java.util.Optional.of(
            org.apache.spark.sql.execution.datasources.csv.CSVUtils.makeSafeHeader(
                records.next(), sql.caseSensitiveAnalysis(), options));
      }
    } catch (java.io.IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /** Largest CSV file whose column types the driver infers itself ({@link #csvTypes}). */
  static final long DRIVER_INFERENCE_MAX_BYTES = 16L << 20;

  /**
   * The schema Spark's line-based CSV reader infers with inferSchema (the external datasets'
   * default), inferred on the driver with Spark's own pieces, in the order Spark applies them: the
   * first non-empty, non-comment line is the header (its safe names), every line equal to it is
   * skipped, each other line is parsed with Spark's parser settings and typed with {@code
   * CSVInferSchema} (the session's time zone and formats). Saves the two Spark jobs of Spark's
   * inference (the first line, then the types). Empty when the driver cannot do exactly what Spark
   * does, which then infers it: not one UTF-8 data file of at most 16 MB (Spark takes its first
   * line from the largest of several files), a byte order mark, multiLine, samplingRatio, lineSep.
   */
  static java.util.Optional<StructType> csvTypes(
      SparkSession spark, Map<String, String> opts, String path) {
    String charset = opts.getOrDefault("encoding", opts.getOrDefault("charset", "UTF-8"));
    if (!"true".equalsIgnoreCase(opts.get("header"))
        || !"true".equalsIgnoreCase(opts.get("inferSchema"))
        || "true".equalsIgnoreCase(opts.get("multiLine"))
        || opts.containsKey("samplingRatio")
        || opts.containsKey("lineSep")
        || !(charset.equalsIgnoreCase("UTF-8") || charset.equalsIgnoreCase("UTF8"))) {
      return java.util.Optional.empty();
    }
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      java.util.Optional<java.util.List<org.apache.hadoop.fs.FileStatus>> files =
          RecordCount.dataFiles(conf, path);
      if (files.isEmpty()
          || files.get().size() != 1
          || files.get().get(0).getLen() > DRIVER_INFERENCE_MAX_BYTES) {
        return java.util.Optional.empty();
      }
      org.apache.spark.sql.internal.SQLConf sql = spark.sessionState().conf();
      org.apache.spark.sql.catalyst.csv.CSVOptions options = csvOptions(sql, opts);
      java.util.List<String> lines = new java.util.ArrayList<>();
      try (java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  org.apache.spark.sql.execution.datasources.CodecStreams
                      .createInputStreamWithCloseResource(conf, files.get().get(0).getPath()),
                  java.nio.charset.StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      }
      if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
        return java.util.Optional.empty();
      }
      scala.collection.Iterator<String> kept =
          org.apache.spark.sql.execution.datasources.csv.CSVUtils.filterCommentAndEmpty(
              scala.jdk.javaapi.CollectionConverters.asScala(lines.iterator()), options);
      if (!kept.hasNext()) {
        return java.util.Optional.empty();
      }
      String firstLine = kept.next();
      com.univocity.parsers.csv.CsvParser parser =
          new com.univocity.parsers.csv.CsvParser(options.asParserSettings());
      String[] firstRow = parser.parseLine(firstLine);
      if (firstRow == null) {
        return java.util.Optional.empty();
      }
      String[] header =
          org.apache.spark.sql.execution.datasources.csv.CSVUtils.makeSafeHeader(
              firstRow, sql.caseSensitiveAnalysis(), options);
      org.apache.spark.sql.catalyst.csv.CSVInferSchema inference =
          new org.apache.spark.sql.catalyst.csv.CSVInferSchema(options);
      org.apache.spark.sql.types.DataType[] types =
          new org.apache.spark.sql.types.DataType[header.length];
      java.util.Arrays.fill(types, DataTypes.NullType);
      scala.collection.Iterator<String> rows =
          org.apache.spark.sql.execution.datasources.csv.CSVUtils.filterHeaderLine(
              kept, firstLine, options);
      while (rows.hasNext()) {
        types = inference.inferRowType(types, parser.parseLine(rows.next()));
      }
      return java.util.Optional.of(new StructType(inference.toStructFields(types, header)));
    } catch (java.io.IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  private static org.apache.spark.sql.catalyst.csv.CSVOptions csvOptions(
      org.apache.spark.sql.internal.SQLConf sql, Map<String, String> opts) {
    return new org.apache.spark.sql.catalyst.csv.CSVOptions(
        scala.collection.immutable.Map$.MODULE$.from(
            scala.jdk.javaapi.CollectionConverters.asScala(opts)),
        sql.csvColumnPruning(),
        sql.sessionLocalTimeZone(),
        sql.columnNameOfCorruptRecord());
  }

  /**
   * A CSV file read line by line: with inferSchema (the external datasets' default) Spark types the
   * columns from the data; otherwise every column is text and the driver reads the header if it
   * can.
   */
  private static Dataset<Row> readCsvLines(
      SparkSession spark, Map<String, String> options, String path) {
    Map<String, String> opts = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    opts.put("inferSchema", "false");
    opts.putAll(options);
    if ("true".equalsIgnoreCase(opts.get("inferSchema"))) {
      return csvTypes(spark, opts, path)
          .map(types -> spark.read().options(opts).schema(types).csv(path))
          .orElseGet(() -> spark.read().options(opts).csv(path));
    }
    return csvHeader(spark, opts, path)
        .map(names -> spark.read().options(opts).schema(textColumns(names)).csv(path))
        .orElseGet(() -> spark.read().options(opts).csv(path));
  }

  private static StructType textColumns(String[] names) {
    StructType schema = new StructType();
    for (String name : names) {
      schema = schema.add(name, DataTypes.StringType, true);
    }
    return schema;
  }

  private static Dataset<Row> readCsvStrict(
      SparkSession spark, Map<String, String> options, String path) {
    Map<String, String> opts = strictCsvOptions(options);
    // The header's columns (all text), plus the column that keeps a malformed row's raw text.
    // Read by the driver where it can; Spark's own inference runs a job for it.
    String[] names =
        csvHeader(spark, opts, path)
            .orElseGet(() -> spark.read().options(opts).csv(path).schema().fieldNames());
    StructType schema = textColumns(names).add(CORRUPT_RECORD, DataTypes.StringType, true);
    return spark.read().options(opts).schema(schema).csv(path);
  }

  /** The paths of a source (its file, or its tables' files) that exist but hold no data file. */
  public static java.util.List<String> emptyPaths(SparkSession spark, SourceSettings source) {
    java.util.List<String> paths =
        source.tables().isEmpty()
            ? java.util.List.of(source.path())
            : source.tables().values().stream().map(TableSettings::path).toList();
    java.util.List<String> empty = new java.util.ArrayList<>();
    for (String p : paths) {
      try {
        org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(p);
        org.apache.hadoop.fs.FileSystem fs =
            hp.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!p.contains("*") && !fs.exists(hp)) {
          continue; // a missing path is reported by the reader, naming the source
        }
        if (RecordCount.dataFiles(spark.sparkContext().hadoopConfiguration(), p)
            .map(java.util.List::isEmpty)
            .orElse(false)) {
          empty.add(p);
        }
      } catch (java.io.IOException e) {
        throw new InputError(
            "Cannot list source '" + source.name() + "' at " + p + ": " + e.getMessage());
      }
    }
    return empty;
  }

  static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
