package com.customerpath.common.io;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.S3Settings.Committer;
import com.customerpath.common.config.S3Settings.ConflictMode;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The output tables: Parquet under {@code <root>/<table>/dt=YYYY-MM-DD/}. A write replaces exactly
 * one date's partition and publishes it whole: staged and renamed into place on local and HDFS
 * paths, through the S3A committers on s3a:// (see {@link #writeMode()}). On s3a:// the S3A
 * committer configured in {@code customerpath.s3} publishes the files instead (see {@link
 * #writeMode()}).
 */
public final class Tables {
  public static final String DT = "dt";

  private final SparkSession spark;
  private final String root;

  /**
   * Reads kept in memory for the rest of a run ({@link #keepReads}): every step of a night scans
   * the same curated transactions and events, and each fresh read lists and opens every event-date
   * file (about 2 s a scan on the sample, scanned 12 times a night).
   */
  private final java.util.Map<String, Dataset<Row>> kept =
      new java.util.concurrent.ConcurrentHashMap<>();

  private volatile boolean keeping;

  public Tables(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  public String root() {
    return root;
  }

  public SparkSession spark() {
    return spark;
  }

  public String path(String table) {
    return root + "/" + table;
  }

  /**
   * From now on {@link #kept} keeps what it reads until {@link #releaseKeptReads}; a run turns it
   * on for its steps (JobRunner.runAll), so a step run alone (a test) caches nothing.
   */
  public void keepReads() {
    keeping = true;
  }

  /**
   * The rows of a read of a table, cached (memory, spilling to disk) and shared by the steps of the
   * run while reads are kept; a write to the table drops them. {@code key} tells reads of the same
   * table apart (e.g. the run date).
   */
  public Dataset<Row> kept(
      String table, String key, java.util.function.Supplier<Dataset<Row>> read) {
    if (!keeping) {
      return read.get();
    }
    return kept.computeIfAbsent(
        table + "@" + key,
        k -> read.get().persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()));
  }

  /** Drops the kept reads of a table (it is being written). */
  private void releaseKeptReads(String table) {
    release(k -> k.startsWith(table + "@"));
  }

  /** Drops every kept read and stops keeping them (the run is over). */
  public void releaseKeptReads() {
    keeping = false;
    release(k -> true);
  }

  private void release(java.util.function.Predicate<String> which) {
    kept.entrySet()
        .removeIf(
            e -> {
              if (!which.test(e.getKey())) {
                return false;
              }
              e.getValue().unpersist();
              return true;
            });
  }

  /**
   * Replaces partition dt=date of a table with the given rows; returns the rows written, counted
   * while writing (the write tasks' records written, {@link WriteCounter}), not by reading the
   * partition back.
   */
  public long write(
      String table, LocalDate date, Dataset<Row> rows, String... extraPartitionColumns) {
    if (extraPartitionColumns.length == 0
        && DriverParquet.writable(rows.schema())
        && com.customerpath.common.spark.LocalRows.local(rows)) {
      // A few rows built on the driver (personas, lineage, funnel): written by it, no Spark job.
      return writeFromDriver(table, date, rows.schema(), rows.collectAsList());
    }
    releaseKeptReads(table);
    return WriteCounter.counting(
            spark.sparkContext(),
            table + " dt=" + date,
            () -> {
              writePartition(table, date, rows, extraPartitionColumns);
              return null;
            })
        .rows();
  }

  private void writePartition(
      String table, LocalDate date, Dataset<Row> rows, String... extraPartitionColumns) {
    List<String> partitionBy = new ArrayList<>();
    partitionBy.add(DT);
    partitionBy.addAll(List.of(extraPartitionColumns));
    spark.sparkContext().setJobDescription("write " + table + " dt=" + date);
    WriteMode mode = writeMode();
    if (mode == WriteMode.STAGED_RENAME) {
      publishByRename(table, date, rows, extraPartitionColumns);
      spark.sparkContext().setJobDescription(null);
      return;
    }
    // S3: the partition's files before the write. Every write publishes new file names (a fresh
    // job id), so an unchanged listing afterwards means no rows were written.
    java.util.Set<String> before = files(partitionPath(table, date));
    Dataset<Row> withDt = rows.withColumn(DT, functions.lit(date.toString()));
    switch (mode) {
      // S3A "partitioned" staging committer with conflict-mode=replace: the committer itself
      // replaces every partition the job writes, at job commit. Spark's dynamic overwrite is
      // not supported by the S3A committers, so the write is an append of the partition(s).
      case COMMITTER_REPLACE ->
          withDt
              .write()
              .mode(SaveMode.Append)
              .partitionBy(partitionBy.toArray(String[]::new))
              .parquet(path(table));
      // Other S3A committers (directory, magic): a static overwrite of the partition directory
      // (of each dt=D/<extra>=V directory when there are extra partition columns: small tables).
      case PARTITION_PATH -> {
        if (extraPartitionColumns.length == 0) {
          rows.write().mode(SaveMode.Overwrite).parquet(partitionPath(table, date));
        } else {
          org.apache.spark.sql.Column[] extra =
              java.util.Arrays.stream(extraPartitionColumns)
                  .map(functions::col)
                  .toArray(org.apache.spark.sql.Column[]::new);
          for (Row values : rows.select(extra).distinct().collectAsList()) {
            StringBuilder dir = new StringBuilder(partitionPath(table, date));
            org.apache.spark.sql.Column match = functions.lit(true);
            for (int i = 0; i < extraPartitionColumns.length; i++) {
              dir.append('/').append(extraPartitionColumns[i]).append('=').append(values.get(i));
              match =
                  match.and(
                      functions
                          .col(extraPartitionColumns[i])
                          .eqNullSafe(functions.lit(values.get(i))));
            }
            rows.where(match)
                .drop(extraPartitionColumns)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(dir.toString());
          }
        }
      }
      default ->
          throw new IllegalStateException(
              "Cannot write table " + table + ": unexpected write mode " + mode);
    }
    if (extraPartitionColumns.length == 0 && files(partitionPath(table, date)).equals(before)) {
      // No rows: the committer wrote nothing and would leave an earlier run's partition in
      // place. Publish an empty partition (schema only) instead.
      rows.limit(0).write().mode(SaveMode.Overwrite).parquet(partitionPath(table, date));
    }
    spark.sparkContext().setJobDescription(null);
  }

  /**
   * Replaces partition {@code dt=date/<column>=<value>} of a small table with rows held on the
   * driver, written by the driver itself as one Parquet file ({@link DriverParquet}): no Spark job
   * for the runner's figures of a step. Staged and renamed where renames are atomic (local, HDFS);
   * on s3a:// the old files are deleted and the file written into place (one object, visible whole
   * once closed). Returns the rows written.
   */
  public long writeFromDriver(
      String table,
      LocalDate date,
      String column,
      String value,
      org.apache.spark.sql.types.StructType schema,
      List<Row> rows) {
    return writeFromDriver(
        table, new Path(partitionPath(table, date), column + "=" + value), date, schema, rows);
  }

  /** As above for a table without a sub-partition: replaces partition {@code dt=date}. */
  public long writeFromDriver(
      String table, LocalDate date, org.apache.spark.sql.types.StructType schema, List<Row> rows) {
    return writeFromDriver(table, new Path(partitionPath(table, date)), date, schema, rows);
  }

  private long writeFromDriver(
      String table,
      Path target,
      LocalDate date,
      org.apache.spark.sql.types.StructType schema,
      List<Row> rows) {
    releaseKeptReads(table);
    // Timestamps as Spark itself would write them in this session.
    boolean int96 =
        "INT96"
            .equalsIgnoreCase(spark.conf().get("spark.sql.parquet.outputTimestampType", "INT96"));
    String file = "part-00000-" + java.util.UUID.randomUUID() + ".snappy.parquet";
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      FileSystem fs = fs(target);
      if (writeMode() == WriteMode.STAGED_RENAME) {
        Path staged =
            new Path(
                path(table) + "/_staging/" + DT + "=" + date + "-" + java.util.UUID.randomUUID());
        DriverParquet.write(conf, new Path(staged, file), schema, rows, int96);
        swap(fs, staged, target);
      } else {
        if (fs.exists(target) && !fs.delete(target, true)) {
          throw new IOException("cannot delete the previous partition " + target);
        }
        DriverParquet.write(conf, new Path(target, file), schema, rows, int96);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot write table " + table + " partition " + target + ": " + e.getMessage(), e);
    }
    return rows.size();
  }

  /**
   * Local and HDFS: the rows are written whole to {@code <table>/_staging/...}, then the finished
   * directory replaces {@code dt=D} by a rename (atomic on HDFS and local file systems), so a
   * reader sees the old partition or the new one. Unlike Spark's dynamic partition overwrite this
   * does not depend on session settings, and an empty result publishes an empty partition. Readers
   * skip {@code _staging}, as they skip every name starting with '_'.
   */
  private void publishByRename(
      String table, LocalDate date, Dataset<Row> rows, String... extraPartitionColumns) {
    String staging =
        path(table) + "/_staging/" + DT + "=" + date + "-" + java.util.UUID.randomUUID();
    if (extraPartitionColumns.length == 0) {
      rows.write().mode(SaveMode.Overwrite).parquet(staging);
    } else {
      rows.write().mode(SaveMode.Overwrite).partitionBy(extraPartitionColumns).parquet(staging);
    }
    Path staged = new Path(staging);
    Path target = new Path(partitionPath(table, date));
    try {
      FileSystem fs = fs(target);
      if (extraPartitionColumns.length == 0) {
        swap(fs, staged, target);
      } else { // replace only the sub-partitions written, e.g. _run_steps/dt=D/step=ingest
        for (FileStatus sub : fs.listStatus(staged)) {
          if (sub.isDirectory() && sub.getPath().getName().contains("=")) {
            swap(fs, sub.getPath(), new Path(target, sub.getPath().getName()));
          }
        }
        fs.delete(staged, true);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot publish table "
              + table
              + " partition dt="
              + date
              + " from "
              + staging
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Publishes a copy of partition dt=from's data files as partition dt=to, replacing it (side
   * files, whose names start with '_' or '.', are not copied): a snapshot whose input did not
   * change since an earlier night is carried over without reading it again and without a Spark job.
   * Staged and renamed where renames are atomic (local, HDFS); on s3a:// the old files are deleted
   * and the copies written into place. Returns the data files copied.
   */
  public int copyPartition(String table, LocalDate from, LocalDate to) {
    releaseKeptReads(table);
    Path source = new Path(partitionPath(table, from));
    Path target = new Path(partitionPath(table, to));
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      FileSystem fs = fs(target);
      List<Path> dataFiles = new ArrayList<>();
      for (FileStatus f : fs.listStatus(source)) {
        String name = f.getPath().getName();
        if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          dataFiles.add(f.getPath());
        }
      }
      boolean staged = writeMode() == WriteMode.STAGED_RENAME;
      Path into =
          staged
              ? new Path(
                  path(table) + "/_staging/" + DT + "=" + to + "-" + java.util.UUID.randomUUID())
              : target;
      if (!staged && fs.exists(target) && !fs.delete(target, true)) {
        throw new IOException("cannot delete the previous partition " + target);
      }
      fs.mkdirs(into);
      for (Path f : dataFiles) {
        if (!org.apache.hadoop.fs.FileUtil.copy(
            fs, f, fs, new Path(into, f.getName()), false, conf)) {
          throw new IOException("cannot copy " + f + " to " + into);
        }
      }
      if (staged) {
        swap(fs, into, target);
      }
      return dataFiles.size();
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot copy table "
              + table
              + " partition dt="
              + from
              + " to dt="
              + to
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Writes rows as Parquet files at a path of the step's own (a scratch copy, not a table's
   * partition) and returns the rows written, counted while writing: no job reads them back.
   */
  public long writeScratch(Dataset<Row> rows, String path) {
    return WriteCounter.counting(
            spark.sparkContext(),
            "scratch " + path,
            () -> {
              rows.write().parquet(path);
              return null;
            })
        .rows();
  }

  private static void swap(FileSystem fs, Path staged, Path target) throws IOException {
    fs.delete(new Path(staged, "_SUCCESS"), false);
    if (fs.exists(target) && !fs.delete(target, true)) {
      throw new IOException("cannot delete the previous partition " + target);
    }
    fs.mkdirs(target.getParent());
    if (!fs.rename(staged, target)) {
      throw new IOException("cannot rename " + staged + " to " + target);
    }
  }

  enum WriteMode {
    STAGED_RENAME,
    COMMITTER_REPLACE,
    PARTITION_PATH
  }

  /**
   * How a partition is replaced: staged and renamed into place on file systems with an atomic
   * rename (local, HDFS); on s3a:// with an S3A committer (see SparkSessions.s3Conf) the committer
   * publishes the files, so the partition is replaced by the committer or by a static overwrite of
   * the partition directory.
   */
  WriteMode writeMode() {
    if (!root.startsWith("s3a://")) {
      return WriteMode.STAGED_RENAME;
    }
    String protocol = spark.conf().get("spark.sql.sources.commitProtocolClass", "");
    if (!protocol.endsWith("PathOutputCommitProtocol")) {
      return WriteMode.STAGED_RENAME; // classic rename committer ("file"): slow but correct
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    // Spelt in the Hadoop configuration as in customerpath.s3 (SparkSessions.s3Conf sets them).
    boolean replace =
        PipelineSettings.configName(Committer.PARTITIONED).equals(conf.get("fs.s3a.committer.name"))
            && PipelineSettings.configName(ConflictMode.REPLACE)
                .equals(conf.get("fs.s3a.committer.staging.conflict-mode"));
    return replace ? WriteMode.COMMITTER_REPLACE : WriteMode.PARTITION_PATH;
  }

  /** Names and sizes of the data files directly in a directory (empty if it does not exist). */
  private java.util.Set<String> files(String dir) {
    try {
      Path p = new Path(dir);
      FileSystem fs = fs(p);
      if (!fs.exists(p)) {
        return java.util.Set.of();
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      for (FileStatus f : fs.listStatus(p)) {
        String name = f.getPath().getName();
        if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          names.add(name + ":" + f.getLen() + ":" + f.getModificationTime());
        }
      }
      return names;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot list partition " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the partitions {@code <column>=V} of a table for every value V present in the rows (a
   * table partitioned by another column than dt, e.g. curated facts by event_date); existing
   * partitions not written are kept, unless {@code deleteUnwritten} matches their value. Each
   * partition is published whole, as {@link #write} does: staged and renamed on local and HDFS
   * paths, through the S3A committer on s3a://. Returns the values written, sorted, and the rows of
   * their partitions, counted while writing ({@link WriteCounter}).
   *
   * <p>With {@code clustered}, the caller guarantees that all rows of a value are in one partition
   * of {@code rows} (hash-partitioned by it upstream): they are written as they are, one file per
   * value, without the shuffle that otherwise puts them together.
   */
  public Replaced replacePartitions(
      String table,
      String column,
      Dataset<Row> rows,
      java.util.function.Predicate<String> deleteUnwritten,
      boolean clustered) {
    releaseKeptReads(table);
    WriteCounter.Counted<List<String>> published =
        WriteCounter.counting(
            spark.sparkContext(),
            table + " by " + column,
            () -> publishByValue(table, column, rows, deleteUnwritten, clustered));
    return new Replaced(published.result(), published.rows());
  }

  /** As above, for rows in any layout. */
  public Replaced replacePartitions(
      String table,
      String column,
      Dataset<Row> rows,
      java.util.function.Predicate<String> deleteUnwritten) {
    return replacePartitions(table, column, rows, deleteUnwritten, false);
  }

  private List<String> publishByValue(
      String table,
      String column,
      Dataset<Row> rows,
      java.util.function.Predicate<String> deleteUnwritten,
      boolean clustered) {
    spark.sparkContext().setJobDescription("write " + table + " by " + column);
    Dataset<Row> byValue = clustered ? rows : onePartitionPerValue(rows, column);
    List<String> before = partitionValues(table, column);
    List<String> written = new ArrayList<>();
    try {
      WriteMode mode = writeMode();
      if (mode == WriteMode.STAGED_RENAME) {
        String staging = path(table) + "/_staging/" + column + "-" + java.util.UUID.randomUUID();
        byValue.write().mode(SaveMode.Overwrite).partitionBy(column).parquet(staging);
        Path staged = new Path(staging);
        FileSystem fs = fs(staged);
        for (FileStatus sub : fs.listStatus(staged)) {
          String name = sub.getPath().getName();
          if (sub.isDirectory() && name.startsWith(column + "=")) {
            swap(fs, sub.getPath(), new Path(path(table), name));
            written.add(name.substring(column.length() + 1));
          }
        }
        fs.delete(staged, true);
      } else {
        // Directory / magic committer: a static overwrite per partition. The rows may come from
        // the partitions being replaced (a merge), so they are materialized first.
        Dataset<Row> fixed = rows.localCheckpoint();
        for (Row v : fixed.select(column).distinct().collectAsList()) {
          written.add(String.valueOf(v.get(0)));
        }
        if (mode == WriteMode.COMMITTER_REPLACE) {
          // The partitioned committer with conflict-mode=replace replaces each partition written.
          (clustered ? fixed : onePartitionPerValue(fixed, column))
              .write()
              .mode(SaveMode.Append)
              .partitionBy(column)
              .parquet(path(table));
        } else {
          for (String value : written) {
            fixed
                .where(functions.col(column).equalTo(value))
                .drop(column)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(path(table) + "/" + column + "=" + value);
          }
        }
      }
      for (String value : before) {
        if (!written.contains(value) && deleteUnwritten.test(value)) {
          Path p = new Path(path(table), column + "=" + value);
          fs(p).delete(p, true);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot publish table " + table + " partitions by " + column + ": " + e.getMessage(), e);
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
    return written.stream().sorted().toList();
  }

  /** What {@link #replacePartitions} published: the partition values written and their rows. */
  public record Replaced(List<String> values, long rows) {}

  /**
   * The rows hashed by the partition column: one file per partition value, no small files from the
   * input's splits. The number of tasks is given so that adaptive execution cannot coalesce a small
   * night (a year of dates in a few MB) into one task that writes every date's file in turn.
   */
  private Dataset<Row> onePartitionPerValue(Dataset<Row> rows, String column) {
    int tasks = Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
    return rows.repartition(tasks, functions.col(column));
  }

  /**
   * The values V of the partitions {@code <column>=V} of a table, sorted (empty if there is none).
   */
  public List<String> partitionValues(String table, String column) {
    Path tablePath = new Path(path(table));
    try {
      FileSystem fs = fs(tablePath);
      if (!fs.exists(tablePath)) {
        return List.of();
      }
      return java.util.Arrays.stream(fs.listStatus(tablePath))
          .filter(FileStatus::isDirectory)
          .map(s -> s.getPath().getName())
          .filter(n -> n.startsWith(column + "="))
          .map(n -> n.substring(column.length() + 1))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot list partitions of table " + table + ": " + e.getMessage(), e);
    }
  }

  /** Largest partition {@link #readSmall} reads on the driver. */
  static final long SMALL_TABLE_BYTES = 4L << 20;

  /**
   * The rows of partition dt=date of a table that holds a few rows by design (one per persona,
   * stage or run), read by the driver into a local relation when it can ({@link
   * DriverParquet#read}): no Spark job reads it, and filters and collects on it run on the driver.
   * Otherwise, and for anything larger than a few MB, as {@link #read}.
   */
  public Dataset<Row> readSmall(String table, LocalDate date) {
    try {
      Optional<DriverParquet.Table> small =
          DriverParquet.read(
              spark.sparkContext().hadoopConfiguration(),
              new Path(partitionPath(table, date)),
              SMALL_TABLE_BYTES);
      if (small.isPresent()) {
        return spark.createDataFrame(small.get().rows(), small.get().schema());
      }
    } catch (IOException | RuntimeException e) {
      // Spark's read below reads it, or reports what is wrong with it.
    }
    return read(table, date);
  }

  /** The rows of partition dt=date, without the dt column. */
  public Dataset<Row> read(String table, LocalDate date) {
    String partition = partitionPath(table, date);
    return ParquetSchemas.reader(spark, partition)
        .option("basePath", path(table))
        .parquet(partition)
        .drop(DT);
  }

  public String partitionPath(String table, LocalDate date) {
    return path(table) + "/" + DT + "=" + date;
  }

  public boolean exists(String table, LocalDate date) {
    try {
      Path p = new Path(partitionPath(table, date));
      return fs(p).exists(p);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot check table " + table + " partition dt=" + date + ": " + e.getMessage(), e);
    }
  }

  /**
   * The given date if its partition is published, else the newest published before it: what a night
   * (or a re-run of it) reads of a table written by an earlier night, such as a kept model.
   */
  public Optional<LocalDate> latestOnOrBefore(String table, LocalDate date) {
    return exists(table, date) ? Optional.of(date) : latestBefore(table, date);
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
      throw new IllegalStateException(
          "Cannot list partitions of table " + table + ": " + e.getMessage(), e);
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
