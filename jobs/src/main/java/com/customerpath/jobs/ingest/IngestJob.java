package com.customerpath.jobs.ingest;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.config.ValidationSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.InputError;
import com.customerpath.common.io.RecordCount;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.privacy.CustomerIdPseudonymiser;
import com.customerpath.common.quality.DataQualityError;
import com.customerpath.common.quality.InputValidation;
import com.customerpath.common.schema.ColumnMapper;
import com.customerpath.common.schema.Contract;
import com.customerpath.common.schema.Contract.SourceContract;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest: reads each configured source through its column mapping, types it, sends unusable rows to
 * quarantine/&lt;source&gt; with a reason and writes the rest to curated/&lt;source&gt;. Checks,
 * per source, that rows read = rows accepted + rows quarantined, that the records read match an
 * independent count of the input, that the source is not empty (unless allowed) and that its
 * quarantined share is within bounds; every source passes before anything is published.
 */
public final class IngestJob implements NightlyStep {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new IngestJob()));
  }

  @Override
  public String name() {
    return "ingest";
  }

  public static String curatedTable(String source) {
    return CuratedTables.table(source);
  }

  public static String quarantineTable(String source) {
    return "quarantine/" + source;
  }

  /** The reconciled counts of one source. */
  public record SourceCounts(String source, long read, long accepted, long quarantined) {
    public void check() {
      if (read != accepted + quarantined) {
        throw new IllegalStateException(
            "Cannot reconcile source '"
                + source
                + "': read "
                + read
                + " rows but accepted "
                + accepted
                + " + quarantined "
                + quarantined
                + " = "
                + (accepted + quarantined));
      }
    }
  }

  /** Maps, types and flags a source's raw rows (pure: Dataset in, Dataset out). */
  public static Dataset<Row> validate(
      Dataset<Row> raw, SourceSettings source, LocalDate runDate, ValidationSettings validation) {
    return validate(raw, source, runDate, validation, Optional.empty());
  }

  /** As above, customer ids pseudonymised before anything else sees them. */
  public static Dataset<Row> validate(
      Dataset<Row> raw,
      SourceSettings source,
      LocalDate runDate,
      ValidationSettings validation,
      Optional<CustomerIdPseudonymiser> pseudonymiser) {
    return validate(raw, source, runDate, validation, pseudonymiser, false);
  }

  /**
   * As above; {@code byEventDate}: rows laid out by event date for a shuffle-free write
   * (InputValidation.flag).
   */
  public static Dataset<Row> validate(
      Dataset<Row> raw,
      SourceSettings source,
      LocalDate runDate,
      ValidationSettings validation,
      Optional<CustomerIdPseudonymiser> pseudonymiser,
      boolean byEventDate) {
    SourceContract contract = Contract.of(source.name());
    Dataset<Row> mapped = ColumnMapper.map(raw, source, contract, pseudonymiser);
    return InputValidation.flag(
        mapped,
        contract,
        runDate,
        source.timestampFormat(),
        source.dateFormat(),
        validation.ranges(source.name()),
        byEventDate);
  }

  /**
   * A source read, validated and counted, not yet published; fingerprint: a snapshot's, kept with
   * its curated partition for the nights after ({@link SnapshotCarryOver}).
   */
  private record Checked(
      String name,
      IngestInput input,
      Dataset<Row> flagged,
      long read,
      long accepted,
      Map<String, Long> reasons,
      Optional<String> fingerprint) {}

  /** A snapshot whose input did not change since an earlier night: its partitions are copied. */
  private record Unchanged(String name, IngestInput input, SnapshotCarryOver.Carried carried) {}

  @Override
  public StepResult run(JobContext ctx) {
    StepResult result = new StepResult(name());
    SparkSession spark = ctx.spark();
    PipelineSettings settings = ctx.settings();
    ValidationSettings validation = settings.validation();
    List<Checked> checked = new ArrayList<>();
    List<Unchanged> unchanged = new ArrayList<>();
    Optional<CustomerIdPseudonymiser> pseudonymiser =
        CustomerIdPseudonymiser.from(settings.privacy(), ctx.environment());
    pseudonymiser.ifPresent(p -> LOG.info("  customer ids pseudonymised ({})", p));
    result.metric("customer_ids_pseudonymised", pseudonymiser.isPresent() ? 1 : 0);
    try {
      // First every source is read, validated and counted; nothing is published until all pass
      // (record counts, empty input, quarantine share), so a failed check leaves the night
      // untouched.
      for (String name : PipelineSettings.SOURCES) {
        SourceSettings source = settings.input(name);
        if (!source.configured()) {
          LOG.info("  source {} not configured: skipped", name);
          continue;
        }
        IngestInput input =
            IngestInput.select(ctx, source); // tonight's files, or all of them (full refresh)
        if (input.addsToHistory()) {
          CustomerIdMarker.checkIncremental(ctx.tables(), pseudonymiser);
        }
        LOG.info("  {}: {}", name, input.describe());
        if (!input.hasInput()) {
          input.record(result);
          LOG.info("  source {}: no input for {}: nothing to ingest", name, ctx.date());
          continue;
        }
        Optional<String> fingerprint =
            input.snapshotMayCarryOver()
                ? Optional.of(
                    SnapshotCarryOver.fingerprint(
                        input, validation, CustomerIdMarker.describe(pseudonymiser), ctx.date()))
                : Optional.empty();
        Optional<SnapshotCarryOver.Lookup> lookup =
            fingerprint.map(f -> SnapshotCarryOver.lookup(ctx.tables(), name, ctx.date(), f));
        Optional<SnapshotCarryOver.Carried> same =
            lookup.flatMap(SnapshotCarryOver.Lookup::carried);
        if (same.isPresent()) {
          LOG.info("  {}: {}: carried over, not read again", name, lookup.get().reason());
          unchanged.add(new Unchanged(name, input, same.get()));
          continue;
        }
        // Why an unchanged-looking snapshot is read again: the log says it.
        lookup.ifPresent(l -> LOG.info("  {}: read: {}", name, l.reason()));
        SourceSettings tonight = input.source();
        List<String> emptyPaths = SourceReader.emptyPaths(spark, tonight);
        Dataset<Row> flagged =
            emptyPaths.isEmpty()
                ? input.markAlreadyCurated(
                    validate(
                        SourceReader.read(spark, tonight),
                        source,
                        ctx.date(),
                        validation,
                        pseudonymiser,
                        input.clustersByEventDate()))
                : emptyFlagged(spark, name);
        flagged =
            InputValidation.withFileOfQuarantinedOnly(flagged)
                .persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Long> reasons = new TreeMap<>();
        long[] readAccepted = count(flagged, reasons);
        long read = readAccepted[0];
        long accepted = readAccepted[1];
        checked.add(new Checked(name, input, flagged, read, accepted, reasons, fingerprint));
        if (emptyPaths.isEmpty() && validation.countCheck()) {
          checkRecordCount(spark, tonight, read, result);
        }
        if (read == 0) {
          String what =
              emptyPaths.isEmpty()
                  ? "has no data row (an empty or header-only file)"
                  : "holds no data file (" + emptyPaths + " is an empty folder)";
          if (validation.emptyInput() == ValidationSettings.EmptyInput.FAIL) {
            throw new InputError(
                "Cannot ingest source '"
                    + name
                    + "' from "
                    + source.location()
                    + ": it "
                    + what
                    + "; set customerpath.validation.empty-input = warn to publish an empty night instead");
          }
          LOG.warn(
              "Source '{}' from {} {}: publishing an empty night (customerpath.validation.empty-input = warn)",
              name,
              source.location(),
              what);
          result.metric(name + "_empty_input", 1);
        }
        checkQuarantineShare(name, source, read, reasons, validation.maxQuarantineShare(name));
      }
      for (Checked c : checked) {
        publish(ctx, c, result);
      }
      for (Unchanged u : unchanged) {
        publishUnchanged(ctx, u, result);
      }
      if (!checked.isEmpty() || !unchanged.isEmpty()) {
        CustomerIdMarker.write(ctx.tables(), pseudonymiser);
      }
    } finally {
      checked.forEach(
          c -> {
            c.flagged().unpersist();
            c.input().close();
          });
    }
    return result;
  }

  /**
   * Fills the cache of the flagged rows and counts, in the same pass, the rows read, the accepted
   * ones and each reason's: every task counts its rows by reason and hands the counts to an
   * accumulator (updated once per task, as in any action), so no aggregation query follows. Returns
   * read and accepted, and fills reasons.
   */
  static long[] count(Dataset<Row> flagged, Map<String, Long> reasons) {
    CollectionAccumulator<Map<String, Long>> perTask =
        flagged.sparkSession().sparkContext().collectionAccumulator("rows by reason");
    flagged
        .select(col(InputValidation.REASON))
        .foreachPartition(
            (ForeachPartitionFunction<Row>)
                rows -> {
                  Map<String, Long> counts = new HashMap<>();
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    counts.merge(r.isNullAt(0) ? ACCEPTED : r.getString(0), 1L, Long::sum);
                  }
                  perTask.add(counts);
                });
    long read = 0;
    long accepted = 0;
    for (Map<String, Long> counts : perTask.value()) {
      for (Map.Entry<String, Long> e : counts.entrySet()) {
        read += e.getValue();
        if (e.getKey().equals(ACCEPTED)) {
          accepted += e.getValue();
        } else {
          reasons.merge(e.getKey(), e.getValue(), Long::sum);
        }
      }
    }
    return new long[] {read, accepted};
  }

  /** The key of the accepted rows' count (no reason is empty). */
  private static final String ACCEPTED = "";

  private static void publish(JobContext ctx, Checked c, StepResult result) {
    String name = c.name();
    long curated = c.input().writeCurated(InputValidation.accepted(c.flagged(), Contract.of(name)));
    c.input().record(result);
    Dataset<Row> quarantine = InputValidation.quarantined(c.flagged(), name);
    if (c.reasons().isEmpty()) {
      // No row was given a reason while the flagged rows were counted: the quarantine is empty,
      // published as an empty partition by the driver (no Spark job).
      quarantine = ctx.spark().createDataFrame(List.of(), quarantine.schema());
    }
    long quarantined = ctx.tables().write(quarantineTable(name), ctx.date(), quarantine);
    SourceCounts sc = new SourceCounts(name, c.read(), curated, quarantined);
    sc.check();
    if (curated != c.accepted()) {
      throw new IllegalStateException(
          "Cannot reconcile source '"
              + name
              + "': "
              + c.accepted()
              + " rows were accepted but "
              + curated
              + " were written to "
              + curatedTable(name));
    }
    result
        .written(curatedTable(name), curated)
        .written(quarantineTable(name), quarantined)
        .metric(name + "_read", c.read())
        .metric(name + "_accepted", curated)
        .metric(name + "_quarantined", quarantined);
    LOG.info("  {}: read {} = accepted {} + quarantined {}", name, c.read(), curated, quarantined);
    c.reasons()
        .forEach(
            (reason, n) -> {
              result.metric(name + "_quarantined_" + reason, n);
              LOG.info("    quarantined {}: {}", reason, n);
            });
    if (c.fingerprint().isPresent()) {
      SnapshotCarryOver.save(
          ctx.tables(),
          name,
          ctx.date(),
          new SnapshotCarryOver.Ingested(
              c.fingerprint().get(), c.read(), curated, quarantined, c.reasons()));
      result.metric(name + "_carried_over", 0);
    }
  }

  /** Publishes an unchanged snapshot's earlier partitions as tonight's, with their counts. */
  private static void publishUnchanged(JobContext ctx, Unchanged u, StepResult result) {
    String name = u.name();
    SnapshotCarryOver.Ingested counts = u.carried().ingested();
    SnapshotCarryOver.copy(ctx.tables(), name, ctx.date(), u.carried());
    u.input().record(result);
    new SourceCounts(name, counts.read(), counts.accepted(), counts.quarantined()).check();
    result
        .written(curatedTable(name), counts.accepted())
        .written(quarantineTable(name), counts.quarantined())
        .metric(name + "_read", counts.read())
        .metric(name + "_accepted", counts.accepted())
        .metric(name + "_quarantined", counts.quarantined())
        .metric(name + "_carried_over", 1);
    LOG.info(
        "  {}: read {} = accepted {} + quarantined {} (carried over from {})",
        name,
        counts.read(),
        counts.accepted(),
        counts.quarantined(),
        u.carried().from());
    counts.reasons().forEach((reason, n) -> result.metric(name + "_quarantined_" + reason, n));
  }

  /** Records read must equal an independent count of the input, where the format gives one. */
  static void checkRecordCount(
      SparkSession spark, SourceSettings source, long read, StepResult result) {
    java.util.Optional<RecordCount.Expected> expected = RecordCount.of(spark, source);
    if (expected.isEmpty()) {
      return;
    }
    result.metric(source.name() + "_records_counted", expected.get().records());
    if (expected.get().records() != read) {
      throw new InputError(
          "Cannot ingest source '"
              + source.name()
              + "' from "
              + source.location()
              + ": Spark read "
              + read
              + " records but the input holds "
              + expected.get().records()
              + " "
              + expected.get().method()
              + " (check the reader options quote, escape, multiLine, header; or set"
              + " customerpath.validation.count-check = false)");
    }
  }

  /** Fails the run when more than the allowed share of a source's rows is quarantined. */
  static void checkQuarantineShare(
      String name, SourceSettings source, long read, Map<String, Long> reasons, double maxShare) {
    long quarantined = reasons.values().stream().mapToLong(Long::longValue).sum();
    if (read == 0 || quarantined <= maxShare * read) {
      return;
    }
    throw new DataQualityError(
        String.format(
            java.util.Locale.ROOT,
            "Cannot publish source '%s' from %s: %d of %d rows (%.1f%%) would be quarantined, above the allowed %.1f%%"
                + " (customerpath.validation.max-quarantine-share.%s); reasons: %s. Nothing was published.",
            name,
            source.location(),
            quarantined,
            read,
            100.0 * quarantined / read,
            100.0 * maxShare,
            name,
            reasons));
  }

  /** A source without any data file, as validated rows: none, with the contract's typed columns. */
  private static Dataset<Row> emptyFlagged(SparkSession spark, String name) {
    StructType schema = new StructType();
    for (Contract.Field f : Contract.of(name).fields()) {
      schema = schema.add(f.name(), f.type(), true);
    }
    schema =
        schema
            .add(ColumnMapper.SOURCE_ROW, DataTypes.StringType)
            .add(SourceReader.SOURCE_FILE, DataTypes.StringType)
            .add(InputValidation.REASON, DataTypes.StringType)
            .add(InputValidation.DETAIL, DataTypes.StringType);
    return spark.createDataFrame(List.of(), schema);
  }
}
