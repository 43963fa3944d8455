package com.customerpath.common.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The output tables: Parquet under {@code <root>/<table>/dt=YYYY-MM-DD/}. A write replaces
 * exactly one date's partition through Spark's dynamic partition overwrite, whose commit
 * protocol stages the files and moves the finished partition in at job commit, so readers see
 * the old partition or the new one, never half of it.
 */
public final class Tables {
  public static final String DT = "dt";

  private final SparkSession spark;
  private final String root;

  public Tables(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  public String root() {
    return root;
  }

  public String path(String table) {
    return root + "/" + table;
  }

  /** Replaces partition dt=date of a table with the given rows; returns the rows written. */
  public long write(String table, LocalDate date, Dataset<Row> rows, String... extraPartitionColumns) {
    List<String> partitionBy = new ArrayList<>();
    partitionBy.add(DT);
    partitionBy.addAll(List.of(extraPartitionColumns));
    spark.sparkContext().setJobDescription("write " + table + " dt=" + date);
    long started = System.currentTimeMillis() - 2_000; // tolerate coarse file-system timestamps
    rows.withColumn(DT, functions.lit(date.toString()))
        .write()
        .mode(SaveMode.Overwrite)
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(partitionBy.toArray(String[]::new))
        .parquet(path(table));
    if (extraPartitionColumns.length == 0 && !writtenSince(partitionPath(table, date), started)) {
      // No rows: dynamic overwrite wrote nothing and would leave an earlier run's partition in
      // place. Publish an empty partition (schema only) instead.
      rows.limit(0).write().mode(SaveMode.Overwrite).parquet(partitionPath(table, date));
    }
    spark.sparkContext().setJobDescription(null);
    return read(table, date).count();
  }

  private boolean writtenSince(String partition, long millis) {
    try {
      Path p = new Path(partition);
      FileSystem fs = fs(p);
      if (!fs.exists(p)) {
        return false;
      }
      for (FileStatus f : fs.listStatus(p)) {
        if (f.isFile() && f.getModificationTime() >= millis) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot check partition " + partition + ": " + e.getMessage(), e);
    }
  }

  /** The rows of partition dt=date, without the dt column. */
  public Dataset<Row> read(String table, LocalDate date) {
    return spark.read().option("basePath", path(table)).parquet(partitionPath(table, date)).drop(DT);
  }

  public String partitionPath(String table, LocalDate date) {
    return path(table) + "/" + DT + "=" + date;
  }

  public boolean exists(String table, LocalDate date) {
    try {
      Path p = new Path(partitionPath(table, date));
      return fs(p).exists(p);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot check table " + table + " partition dt=" + date + ": " + e.getMessage(), e);
    }
  }

  /** The newest published partition date before the given date, if any. */
  public Optional<LocalDate> latestBefore(String table, LocalDate date) {
    Path tablePath = new Path(path(table));
    try {
      FileSystem fs = fs(tablePath);
      if (!fs.exists(tablePath)) {
        return Optional.empty();
      }
      return java.util.Arrays.stream(fs.listStatus(tablePath))
          .filter(FileStatus::isDirectory)
          .map(s -> s.getPath().getName())
          .filter(n -> n.startsWith(DT + "="))
          .map(n -> parseDate(n.substring(DT.length() + 1)))
          .flatMap(Optional::stream)
          .filter(d -> d.isBefore(date))
          .max(Comparator.naturalOrder());
    } catch (IOException e) {
      throw new IllegalStateException("Cannot list partitions of table " + table + ": " + e.getMessage(), e);
    }
  }

  private static Optional<LocalDate> parseDate(String s) {
    try {
      return Optional.of(LocalDate.parse(s));
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private FileSystem fs(Path p) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    return p.getFileSystem(conf);
  }
}
