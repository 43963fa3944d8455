package com.customerpath.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.config.TableSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.Tables;
import com.customerpath.common.quality.InputValidation;
import com.customerpath.common.schema.ColumnMapper;
import com.customerpath.common.schema.Contract;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.StepResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Which input one night of ingest reads for a source, and how its accepted rows land in
 * curated/&lt;source&gt; (docs/ingest.md).
 *
 * <ul>
 *   <li>A path with {@code {date}} is a folder per delivery. A normal night reads only the run
 *       date's ({@link Mode#INCREMENTAL}); a full refresh reads them all, {@code {date}} as {@code
 *       *}.
 *   <li>A path without {@code {date}} is a full snapshot of the history ({@link Mode#FULL}).
 * </ul>
 *
 * Facts (transactions, events) are written by event date. FULL replaces every event date up to the
 * run date with what was read (dates no longer present are deleted). INCREMENTAL adds tonight's
 * rows to the event dates they fall in, keeping the rows curated there by other nights (a re-run of
 * the night replaces its own rows, known by ingest_dt); a row equal, in every contract field, to
 * one curated by another night for its date is quarantined as exact_duplicate (what a full refresh
 * does with the same line delivered twice). Snapshots (customers, products) are written whole to
 * dt=run date; a path's {@code {date}} is always the run date.
 */
final class IngestInput {
  static final String DATE = "{date}";

  enum Mode {
    FULL,
    INCREMENTAL
  }

  private final JobContext ctx;
  private final SourceSettings source;
  private final Mode mode;
  private final boolean templated;
  private final long files;
  private final long bytes;

  /** Each data file's path, length and modification time, sorted: what the night reads. */
  private final List<String> fileStamps;

  /**
   * Incremental facts: the rows other nights curated for the event dates tonight's input touches.
   */
  private Dataset<Row> existing;

  private long existingRows;

  /** Where those rows are copied before their partitions are replaced (deleted by close). */
  private Path snapshot;

  private List<String> datesWritten = List.of();

  private IngestInput(JobContext ctx, SourceSettings source, Mode mode, boolean templated) {
    this.ctx = ctx;
    this.source = source;
    this.mode = mode;
    this.templated = templated;
    List<String> stamps = new ArrayList<>();
    long[] size = size(ctx, source, stamps);
    this.files = size[0];
    this.bytes = size[1];
    stamps.sort(null);
    this.fileStamps = List.copyOf(stamps);
  }

  static IngestInput select(JobContext ctx, SourceSettings configured) {
    boolean templated =
        configured.path().contains(DATE)
            || configured.tables().values().stream().anyMatch(t -> t.path().contains(DATE));
    boolean facts = CuratedTables.byEventDate(configured.name());
    Mode mode =
        templated && facts && !ctx.settings().run().fullRefresh() ? Mode.INCREMENTAL : Mode.FULL;
    String date = templated && facts && mode == Mode.FULL ? "*" : ctx.date().toString();
    Map<String, TableSettings> tables = new LinkedHashMap<>();
    configured
        .tables()
        .forEach(
            (n, t) ->
                tables.put(
                    n, new TableSettings(t.path().replace(DATE, date), t.format(), t.options())));
    SourceSettings resolved =
        new SourceSettings(
            configured.name(),
            configured.path().replace(DATE, date),
            configured.format(),
            configured.options(),
            Map.copyOf(tables),
            configured.query(),
            configured.timestampFormat(),
            configured.dateFormat(),
            configured.columns());
    return new IngestInput(ctx, resolved, mode, templated);
  }

  /** The source with the night's paths. */
  SourceSettings source() {
    return source;
  }

  /** The data files read (path, length, modification time), sorted. */
  List<String> fileStamps() {
    return fileStamps;
  }

  /**
   * True for a snapshot (customers, products) read whole on a night that is not a full refresh: it
   * may be carried over from the night that curated the same files ({@link SnapshotCarryOver}).
   */
  boolean snapshotMayCarryOver() {
    return mode == Mode.FULL
        && !CuratedTables.byEventDate(source.name())
        && !ctx.settings().run().fullRefresh()
        && files > 0;
  }

  /** False when a {date} path has no file for the night: nothing was delivered, nothing to do. */
  boolean hasInput() {
    return !templated || files > 0;
  }

  /** True when tonight's rows join rows other nights curated (incremental facts). */
  boolean addsToHistory() {
    return incrementalFacts();
  }

  /**
   * Facts read whole (a full refresh, or a path without {@code {date}}): many days, so the
   * duplicate check lays the rows out by event date and the write needs no shuffle of its own
   * ({@code InputValidation.flag(..., byEventDate)}). Not for one night's input, mostly one day.
   */
  boolean clustersByEventDate() {
    return mode == Mode.FULL
        && CuratedTables.byEventDate(source.name())
        && Contract.of(source.name()).uniqueKey().isEmpty();
  }

  private boolean incrementalFacts() {
    return mode == Mode.INCREMENTAL && CuratedTables.byEventDate(source.name());
  }

  /** Incremental facts: flags rows already curated for their event date as exact duplicates. */
  Dataset<Row> markAlreadyCurated(Dataset<Row> flagged) {
    if (!incrementalFacts()) {
      return flagged;
    }
    List<String> dates =
        flagged
            .where(col("ts").isNotNull())
            .select(functions.date_format(col("ts"), "yyyy-MM-dd"))
            .distinct()
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .toList();
    // Copied before the curated partitions are replaced, so that the mark, the merge and any
    // recomputation of tonight's rows see the old rows (a copy on storage survives executor loss).
    snapshot =
        new Path(
            ctx.tables().path(CuratedTables.table(source.name()))
                + "/_staging/existing-"
                + java.util.UUID.randomUUID());
    // Counted while copied: a count of the copy would be a Spark job of its own.
    existingRows =
        ctx.tables()
            .writeScratch(
                CuratedTables.readEventDates(ctx.tables(), source.name(), dates)
                    .where(col(CuratedTables.INGEST_DT).notEqual(lit(ctx.date().toString()))),
                snapshot.toString());
    existing =
        com.customerpath.common.io.ParquetSchemas.reader(ctx.spark(), snapshot.toString())
            .parquet(snapshot.toString());
    if (existingRows == 0) {
      return flagged;
    }
    String[] fields =
        Contract.of(source.name()).fields().stream()
            .map(Contract.Field::name)
            .toArray(String[]::new);
    Column same = lit(true);
    for (String f : fields) {
      same = same.and(col("n." + f).eqNullSafe(col("c." + f)));
    }
    Dataset<Row> seen =
        existing
            .select(java.util.Arrays.stream(fields).map(functions::col).toArray(Column[]::new))
            .distinct()
            .withColumn("_already_curated", lit(true));
    Column dup = col(InputValidation.REASON).isNull().and(col("_already_curated").isNotNull());
    return flagged
        .as("n")
        .join(seen.as("c"), same, "left")
        .select(col("n.*"), col("c._already_curated"))
        .withColumn(
            InputValidation.DETAIL,
            when(
                    dup,
                    functions.concat(
                        lit("ts "),
                        col("ts").cast("string"),
                        lit(": the same row was curated by another night's run")))
                .otherwise(col(InputValidation.DETAIL)))
        // Validation wrote the source row's text for the rows it quarantined only; a row found
        // here keeps its contract fields as its text, so the quarantine still shows what it was.
        .withColumn(
            ColumnMapper.SOURCE_ROW,
            when(
                    dup,
                    functions.to_json(
                        functions.struct(
                            java.util.Arrays.stream(fields)
                                .map(functions::col)
                                .toArray(Column[]::new))))
                .otherwise(col(ColumnMapper.SOURCE_ROW)))
        .withColumn(
            InputValidation.REASON,
            when(dup, lit("exact_duplicate")).otherwise(col(InputValidation.REASON)))
        .drop("_already_curated");
  }

  /** Writes the accepted rows to curated/&lt;source&gt;; returns the rows added. */
  long writeCurated(Dataset<Row> accepted) {
    String name = source.name();
    if (!CuratedTables.byEventDate(name)) {
      return ctx.tables().write(CuratedTables.table(name), ctx.date(), accepted);
    }
    Dataset<Row> rows = CuratedTables.asWritten(accepted, ctx.date());
    String runDate = ctx.date().toString();
    Tables.Replaced published =
        incrementalFacts()
            ? CuratedTables.publish(ctx.tables(), name, rows.unionByName(existing), d -> false)
            // the input is the whole history up to the run date: later dates belong to later runs
            : clustersByEventDate()
                ? CuratedTables.publishClustered(
                    ctx.tables(), name, rows, d -> d.compareTo(runDate) <= 0)
                : CuratedTables.publish(ctx.tables(), name, rows, d -> d.compareTo(runDate) <= 0);
    datesWritten = published.values();
    // The rows of the dates written, counted while writing: tonight's plus those kept.
    return published.rows() - (incrementalFacts() ? existingRows : 0);
  }

  /** Figures for the manifest: what the night read and which event dates it rewrote. */
  void record(StepResult result) {
    String name = source.name();
    result
        .metric(name + "_full_refresh", mode == Mode.FULL ? 1 : 0)
        .metric(name + "_input_files", files)
        .metric(name + "_input_bytes", bytes);
    if (CuratedTables.byEventDate(name)) {
      result.metric(name + "_event_dates_written", datesWritten.size());
    }
  }

  /** Deletes the copy of the rows curated earlier, once tonight's rows are written. */
  void close() {
    if (snapshot != null) {
      try {
        snapshot
            .getFileSystem(ctx.spark().sparkContext().hadoopConfiguration())
            .delete(snapshot, true);
      } catch (IOException e) {
        throw new IllegalStateException("Cannot delete " + snapshot + ": " + e.getMessage(), e);
      }
    }
  }

  String describe() {
    return (mode == Mode.FULL ? "full" : "incremental")
        + " from "
        + source.location()
        + " ("
        + files
        + " files, "
        + bytes
        + " bytes)";
  }

  /**
   * Number and total size of the data files under the source's paths (globs allowed); each file's
   * path, length and modification time are added to stamps.
   */
  private static long[] size(JobContext ctx, SourceSettings source, List<String> stamps) {
    List<String> paths = new ArrayList<>();
    if (source.tables().isEmpty()) {
      paths.add(source.path());
    } else {
      source.tables().values().forEach(t -> paths.add(t.path()));
    }
    long[] total = {0, 0};
    try {
      for (String p : paths) {
        Path path = new Path(p);
        FileSystem fs = path.getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
        FileStatus[] matches = fs.globStatus(path);
        for (FileStatus m : matches == null ? new FileStatus[0] : matches) {
          RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
          while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            String n = f.getPath().getName();
            if (!n.startsWith("_") && !n.startsWith(".")) {
              total[0]++;
              total[1] += f.getLen();
              stamps.add(f.getPath() + " " + f.getLen() + " " + f.getModificationTime());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot list the input of source '"
              + source.name()
              + "' at "
              + source.location()
              + ": "
              + e.getMessage(),
          e);
    }
    return total;
  }
}
