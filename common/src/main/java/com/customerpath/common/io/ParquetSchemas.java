package com.customerpath.common.io;

import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * Reads Parquet written by Spark without a Spark job for the schema. Without a schema, every {@code
 * spark.read().parquet(path)} launches a job that reads a file footer on an executor (Spark's
 * schema inference); a night reads its tables about 40 times. Spark stores the table's schema in
 * each file's footer (key {@value #SPARK_SCHEMA_KEY}), so the driver reads one footer and passes
 * the schema; the rows read are the same (without mergeSchema Spark also takes one file's schema).
 */
public final class ParquetSchemas {
  static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

  private ParquetSchemas() {}

  /**
   * A reader for the Parquet under path with the schema of its first data file, or a plain reader
   * when there is none or it was not written by Spark.
   */
  public static DataFrameReader reader(SparkSession spark, String path) {
    DataFrameReader reader = spark.read();
    return schemaOf(spark.sparkContext().hadoopConfiguration(), new Path(path))
        .map(reader::schema)
        .orElse(reader);
  }

  /** The Spark schema stored in the first data file under path (searched recursively). */
  static Optional<StructType> schemaOf(Configuration conf, Path path) {
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      Path root = fs.makeQualified(path);
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
      while (files.hasNext()) {
        LocatedFileStatus file = files.next();
        if (!isDataFile(root, file.getPath())) {
          continue;
        }
        try (ParquetFileReader reader =
            ParquetFileReader.open(HadoopInputFile.fromStatus(file, conf))) {
          String json =
              reader.getFooter().getFileMetaData().getKeyValueMetaData().get(SPARK_SCHEMA_KEY);
          if (json == null) {
            return Optional.empty();
          }
          DataType type = DataType.fromJson(json);
          return type instanceof StructType s ? Optional.of(s) : Optional.empty();
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // Spark's own inference then reads it (and reports any problem)
    }
  }

  /** Spark ignores files and folders whose name starts with _ or . (markers, staging). */
  private static boolean isDataFile(Path root, Path file) {
    for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
      String name = p.getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        return false;
      }
    }
    return file.getName().endsWith(".parquet");
  }
}
