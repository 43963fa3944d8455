package com.customerpath.common.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A handful of rows held on the driver written as one Parquet file by the driver itself, with
 * parquet-hadoop's writer: no Spark job for a table of a few dozen rows (the runner's figures of a
 * step). Spark reads the file as it reads its own: strings, doubles, longs, ints, booleans and
 * timestamps (microseconds, UTC), every column optional, and the Spark schema in the footer as
 * Spark writes it ({@link ParquetSchemas} reads it back without a job).
 */
public final class DriverParquet {
  private DriverParquet() {}

  /**
   * Writes rows (of schema) to file, replacing it; timestamps as INT96 (Spark's default {@code
   * spark.sql.parquet.outputTimestampType}, so a table written partly by Spark keeps one type) or
   * as microseconds.
   */
  public static void write(
      Configuration conf, Path file, StructType schema, List<Row> rows, boolean int96Timestamps)
      throws IOException {
    MessageType message = messageType(schema, int96Timestamps);
    SimpleGroupFactory groups = new SimpleGroupFactory(message);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(file)
            .withConf(conf)
            .withType(message)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            // Spark's own key: its readers take the schema from here without a job of their own.
            .withExtraMetaData(java.util.Map.of(ParquetSchemas.SPARK_SCHEMA_KEY, schema.json()))
            .build()) {
      for (Row row : rows) {
        Group g = groups.newGroup();
        StructField[] fields = schema.fields();
        for (int i = 0; i < fields.length; i++) {
          if (!row.isNullAt(i)) {
            append(g, fields[i], row.get(i), int96Timestamps);
          }
        }
        writer.write(g);
      }
    }
  }

  /** The Spark types {@link #write} writes. */
  private static final java.util.Set<DataType> WRITTEN_TYPES =
      java.util.Set.of(
          DataTypes.StringType,
          DataTypes.DoubleType,
          DataTypes.LongType,
          DataTypes.IntegerType,
          DataTypes.BooleanType,
          DataTypes.TimestampType);

  /** Whether {@link #write} can write every column of schema. */
  public static boolean writable(StructType schema) {
    return java.util.Arrays.stream(schema.fields())
        .allMatch(f -> WRITTEN_TYPES.contains(f.dataType()));
  }

  static MessageType messageType(StructType schema, boolean int96Timestamps) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (StructField f : schema.fields()) {
      b.addField(type(f, int96Timestamps));
    }
    return b.named("spark_schema");
  }

  private static Type type(StructField f, boolean int96Timestamps) {
    DataType t = f.dataType();
    if (t.equals(DataTypes.StringType)) {
      return Types.optional(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named(f.name());
    }
    if (t.equals(DataTypes.DoubleType)) {
      return Types.optional(PrimitiveTypeName.DOUBLE).named(f.name());
    }
    if (t.equals(DataTypes.LongType)) {
      return Types.optional(PrimitiveTypeName.INT64).named(f.name());
    }
    if (t.equals(DataTypes.IntegerType)) {
      return Types.optional(PrimitiveTypeName.INT32).named(f.name());
    }
    if (t.equals(DataTypes.BooleanType)) {
      return Types.optional(PrimitiveTypeName.BOOLEAN).named(f.name());
    }
    if (t.equals(DataTypes.TimestampType) && int96Timestamps) {
      return Types.optional(PrimitiveTypeName.INT96).named(f.name());
    }
    if (t.equals(DataTypes.TimestampType)) {
      return Types.optional(PrimitiveTypeName.INT64)
          .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
          .named(f.name());
    }
    throw new IllegalArgumentException(
        "Cannot write column '" + f.name() + "' from the driver: type " + t.simpleString());
  }

  private static void append(Group g, StructField f, Object v, boolean int96Timestamps) {
    DataType t = f.dataType();
    String n = f.name();
    if (t.equals(DataTypes.StringType)) {
      g.append(n, (String) v);
    } else if (t.equals(DataTypes.DoubleType)) {
      g.append(n, ((Number) v).doubleValue());
    } else if (t.equals(DataTypes.LongType)) {
      g.append(n, ((Number) v).longValue());
    } else if (t.equals(DataTypes.IntegerType)) {
      g.append(n, ((Number) v).intValue());
    } else if (t.equals(DataTypes.BooleanType)) {
      g.append(n, (Boolean) v);
    } else {
      java.sql.Timestamp ts = (java.sql.Timestamp) v;
      // Whole seconds from getTime, the fraction from getNanos (getTime's millis include it).
      long micros = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000L + ts.getNanos() / 1000;
      if (int96Timestamps) {
        g.append(n, int96(micros));
      } else {
        g.append(n, micros);
      }
    }
  }

  /** The rows of a small table read on the driver, with the Spark schema of its files. */
  public record Table(StructType schema, List<Row> rows) {}

  /**
   * The rows of the Parquet files in dir, read by the driver with parquet-hadoop's reader, or empty
   * when the driver should leave it to Spark: more than maxBytes of files, no data file, a file
   * without Spark's schema in its footer, files of different schemas, a column of a type not
   * converted here (decimals, INT96 timestamps, nested types), or sub-folders other than one level
   * of {@code column=value} whose values Spark would read as strings (then the column is added
   * last, as Spark adds a partition column).
   */
  public static Optional<Table> read(Configuration conf, Path dir, long maxBytes)
      throws IOException {
    FileSystem fs = dir.getFileSystem(conf);
    if (!fs.exists(dir)) {
      return Optional.empty();
    }
    List<FileStatus> files = new ArrayList<>();
    List<String> values = new ArrayList<>(); // each file's sub-partition value, if any
    String partitionColumn = null;
    for (FileStatus f : fs.listStatus(dir)) {
      String name = f.getPath().getName();
      if (skipped(name)) {
        continue;
      }
      if (!f.isDirectory()) {
        if (partitionColumn != null || !name.endsWith(".parquet")) {
          return Optional.empty();
        }
        files.add(f);
        values.add(null);
        continue;
      }
      int eq = name.indexOf('=');
      String column = eq > 0 ? name.substring(0, eq) : null;
      String value = eq > 0 ? name.substring(eq + 1) : null;
      if (column == null
          || !readAsString(value)
          || (partitionColumn != null && !partitionColumn.equals(column))
          || (partitionColumn == null && !files.isEmpty())) {
        return Optional.empty();
      }
      partitionColumn = column;
      for (FileStatus inner : fs.listStatus(f.getPath())) {
        String innerName = inner.getPath().getName();
        if (skipped(innerName)) {
          continue;
        }
        if (inner.isDirectory() || !innerName.endsWith(".parquet")) {
          return Optional.empty();
        }
        files.add(inner);
        values.add(value);
      }
    }
    long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
    if (files.isEmpty() || bytes > maxBytes) {
      return Optional.empty();
    }
    StructType schema = null;
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      FileStatus f = files.get(i);
      MessageType message;
      StructType fileSchema;
      try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
        String json =
            footer
                .getFooter()
                .getFileMetaData()
                .getKeyValueMetaData()
                .get(ParquetSchemas.SPARK_SCHEMA_KEY);
        if (json == null || !(DataType.fromJson(json) instanceof StructType s)) {
          return Optional.empty();
        }
        fileSchema = s;
        message = footer.getFooter().getFileMetaData().getSchema();
      }
      if (schema == null) {
        schema = fileSchema;
      } else if (!schema.equals(fileSchema)) {
        return Optional.empty();
      }
      if (!readable(fileSchema, message)
          || (partitionColumn != null && fileSchema.getFieldIndex(partitionColumn).isDefined())) {
        return Optional.empty();
      }
      try (ParquetReader<Group> reader =
          ParquetReader.builder(new GroupReadSupport(), f.getPath()).withConf(conf).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          rows.add(row(fileSchema, g, partitionColumn == null ? null : values.get(i)));
        }
      }
    }
    if (partitionColumn != null) {
      schema = schema.add(partitionColumn, DataTypes.StringType, true);
    }
    return Optional.of(new Table(schema, rows));
  }

  /** Spark skips files and folders whose name starts with _ or . (markers, staging). */
  private static boolean skipped(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  /**
   * A partition value Spark's inference reads as a string: a word (no number, date or boolean can
   * be one) that needs no escaping in a folder name.
   */
  private static boolean readAsString(String value) {
    return value.matches("[A-Za-z][A-Za-z0-9_]*")
        && !value.equalsIgnoreCase("true")
        && !value.equalsIgnoreCase("false")
        && !value.equalsIgnoreCase("null")
        && !value.equals("NaN")
        && !value.equals("Infinity");
  }

  /** Every column a flat optional or required primitive of the physical type Spark writes. */
  private static boolean readable(StructType schema, MessageType message) {
    for (StructField f : schema.fields()) {
      if (!message.containsField(f.name())) {
        return false;
      }
      Type t = message.getType(f.name());
      if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
        return false;
      }
      if (!stored(
          f.dataType(), t.asPrimitiveType().getPrimitiveTypeName(), t.getLogicalTypeAnnotation())) {
        return false;
      }
    }
    return true;
  }

  /** Whether a column of Spark type d is stored as Spark writes it (and {@link #row} converts). */
  private static boolean stored(DataType d, PrimitiveTypeName p, LogicalTypeAnnotation a) {
    if (d.equals(DataTypes.StringType)) {
      return p == PrimitiveTypeName.BINARY;
    }
    if (d.equals(DataTypes.DoubleType)) {
      return p == PrimitiveTypeName.DOUBLE;
    }
    if (d.equals(DataTypes.LongType)) {
      return p == PrimitiveTypeName.INT64 && a == null;
    }
    if (d.equals(DataTypes.IntegerType)) {
      return p == PrimitiveTypeName.INT32 && a == null;
    }
    if (d.equals(DataTypes.BooleanType)) {
      return p == PrimitiveTypeName.BOOLEAN;
    }
    if (d.equals(DataTypes.DateType)) {
      return p == PrimitiveTypeName.INT32
          && a instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation;
    }
    if (d.equals(DataTypes.TimestampType)) {
      return p == PrimitiveTypeName.INT96
          || (p == PrimitiveTypeName.INT64
              && a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
              && ts.getUnit() == LogicalTypeAnnotation.TimeUnit.MICROS);
    }
    return false;
  }

  /** One record as Spark returns it: java.sql.Date and java.sql.Timestamp, null when absent. */
  private static Row row(StructType schema, Group g, String partitionValue) {
    StructField[] fields = schema.fields();
    Object[] values = new Object[fields.length + (partitionValue == null ? 0 : 1)];
    if (partitionValue != null) {
      values[fields.length] = partitionValue;
    }
    for (int i = 0; i < fields.length; i++) {
      String n = fields[i].name();
      if (g.getFieldRepetitionCount(n) == 0) {
        continue;
      }
      DataType t = fields[i].dataType();
      if (t.equals(DataTypes.StringType)) {
        values[i] = g.getString(n, 0);
      } else if (t.equals(DataTypes.DoubleType)) {
        values[i] = g.getDouble(n, 0);
      } else if (t.equals(DataTypes.LongType)) {
        values[i] = g.getLong(n, 0);
      } else if (t.equals(DataTypes.IntegerType)) {
        values[i] = g.getInteger(n, 0);
      } else if (t.equals(DataTypes.BooleanType)) {
        values[i] = g.getBoolean(n, 0);
      } else if (t.equals(DataTypes.DateType)) {
        values[i] = java.sql.Date.valueOf(java.time.LocalDate.ofEpochDay(g.getInteger(n, 0)));
      } else {
        long micros =
            g.getType().getType(n).asPrimitiveType().getPrimitiveTypeName()
                    == PrimitiveTypeName.INT96
                ? microsOfInt96(g.getInt96(n, 0))
                : g.getLong(n, 0);
        java.sql.Timestamp ts =
            new java.sql.Timestamp(Math.floorDiv(micros, 1000L)); // millis, then the fraction
        ts.setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000);
        values[i] = ts;
      }
    }
    return RowFactory.create(values);
  }

  /** Julian day number of 1970-01-01, the epoch of INT96 timestamps' day part. */
  private static final long JULIAN_DAY_OF_EPOCH = 2_440_588L;

  private static final long MICROS_PER_DAY = 86_400_000_000L;

  /** INT96 as Spark writes it: nanoseconds of the day, then the Julian day, little-endian. */
  static org.apache.parquet.io.api.Binary int96(long micros) {
    long day = Math.floorDiv(micros, MICROS_PER_DAY);
    long nanosOfDay = Math.floorMod(micros, MICROS_PER_DAY) * 1000L;
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(nanosOfDay).putInt((int) (day + JULIAN_DAY_OF_EPOCH));
    return org.apache.parquet.io.api.Binary.fromConstantByteArray(b.array());
  }

  static long microsOfInt96(org.apache.parquet.io.api.Binary int96) {
    java.nio.ByteBuffer b = int96.toByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = b.getLong();
    long day = b.getInt() - JULIAN_DAY_OF_EPOCH;
    return day * MICROS_PER_DAY + nanosOfDay / 1000L;
  }
}
