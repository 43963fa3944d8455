package com.customerpath.common.io;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
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

  /** Writes rows (of schema) to file, replacing it. */
  public static void write(Configuration conf, Path file, StructType schema, List<Row> rows)
      throws IOException {
    MessageType message = messageType(schema);
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
            append(g, fields[i], row.get(i));
          }
        }
        writer.write(g);
      }
    }
  }

  static MessageType messageType(StructType schema) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (StructField f : schema.fields()) {
      b.addField(type(f));
    }
    return b.named("spark_schema");
  }

  private static Type type(StructField f) {
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
    if (t.equals(DataTypes.TimestampType)) {
      return Types.optional(PrimitiveTypeName.INT64)
          .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
          .named(f.name());
    }
    throw new IllegalArgumentException(
        "Cannot write column '" + f.name() + "' from the driver: type " + t.simpleString());
  }

  private static void append(Group g, StructField f, Object v) {
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
      g.append(n, micros);
    }
  }
}
