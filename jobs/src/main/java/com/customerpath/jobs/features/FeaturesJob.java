package com.customerpath.jobs.features;

import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.features.CustomerFeatures.View;
import com.customerpath.common.features.ExternalJoin;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.features.FeatureContext;
import com.customerpath.common.features.FeatureInputs;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Features: one row per customer as of the run date (customer_features) and the same features
 * computed on weekday-only and weekend-only activity (customer_context_features), with the external
 * datasets joined in. A night after another carries the per-customer aggregates of every customer
 * whose lines did not change over ({@link FeatureStateStore}).
 */
public final class FeaturesJob implements NightlyStep {
  private static final Logger LOG = LoggerFactory.getLogger(FeaturesJob.class);
  public static final String TABLE = CustomerFeatures.TABLE;
  public static final String CONTEXT_TABLE = "customer_context_features";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new FeaturesJob()));
  }

  @Override
  public String name() {
    return "features";
  }

  /**
   * The curated inputs of a date and the external datasets, as the feature transform wants them.
   * The external datasets are read and checked once per run and kept for its steps, as the curated
   * facts are ({@code Tables.kept}).
   */
  public static CustomerFeatures.Inputs inputs(JobContext ctx) {
    int lookbackDays = ctx.settings().run().lookbackDays();
    CustomerFeatures.Inputs in =
        FeatureInputs.assemble(
            ctx.spark(),
            ctx.settings(),
            ctx.date(),
            source ->
                source.equals("transactions")
                    ? CuratedTables.readRecent(ctx.tables(), source, ctx.date(), lookbackDays)
                    : CuratedTables.read(ctx.tables(), source, ctx.date()),
            ctx.keptExternals());
    // On a history longer than the look-back the run keeps the window's lines only; the first
    // purchase and the usual region still count every line before it, read for those columns.
    LocalDate windowStart = ctx.date().minusDays(lookbackDays - 1L);
    return CuratedTables.hasEventDatesBefore(ctx.tables(), "transactions", windowStart)
        ? in.withWindowAndEarlier(
            in.transactions(), CuratedTables.readBefore(ctx.tables(), "transactions", windowStart))
        : in;
  }

  @Override
  public StepResult run(JobContext ctx) {
    PipelineSettings s = ctx.settings();
    CustomerFeatures.Inputs in = inputs(ctx);
    StepResult result = new StepResult(name());
    // The three contexts in one pass over the transactions. The per-customer aggregates are kept
    // for the next night and cached for the two writes and the key check; when last night's may be
    // carried over, only the customers whose lines changed are aggregated again.
    List<View> views =
        List.of(
            new View(ctx.date(), FeatureContext.ALL),
            new View(ctx.date(), FeatureContext.WEEKDAY),
            new View(ctx.date(), FeatureContext.WEEKEND));
    int lookbackDays = s.run().lookbackDays();
    CustomerFeatures.FeatureWindow window =
        CustomerFeatures.window(in, s.features(), lookbackDays, views);
    FeatureStateStore.Summary summary =
        FeatureStateStore.summarize(
            ctx.tables(), ctx.date(), in, window, s.features(), lookbackDays, views);
    FeatureStateStore.Decision kept =
        FeatureStateStore.previous(ctx.tables(), ctx.date(), summary, s.run().fullRefresh());
    Dataset<Row> rows;
    if (kept.carriesOver()) {
      LocalDate night = kept.keptNight().get();
      rows =
          window.rowsUpdating(
              kept.keptRows(),
              night,
              CuratedTables.readEventDates(
                  ctx.tables(),
                  "transactions",
                  CustomerFeatures.changedLineDays(night, ctx.date(), lookbackDays).stream()
                      .map(LocalDate::toString)
                      .toList()));
      LOG.info(
          "  per-customer aggregates {}: only customers with new lines or lines leaving the window"
              + " aggregated again",
          kept.reason());
      result.metric("features_state_age_days", ChronoUnit.DAYS.between(night, ctx.date()));
    } else {
      rows = window.rows();
      LOG.info("  every customer aggregated from the lines: {}", kept.reason());
    }
    result.metric("features_carried_over", kept.carriesOver() ? 1 : 0);
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK());
    CustomerFeatures.ViewFeatures features = null;
    try {
      FeatureStateStore.save(ctx.tables(), ctx.date(), rows, summary);
      features = window.finish(rows).persist();
      Dataset<Row> all = features.rows(0);
      result.written(TABLE, ctx.tables().write(TABLE, ctx.date(), all));
      Dataset<Row> byContext = null;
      for (int i = 1; i < views.size(); i++) {
        Dataset<Row> f =
            features.rows(i).withColumn("context", functions.lit(views.get(i).context().label()));
        byContext = byContext == null ? f : byContext.unionByName(f, true);
      }
      result.written(CONTEXT_TABLE, ctx.tables().write(CONTEXT_TABLE, ctx.date(), byContext));
      recordUnmatchedKeys(in, all, result);
    } finally {
      if (features != null) {
        features.unpersist();
      }
      rows.unpersist();
      window.release();
    }
    return result;
  }

  /**
   * Counts the keys of the curated data that each external dataset does not cover, every dataset in
   * one query.
   */
  private static void recordUnmatchedKeys(
      CustomerFeatures.Inputs in, Dataset<Row> features, StepResult result) {
    Dataset<Row> unmatched = null;
    for (ExternalTable ext : in.external()) {
      String joinOn = ext.settings().joinOn();
      Dataset<Row> rows =
          ext.settings().level() == ExternalDatasetSettings.Level.CUSTOMER
              ? features
              : in.transactions()
                  .withColumn("date", functions.date_format(functions.col("ts"), "yyyy-MM-dd"));
      if (!List.of(rows.columns()).contains(joinOn)) {
        throw new IllegalArgumentException(
            "Cannot join external dataset '"
                + ext.name()
                + "': join-on field '"
                + joinOn
                + "' is not a column of the "
                + PipelineSettings.configName(ext.settings().level())
                + " rows (columns: "
                + List.of(rows.columns())
                + ")");
      }
      Dataset<Row> keys =
          ExternalJoin.unmatchedKeys(rows, joinOn, ext)
              .select(functions.lit(ext.name()).as("external"), functions.col("key"));
      unmatched = unmatched == null ? keys : unmatched.unionByName(keys);
    }
    if (unmatched == null) {
      return;
    }
    // Per dataset: the number of unmatched keys and the first five of them.
    Map<String, Row> byName = new HashMap<>();
    for (Row r :
        unmatched
            .groupBy("external")
            .agg(
                functions.count(functions.lit(1)),
                functions.slice(functions.array_sort(functions.collect_list("key")), 1, 5))
            .collectAsList()) {
      byName.put(r.getString(0), r);
    }
    for (ExternalTable ext : in.external()) {
      Row found = byName.get(ext.name());
      long n = found == null ? 0 : found.getLong(1);
      result.metric("external_" + ext.name() + "_unmatched_keys", n);
      if (n > 0) {
        String joinOn = ext.settings().joinOn();
        List<String> examples = found.<String>getList(2);
        if (ext.settings().missingValue().isEmpty()) {
          LOG.warn(
              "  external dataset {}: {} {} value(s) have no match, e.g. {}",
              ext.name(),
              n,
              joinOn,
              examples);
        } else { // e.g. a holiday calendar: a date it does not list is an ordinary day
          LOG.info(
              "  external dataset {}: {} {} value(s) not listed, given missing-value '{}', e.g. {}",
              ext.name(),
              n,
              joinOn,
              ext.settings().missingValue(),
              examples);
        }
      }
    }
  }
}
