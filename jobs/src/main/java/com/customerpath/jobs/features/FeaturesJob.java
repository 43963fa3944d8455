package com.customerpath.jobs.features;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.PipelineSettings.ExternalDatasetSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.features.ExternalJoin;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.features.FeatureContext;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.io.Tables;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Features: one row per customer as of the run date (customer_features) and the same features
 * computed on weekday-only and weekend-only activity (customer_context_features), with the
 * external datasets joined in.
 */
public final class FeaturesJob implements NightlyStep {
  private static final Logger LOG = LoggerFactory.getLogger(FeaturesJob.class);
  public static final String TABLE = "customer_features";
  public static final String CONTEXT_TABLE = "customer_context_features";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new FeaturesJob()));
  }

  @Override
  public String name() {
    return "features";
  }

  /** The curated inputs of a date and the external datasets, as the feature transform wants them. */
  public static CustomerFeatures.Inputs inputs(JobContext ctx) {
    Tables tables = ctx.tables();
    Optional<Dataset<Row>> products = optional(ctx, "products");
    Optional<Dataset<Row>> customers = optional(ctx, "customers");
    List<ExternalTable> external = new ArrayList<>();
    for (ExternalDatasetSettings ext : ctx.settings().external()) {
      Dataset<Row> rows = SourceReader.readTable(ctx.spark(), "external." + ext.name(), ext.path(), ext.format(),
          ext.options());
      ExternalTable table = new ExternalTable(ext, rows, ctx.date());
      table.checkUniqueKeys();
      external.add(table);
    }
    return new CustomerFeatures.Inputs(tables.read(IngestJob.curatedTable("transactions"), ctx.date()),
        products, customers, external);
  }

  private static Optional<Dataset<Row>> optional(JobContext ctx, String source) {
    if (!ctx.settings().input(source).configured()) {
      return Optional.empty();
    }
    return Optional.of(ctx.tables().read(IngestJob.curatedTable(source), ctx.date()));
  }

  @Override
  public StepResult run(JobContext ctx) {
    PipelineSettings s = ctx.settings();
    CustomerFeatures.Inputs in = inputs(ctx);
    StepResult result = new StepResult(name());
    Dataset<Row> all = CustomerFeatures.compute(in, s.features(), ctx.date(), s.run().lookbackDays(), FeatureContext.ALL);
    result.written(TABLE, ctx.tables().write(TABLE, ctx.date(), all));

    Dataset<Row> byContext = null;
    for (FeatureContext context : List.of(FeatureContext.WEEKDAY, FeatureContext.WEEKEND)) {
      Dataset<Row> f = CustomerFeatures.compute(in, s.features(), ctx.date(), s.run().lookbackDays(), context)
          .withColumn("context", functions.lit(context.label()));
      byContext = byContext == null ? f : byContext.unionByName(f, true);
    }
    result.written(CONTEXT_TABLE, ctx.tables().write(CONTEXT_TABLE, ctx.date(), byContext));
    recordUnmatchedKeys(ctx, in, result);
    return result;
  }

  /** Counts the keys of the curated data that an external dataset does not cover. */
  private static void recordUnmatchedKeys(JobContext ctx, CustomerFeatures.Inputs in, StepResult result) {
    Dataset<Row> features = ctx.tables().read(TABLE, ctx.date());
    for (ExternalTable ext : in.external()) {
      String joinOn = ext.settings().joinOn();
      Dataset<Row> rows = ext.settings().level().equals("customer") ? features
          : in.transactions().withColumn("date", functions.date_format(functions.col("ts"), "yyyy-MM-dd"));
      if (!List.of(rows.columns()).contains(joinOn)) {
        throw new IllegalArgumentException("Cannot join external dataset '" + ext.name() + "': join-on field '"
            + joinOn + "' is not a column of the " + ext.settings().level() + " rows (columns: "
            + List.of(rows.columns()) + ")");
      }
      Dataset<Row> unmatched = ExternalJoin.unmatchedKeys(rows, joinOn, ext);
      long n = unmatched.count();
      result.metric("external_" + ext.name() + "_unmatched_keys", n);
      if (n > 0) {
        List<String> examples = unmatched.orderBy("key").limit(5).collectAsList().stream()
            .map(r -> r.getString(0)).toList();
        if (ext.settings().missingValue().isEmpty()) {
          LOG.warn("  external dataset {}: {} {} value(s) have no match, e.g. {}", ext.name(), n, joinOn, examples);
        } else { // e.g. a holiday calendar: a date it does not list is an ordinary day
          LOG.info("  external dataset {}: {} {} value(s) not listed, given missing-value '{}', e.g. {}", ext.name(), n,
              joinOn, ext.settings().missingValue(), examples);
        }
      }
    }
  }
}
