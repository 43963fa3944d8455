package com.customerpath.common.io;

import com.customerpath.common.config.SourceSettings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * An independent count of a source's records, to compare with the rows Spark read: for CSV the
 * non-blank records, i.e. line breaks outside quoted fields, minus one header line per file
 * (counted by a byte scan, not by the CSV parser); for Parquet the row counts in the file footers.
 * Empty when the format or options do not allow one (a query over the source, a comment character,
 * another encoding or compression, sub-folders).
 */
public final class RecordCount {
  private RecordCount() {}

  /** The expected number of records, and what it was counted from (for messages). */
  public record Expected(long records, String method) {}

  public static Optional<Expected> of(SparkSession spark, SourceSettings source) {
    if (!source.tables().isEmpty() || !source.query().isBlank()) {
      return Optional.empty(); // a query may drop or add rows on purpose
    }
    try {
      return switch (source.format()) {
        case CSV -> csv(spark, source.path(), SourceReader.strictCsvOptions(source.options()));
        case PARQUET -> parquet(spark, source.path());
        default -> Optional.empty();
      };
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot count the records of source '"
              + source.name()
              + "' in "
              + source.path()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Data files of a path (file, folder or glob); empty when it has sub-folders (not counted). */
  static Optional<List<FileStatus>> dataFiles(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus[] matched = fs.globStatus(p);
    List<FileStatus> files = new ArrayList<>();
    if (matched == null) {
      return Optional.of(files);
    }
    for (FileStatus m : matched) {
      for (FileStatus f : m.isDirectory() ? fs.listStatus(m.getPath()) : new FileStatus[] {m}) {
        String name = f.getPath().getName();
        if (name.startsWith("_") || name.startsWith(".")) {
          continue; // Spark's readers skip these too (_SUCCESS, .crc)
        }
        if (f.isDirectory()) {
          return Optional.empty();
        }
        files.add(f);
      }
    }
    return Optional.of(files);
  }

  static Optional<Expected> parquet(SparkSession spark, String path) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Optional<List<FileStatus>> files = dataFiles(conf, path);
    if (files.isEmpty()) {
      return Optional.empty();
    }
    long rows = footerRowCounts(files.get(), conf);
    return Optional.of(
        new Expected(rows, "row counts in " + files.get().size() + " Parquet footer(s)"));
  }

  /** Footer readers at once: a footer is a small read, mostly latency (a GET per file on S3). */
  static final int FOOTER_READERS = 16;

  /**
   * The sum of the files' footer row counts, the footers read by up to {@link #FOOTER_READERS}
   * threads: a year of daily files is 366 footers, read one after the other they took seconds of a
   * full refresh on local disk, and far more on object stores.
   */
  static long footerRowCounts(List<FileStatus> files, Configuration conf) throws IOException {
    if (files.isEmpty()) {
      return 0;
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            Math.min(FOOTER_READERS, files.size()),
            r -> {
              Thread t = new Thread(r, "parquet-footer-count");
              t.setDaemon(true);
              return t;
            });
    try {
      List<java.util.concurrent.Future<Long>> counts = new ArrayList<>();
      for (FileStatus f : files) {
        counts.add(
            pool.submit(
                () -> {
                  try (ParquetFileReader reader =
                      ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
                    return reader.getRecordCount();
                  }
                }));
      }
      long rows = 0;
      for (java.util.concurrent.Future<Long> c : counts) {
        rows += c.get();
      }
      return rows;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while reading Parquet footers", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  static Optional<Expected> csv(SparkSession spark, String path, Map<String, String> options)
      throws IOException {
    return csv(spark, path, options, DRIVER_COUNT_MAX_BYTES);
  }

  /** As above; inputs of at most driverMaxBytes are counted by the driver. */
  static Optional<Expected> csv(
      SparkSession spark, String path, Map<String, String> options, long driverMaxBytes)
      throws IOException {
    Map<String, String> o = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    o.putAll(options);
    String encoding = o.getOrDefault("encoding", o.getOrDefault("charset", "UTF-8"));
    boolean asciiCompatible =
        encoding.equalsIgnoreCase("UTF-8")
            || encoding.equalsIgnoreCase("UTF8")
            || encoding.toUpperCase().startsWith("ISO-8859")
            || encoding.equalsIgnoreCase("US-ASCII");
    if (o.containsKey("comment")
        || o.containsKey("lineSep")
        || !asciiCompatible
        || "true".equalsIgnoreCase(o.get("recursiveFileLookup"))
        || o.containsKey("pathGlobFilter")
        || o.containsKey("modifiedBefore")
        || o.containsKey("modifiedAfter")) {
      return Optional.empty();
    }
    Optional<List<FileStatus>> files = dataFiles(spark.sparkContext().hadoopConfiguration(), path);
    if (files.isEmpty()) {
      return Optional.empty();
    }
    for (FileStatus f : files.get()) {
      String n = f.getPath().getName().toLowerCase();
      if (n.matches(".*\\.(bz2|snappy|lz4|zst|deflate|xz|zip)$")) {
        return Optional.empty();
      }
    }
    if (files.get().isEmpty()) {
      return Optional.of(new Expected(0, "no data file"));
    }
    boolean multiLine = "true".equalsIgnoreCase(o.get("multiLine"));
    char quote =
        o.getOrDefault("quote", "\"").isEmpty() ? '\0' : o.getOrDefault("quote", "\"").charAt(0);
    char escape =
        o.getOrDefault("escape", "\\").isEmpty() ? '\0' : o.getOrDefault("escape", "\\").charAt(0);
    boolean header = "true".equalsIgnoreCase(o.get("header"));
    List<String> paths = files.get().stream().map(f -> f.getPath().toString()).toList();
    long bytes = files.get().stream().mapToLong(FileStatus::getLen).sum();
    char recordQuote = multiLine ? quote : '\0';
    long records;
    if (bytes <= driverMaxBytes) {
      // A few MB: the driver streams them itself, without a Spark job.
      records = 0;
      org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
      for (FileStatus f : files.get()) {
        try (InputStream raw = f.getPath().getFileSystem(conf).open(f.getPath())) {
          records += countFile(raw, f.getPath().getName(), recordQuote, escape, header);
        } catch (IOException e) {
          // The caller names the source; this names the file.
          throw new IOException(f.getPath() + ": " + e.getMessage(), e);
        }
      }
    } else {
      // Counted on the executors, one task per file, streaming: the files may be large.
      records =
          JavaSparkContext.fromSparkContext(spark.sparkContext())
              .binaryFiles(String.join(",", paths), Math.max(1, paths.size()))
              .map(
                  file -> {
                    try (InputStream raw = file._2().open()) {
                      return countFile(raw, file._1(), recordQuote, escape, header);
                    }
                  })
              .reduce(Long::sum);
    }
    return Optional.of(
        new Expected(
            records,
            "records (line breaks outside quotes, less header lines) in "
                + paths.size()
                + " file(s)"));
  }

  /** Inputs up to this size are counted by the driver; larger ones by a Spark job. */
  static final long DRIVER_COUNT_MAX_BYTES = 32L << 20;

  /** The records of one file (gzip by its name), less its header line. */
  private static long countFile(
      InputStream raw, String name, char quote, char escape, boolean header) throws IOException {
    try (InputStream in =
        new BufferedInputStream(name.endsWith(".gz") ? new GZIPInputStream(raw) : raw)) {
      long n = countRecords(in, quote, escape);
      return header && n > 0 ? n - 1 : n;
    }
  }

  /**
   * Non-blank records in a stream: a record ends at a line break outside quotes ({@code quote} '\0'
   * = quotes do not span lines). A blank line is skipped, as Spark's CSV reader does.
   */
  public static long countRecords(InputStream in, char quote, char escape) throws IOException {
    long records = 0;
    boolean inQuotes = false;
    boolean blank = true;
    boolean skipNext = false;
    int b;
    boolean first = true;
    while ((b = in.read()) != -1) {
      if (first) {
        first = false;
        if (b == 0xEF) { // a UTF-8 byte order mark is not content
          in.mark(2);
          if (in.read() == 0xBB && in.read() == 0xBF) {
            continue;
          }
          in.reset();
        }
      }
      if (skipNext) {
        skipNext = false;
        continue;
      }
      char c = (char) b;
      if (inQuotes && escape != quote && c == escape && escape != '\0') {
        skipNext = true;
        blank = false;
      } else if (quote != '\0' && c == quote) {
        inQuotes = !inQuotes;
        blank = false;
      } else if (c == '\n' && !inQuotes) {
        if (!blank) {
          records++;
        }
        blank = true;
      } else if (!Character.isWhitespace(c)) {
        blank = false;
      }
    }
    if (!blank) {
      records++;
    }
    return records;
  }
}
