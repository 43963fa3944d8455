package com.customerpath.common.io;

import com.customerpath.common.schema.Contract;
import com.customerpath.common.schema.Contract.SourceContract;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Predicate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * The curated copies of the inputs, as ingest writes them and every later step reads them. Facts
 * (sources with a timestamp: transactions, events) are one table partitioned by event date, {@code
 * curated/<source>/event_date=YYYY-MM-DD/}: a night replaces only the dates it touched, so storage
 * grows with the history, not with nights x history. Dimension snapshots (customers, products) stay
 * partitioned by run date, {@code curated/<source>/dt=D/}.
 */
public final class CuratedTables {
  public static final String EVENT_DATE = "event_date";

  /**
   * The run date whose ingest curated a fact row: lets a re-run of a night replace its own rows.
   */
  public static final String INGEST_DT = "ingest_dt";

  private CuratedTables() {}

  private static final String CUSTOMER_ID = "customer_id";

  public static String table(String source) {
    return "curated/" + source;
  }

  /** Facts are kept by event date; dimension snapshots by run date. */
  public static boolean byEventDate(String source) {
    return Contract.of(source).hasTimestamp();
  }

  /**
   * A source's curated rows as of a run date, without the partition column: for facts every event
   * date up to the date (pruned by partition), for snapshots the run date's partition, or the
   * newest one before it when no snapshot was delivered that night. Fact rows are read once per run
   * and date and shared by its steps while the run keeps reads ({@link Tables#kept}).
   */
  public static Dataset<Row> read(Tables tables, String source, LocalDate date) {
    return byEventDate(source)
        ? tables.kept(
            table(source), date.toString(), () -> byCustomer(read(tables, source, null, date)))
        : tables.read(table(source), snapshotDate(tables, source, date));
  }

  /**
   * A fact source's curated rows of the days days ending at date (the event dates [date - days + 1,
   * date]), hashed by customer and kept for the run like {@link #read(Tables, String, LocalDate)}:
   * what the steps that look back over a window cache, so that the history before it is neither
   * hashed, cached nor scanned by them. When nothing was curated before the window it is that same
   * kept read (one cache, not two). The rows before the window are {@link #readBefore}.
   */
  public static Dataset<Row> readRecent(Tables tables, String source, LocalDate date, int days) {
    LocalDate from = date.minusDays(days - 1L);
    if (!hasEventDatesBefore(tables, source, from)) {
      return read(tables, source, date);
    }
    return tables.kept(
        table(source), from + ".." + date, () -> byCustomer(read(tables, source, from, date)));
  }

  /**
   * A fact source's curated rows of the event dates before from, read (not kept) for the columns a
   * step needs of the whole history: with {@link #readRecent} of the window starting at from, every
   * row up to its date, each once.
   */
  public static Dataset<Row> readBefore(Tables tables, String source, LocalDate from) {
    return read(tables, source, null, from.minusDays(1));
  }

  /**
   * A fact source's rows of every event date up to date, of these columns only: the kept rows of
   * the days-day window ({@link #readRecent}) and, on a longer history, those before it read for
   * these columns (the whole history is not cached for a few columns of it).
   */
  public static Dataset<Row> readHistory(
      Tables tables, String source, LocalDate date, int days, String... columns) {
    Column[] selected = java.util.Arrays.stream(columns).map(functions::col).toArray(Column[]::new);
    Dataset<Row> recent = readRecent(tables, source, date, days).select(selected);
    LocalDate from = date.minusDays(days - 1L);
    return hasEventDatesBefore(tables, source, from)
        ? recent.unionByName(readBefore(tables, source, from).select(selected))
        : recent;
  }

  /** Whether any event date before from was curated for the source. */
  public static boolean hasEventDatesBefore(Tables tables, String source, LocalDate from) {
    return tables.partitionValues(table(source), EVENT_DATE).stream()
        .anyMatch(v -> v.compareTo(from.toString()) < 0);
  }

  /**
   * Fact rows hash-partitioned by customer. Almost every aggregation and join of a night is per
   * customer (features, journey snapshots, recommender interactions, churn summaries): on a kept
   * read partitioned this way they run without shuffling the facts again, so the one shuffle here
   * replaces one per aggregation. Joins need {@code spark.sql.requireAllClusterKeysForCoPartition}
   * off (reference.conf) to reuse it when they join on the customer and more keys.
   */
  public static Dataset<Row> byCustomer(Dataset<Row> facts) {
    if (!List.of(facts.columns()).contains(CUSTOMER_ID)) {
      return facts;
    }
    return facts.repartition(
        facts.sparkSession().sessionState().conf().numShufflePartitions(),
        functions.col(CUSTOMER_ID));
  }

  /** A fact source's curated rows of the event dates [from, to] (from null = from the first). */
  public static Dataset<Row> read(Tables tables, String source, LocalDate from, LocalDate to) {
    String table = table(source);
    if (tables.partitionValues(table, EVENT_DATE).isEmpty()) {
      // Nothing curated yet (or every row rejected): an empty table with the contract's columns.
      return tables.spark().createDataFrame(List.of(), schema(Contract.of(source)));
    }
    Column day = functions.col(EVENT_DATE).cast("date");
    Column inRange = day.leq(functions.lit(java.sql.Date.valueOf(to)));
    if (from != null) {
      inRange = inRange.and(day.geq(functions.lit(java.sql.Date.valueOf(from))));
    }
    return ParquetSchemas.reader(tables.spark(), tables.path(table))
        .option("basePath", tables.path(table))
        .parquet(tables.path(table))
        .where(inRange)
        .drop(EVENT_DATE, INGEST_DT);
  }

  /**
   * A fact source's rows of the given event dates, with {@link #EVENT_DATE} as text and {@link
   * #INGEST_DT}.
   */
  public static Dataset<Row> readEventDates(
      Tables tables, String source, java.util.Collection<String> dates) {
    String table = table(source);
    List<String> present =
        tables.partitionValues(table, EVENT_DATE).stream().filter(dates::contains).toList();
    if (present.isEmpty()) {
      return tables
          .spark()
          .createDataFrame(
              List.of(),
              schema(Contract.of(source))
                  .add(INGEST_DT, org.apache.spark.sql.types.DataTypes.StringType)
                  .add(EVENT_DATE, org.apache.spark.sql.types.DataTypes.StringType));
    }
    return ParquetSchemas.reader(tables.spark(), tables.path(table))
        .option("basePath", tables.path(table))
        .parquet(tables.path(table))
        .where(functions.col(EVENT_DATE).cast("string").isin(present.toArray()))
        .withColumn(EVENT_DATE, functions.date_format(functions.col(EVENT_DATE), "yyyy-MM-dd"));
  }

  /**
   * Per event date up to a date, a signature of the files that hold a fact source's rows (their
   * names and sizes): a date whose rows were written again since (late or corrected data, a re-run
   * of its night) gets another signature, as file names are unique per write. One listing of the
   * table; no Spark job.
   */
  public static java.util.Map<String, String> eventDateSignatures(
      Tables tables, String source, LocalDate to) {
    java.util.Map<String, java.util.TreeMap<String, Long>> files = new java.util.TreeMap<>();
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(tables.path(table(source)));
    try {
      org.apache.hadoop.fs.FileSystem fs =
          root.getFileSystem(tables.spark().sparkContext().hadoopConfiguration());
      if (!fs.exists(root)) {
        return java.util.Map.of();
      }
      org.apache.hadoop.fs.Path table = fs.makeQualified(root);
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it =
          fs.listFiles(root, true);
      String prefix = EVENT_DATE + "=";
      while (it.hasNext()) {
        org.apache.hadoop.fs.LocatedFileStatus f = it.next();
        String name = f.getPath().getName();
        String dir = f.getPath().getParent().getName();
        // Only the table's own partitions (not a _staging/event_date=... of an unfinished write).
        boolean partitionFile =
            dir.startsWith(prefix) && table.equals(f.getPath().getParent().getParent());
        if (name.startsWith("_") || name.startsWith(".") || !partitionFile) {
          continue;
        }
        String date = dir.substring(prefix.length());
        if (date.compareTo(to.toString()) <= 0) {
          files.computeIfAbsent(date, d -> new java.util.TreeMap<>()).put(name, f.getLen());
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot list " + root, e);
    }
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    files.forEach((date, byName) -> out.put(date, byName.size() + ":" + digest(byName.toString())));
    return out;
  }

  private static String digest(String text) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The curated rows as of a date, or null when the source was never ingested. */
  public static Dataset<Row> readOrNull(Tables tables, String source, LocalDate date) {
    return exists(tables, source, date) ? read(tables, source, date) : null;
  }

  /** Whether anything of the source was curated for a run date (facts: any event date up to it). */
  public static boolean exists(Tables tables, String source, LocalDate date) {
    if (byEventDate(source)) {
      return tables.partitionValues(table(source), EVENT_DATE).stream()
          .anyMatch(v -> v.compareTo(date.toString()) <= 0);
    }
    return tables.exists(table(source), date)
        || tables.latestBefore(table(source), date).isPresent();
  }

  /**
   * Fact rows as written: the run date that ingests them and the column they are partitioned by,
   * the day of their timestamp in the session time zone (run.timezone).
   */
  public static Dataset<Row> asWritten(Dataset<Row> rows, LocalDate runDate) {
    return rows.withColumn(INGEST_DT, functions.lit(runDate.toString()))
        .withColumn(EVENT_DATE, eventDate(functions.col("ts")));
  }

  /**
   * The event date of a timestamp, as the partition value (yyyy-MM-dd in the session time zone):
   * the one expression for it, so that Spark sees rows clustered by it upstream as clustered by the
   * partition column.
   */
  public static Column eventDate(Column ts) {
    return functions.date_format(ts, "yyyy-MM-dd");
  }

  /**
   * Publishes fact rows (with {@link #EVENT_DATE}): each event date present replaces its partition;
   * existing partitions not written whose date matches {@code deleteUnwritten} are deleted (a full
   * refresh). Returns the event dates written and their rows, counted while writing.
   */
  public static Tables.Replaced publish(
      Tables tables, String source, Dataset<Row> rows, Predicate<String> deleteUnwritten) {
    return tables.replacePartitions(table(source), EVENT_DATE, rows, deleteUnwritten);
  }

  /**
   * As above for rows already clustered by event date, one task per set of days (a full refresh
   * validated with {@code InputValidation.flag(..., byEventDate)}): written without a shuffle.
   */
  public static Tables.Replaced publishClustered(
      Tables tables, String source, Dataset<Row> rows, Predicate<String> deleteUnwritten) {
    return tables.replacePartitions(table(source), EVENT_DATE, rows, deleteUnwritten, true);
  }

  private static LocalDate snapshotDate(Tables tables, String source, LocalDate date) {
    return tables.exists(table(source), date)
        ? date
        : tables.latestBefore(table(source), date).orElse(date);
  }

  static StructType schema(SourceContract contract) {
    StructType s = new StructType();
    for (Contract.Field f : contract.fields()) {
      s = s.add(f.name(), f.type(), true);
    }
    return s;
  }
}
