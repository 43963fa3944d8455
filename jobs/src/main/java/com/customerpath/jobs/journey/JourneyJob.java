package com.customerpath.jobs.journey;

import static com.customerpath.jobs.journey.JourneyStages.STAGES;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.config.FeatureSettings;
import com.customerpath.common.config.JourneySettings;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.features.FeatureContext;
import com.customerpath.common.features.FeatureInputs;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Journey: every customer's 5A stage tonight (aware, appeal, ask, act, advocate) from configured
 * stage rules, transitions since the previous run, the stage funnel with Kaplan-Meier times to the
 * next stage, and a next-stage propensity model. See docs/journey.md.
 */
public final class JourneyJob implements NightlyStep {
  private static final Logger LOG = LoggerFactory.getLogger(JourneyJob.class);
  public static final String STAGES_TABLE = "journey_stages";
  public static final String TRANSITIONS = "journey_transitions";
  public static final String FUNNEL = "journey_funnel";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new JourneyJob()));
  }

  @Override
  public String name() {
    return "journey";
  }

  /**
   * journey_stages rows without propensity: the stages at the run date ({@link
   * JourneyStages#stagesAt} or {@link JourneyStages#stagesOf}) with their complaint counts, persona
   * and the previous run's stage.
   */
  public static Dataset<Row> stages(
      Dataset<Row> s,
      Optional<Dataset<Row>> complaints,
      Dataset<Row> personas,
      Dataset<Row> previous,
      LocalDate runDate,
      int windowDays,
      String observable) {
    if (complaints.isPresent()) {
      Dataset<Row> c =
          JourneyStages.inWindow(complaints.get(), runDate, windowDays)
              .groupBy("customer_id")
              .agg(functions.count(lit(1)).as("complaints"));
      s =
          s.join(c, new String[] {"customer_id"}, "left")
              .withColumn("complaints", functions.coalesce(col("complaints"), lit(0L)));
    } else {
      s = s.withColumn("complaints", lit(null).cast("long"));
    }
    return s.withColumn("complaint", col("complaints").gt(0))
        .join(personas.select("customer_id", "persona_id"), new String[] {"customer_id"}, "left")
        .join(
            previous.select(col("customer_id"), col("stage").as("previous_stage")),
            new String[] {"customer_id"},
            "left")
        .withColumn("observable_stages", lit(observable));
  }

  @Override
  public StepResult run(JobContext ctx) {
    PipelineSettings settings = ctx.settings();
    JourneySettings s = settings.journey();
    LocalDate date = ctx.date();
    StepResult result = new StepResult(name());
    boolean eventsConfigured = settings.input("events").configured();
    String observable = JourneyStages.observableStages(s.rules(), eventsConfigured);
    Propensity propensity = Propensity.of(ctx, observable);
    // The evidence needs of the lines only the orders, numbered over the whole history: the run's
    // kept window and, on a longer history, the columns of the orders before it. (A night that
    // trains reads the snapshots' lines for their features apart: snapshotInputs.)
    Dataset<Row> transactions =
        CuratedTables.readHistory(
            ctx.tables(),
            "transactions",
            date,
            settings.run().lookbackDays(),
            JourneyStages.ORDER_COLUMNS.toArray(String[]::new));
    // A night that trains the propensity model reads every event (its snapshots go back further),
    // kept for the run. A night that scores with a kept model reads only the event dates its
    // aggregates look back over (the journey window, at least 90 days) from their partitions, and
    // caches none: the evidence is their one scan, and older events count in no aggregate.
    Optional<Dataset<Row>> events =
        !eventsConfigured
            ? Optional.empty()
            : Optional.of(
                propensity.kept().isPresent()
                    ? CuratedTables.read(
                        ctx.tables(),
                        "events",
                        date.minusDays(JourneyPropensity.lookbackDays(s.windowDays()) - 1L),
                        date)
                    : CuratedTables.read(ctx.tables(), "events", date));
    LOG.info("  journey: events configured {}, observable stages {}", eventsConfigured, observable);

    // Hashed by customer before it is cached: the evidence is a union of one branch per source,
    // and every aggregation below would otherwise run one task per branch partition (with one
    // branch per rule, 76 on the sample: the journey step 54 s -> 40 s, docs/benchmarks.md).
    // A night that scores with a kept model aggregates its look-back only: older evidence is not
    // hashed and cached for nothing (the orders are numbered over the whole history first).
    Dataset<Row> evidence =
        (propensity.kept().isPresent()
                ? JourneyStages.evidenceInLookBack(
                    events,
                    transactions,
                    s.rules(),
                    date,
                    JourneyPropensity.lookbackDays(s.windowDays()))
                : JourneyStages.evidence(events, transactions, s.rules(), date))
            // Only what the aggregates read is hashed and cached (not each row's stage and rule
            // names).
            .select("customer_id", "ts", "stage_rank")
            .repartition(col("customer_id"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> personas =
          ctx.tables().exists(TableNames.CUSTOMER_PERSONAS, date)
              ? ctx.tables()
                  .read(TableNames.CUSTOMER_PERSONAS, date)
                  .filter(col("context").equalTo("all"))
                  .select("customer_id", "persona_id")
              : ctx.spark()
                  .createDataFrame(
                      List.of(),
                      org.apache.spark.sql.types.StructType.fromDDL(
                          "customer_id STRING, persona_id INT"));
      Optional<LocalDate> previousRun = ctx.tables().latestBefore(STAGES_TABLE, date);
      Dataset<Row> previous =
          previousRun.isPresent()
              ? ctx.tables()
                  .read(STAGES_TABLE, previousRun.get())
                  .select("customer_id", "stage", "persona_id")
              : JourneyMetrics.noPrevious(ctx.spark());

      // The stages and the propensity's feature rows both read tonight's per-customer evidence
      // aggregates: cached, one aggregation of the evidence where each did its own.
      Dataset<Row> tonight =
          JourneyPropensity.snapshotAggregates(evidence, List.of(date), s.windowDays(), 0)
              .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> stages =
          stages(
              JourneyStages.stagesOf(tonight, date),
              JourneyStages.complaints(events, s.complaint()),
              personas,
              previous,
              date,
              s.windowDays(),
              observable);
      // Cached: the write, the transitions and the funnel all read tonight's stages (one
      // computation).
      stages =
          withPropensity(ctx, propensity, stages, evidence, tonight, personas, result)
              .select(outputColumns())
              .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        result.written(STAGES_TABLE, ctx.tables().write(STAGES_TABLE, date, stages));
        result.written(
            TRANSITIONS,
            ctx.tables()
                .write(
                    TRANSITIONS, date, JourneyMetrics.transitions(previous, stages).coalesce(1)));
        Dataset<Row> funnel =
            JourneyMetrics.funnel(stages, date, observable); // built on the driver: a few rows
        result.written(FUNNEL, ctx.tables().write(FUNNEL, date, funnel)); // by the driver
        for (Row r : funnel.filter(col("persona_id").equalTo(JourneyMetrics.ALL)).collectAsList()) {
          if (!r.isNullAt(r.fieldIndex("customers_reached"))) {
            result.metric(
                "journey_reached_" + r.getAs("stage"), r.<Long>getAs("customers_reached"));
          }
        }
      } finally {
        stages.unpersist();
        tonight.unpersist();
      }
      result.metric("journey_previous_run_found", previousRun.isPresent() ? 1 : 0);
      result.metric("journey_events_configured", eventsConfigured ? 1 : 0);
      return result;
    } finally {
      evidence.unpersist();
    }
  }

  /**
   * Scores tonight's customers below advocate with the propensity model: the one kept from an
   * earlier night while it is young enough ({@link PropensityModelStore}), else one trained tonight
   * on past snapshots (and kept).
   */
  private static Dataset<Row> withPropensity(
      JobContext ctx,
      Propensity propensity,
      Dataset<Row> stages,
      Dataset<Row> evidence,
      Dataset<Row> tonight,
      Dataset<Row> personas,
      StepResult result) {
    JourneySettings s = ctx.settings().journey();
    Dataset<Row> tonightFeatures = propensity.tonightFeatures();
    List<String> columns = propensity.columns();
    String fingerprint = propensity.fingerprint();
    Optional<PropensityModelStore.Stored> kept = propensity.kept();
    Optional<PropensityModel> model;
    if (kept.isPresent()) {
      model = Optional.of(kept.get().model());
      kept.get().metrics().forEach(result::metric);
      LOG.info("  journey: propensity model trained on {} reused", kept.get().trainedOn());
    } else {
      // About max-training-customers of tonight's customers, the same ones every night.
      double share =
          Math.min(
              1.0,
              s.propensity().maxTrainingCustomers()
                  / (double) Math.max(1L, tonightFeatures.count()));
      result.metric("journey_propensity_training_share", share);
      Column sampled = JourneyPropensity.inSample(share);
      JourneyPropensity.Result trained =
          share >= 1.0
              ? train(ctx, evidence, personas, null, columns)
              : train(ctx, evidence.filter(sampled), personas, sampled, columns);
      trained.metrics().forEach(result::metric);
      // Scored and kept as numbers when it is the logistic model (PropensityModel.Logistic).
      model = trained.model().map(PropensityModel::of);
      model.ifPresent(
          m ->
              PropensityModelStore.save(
                  ctx.tables(),
                  ctx.date(),
                  new PropensityModelStore.Stored(m, ctx.date(), trained.metrics()),
                  fingerprint));
    }
    result.metric("journey_propensity_model_reused", kept.isPresent() ? 1 : 0);
    result.metric(
        "journey_propensity_model_age_days",
        kept.map(k -> ChronoUnit.DAYS.between(k.trainedOn(), ctx.date())).orElse(0L));
    if (model.isEmpty()) {
      LOG.warn(
          "  journey: propensity model not trained (one label class only); next_stage_propensity is null");
      return stages.withColumn("next_stage_propensity", lit(null).cast("double"));
    }
    Dataset<Row> rows =
        JourneyPropensity.featureRows(tonight, ctx.date(), tonightFeatures, columns, personas);
    Dataset<Row> scores = model.get().score(rows);
    return stages.join(scores, new String[] {"customer_id"}, "left");
  }

  /**
   * Tonight's customer features, the propensity model's feature columns and fingerprint, and the
   * model kept by an earlier night when it may score tonight (none on a full refresh, which trains
   * again).
   */
  private record Propensity(
      Dataset<Row> tonightFeatures,
      List<String> columns,
      String fingerprint,
      Optional<PropensityModelStore.Stored> kept) {
    static Propensity of(JobContext ctx, String observable) {
      JourneySettings s = ctx.settings().journey();
      Dataset<Row> tonightFeatures = ctx.tables().read(CustomerFeatures.TABLE, ctx.date());
      List<String> columns = featureColumns(s.propensity().customerFeatures(), tonightFeatures);
      String fingerprint = PropensityModelStore.fingerprint(s, observable, columns);
      Optional<PropensityModelStore.Stored> kept =
          ctx.settings().run().fullRefresh()
              ? Optional.empty()
              : PropensityModelStore.reusable(
                  ctx.tables(), ctx.date(), fingerprint, s.propensity().retrainDays());
      return new Propensity(tonightFeatures, columns, fingerprint, kept);
    }
  }

  /** Trains the propensity model on the customer features as of past snapshot dates. */
  private static JourneyPropensity.Result train(
      JobContext ctx,
      Dataset<Row> evidence,
      Dataset<Row> personas,
      Column sampled,
      List<String> columns) {
    PipelineSettings settings = ctx.settings();
    JourneySettings s = settings.journey();
    List<LocalDate> snapshots = JourneyPropensity.snapshots(ctx.date(), s.propensity());
    CustomerFeatures.Inputs inputs = snapshotInputs(ctx, snapshots, sampled);
    // The features as of every snapshot date in one pass over the transactions, cached while
    // training.
    List<CustomerFeatures.View> views =
        snapshots.stream().map(d -> new CustomerFeatures.View(d, FeatureContext.ALL)).toList();
    // Only the model's columns are computed and cached: the category shares (a ranking query and
    // an aggregation of their own) only when the model reads one.
    FeatureSettings features =
        columns.stream().anyMatch(c -> c.startsWith("category_share_"))
            ? settings.features()
            : settings.features().withoutCategoryShares();
    CustomerFeatures.ViewFeatures snapshotFeatures =
        CustomerFeatures.computeViews(inputs, features, settings.run().lookbackDays(), views)
            .select(columns)
            .persist();
    try {
      return JourneyPropensity.train(
          evidence,
          ctx.date(),
          s.windowDays(),
          s.propensity(),
          d -> snapshotFeatures.rows(d, FeatureContext.ALL),
          columns,
          personas);
    } finally {
      snapshotFeatures.unpersist();
    }
  }

  /**
   * The feature inputs of the propensity snapshots (sampled: the training sample's customers, null
   * for all). On a history no longer than the run's look-back, the run's kept lines; on a longer
   * one, the lines of the snapshots' windows read for this step (the run keeps only its own window)
   * and the columns of the earlier lines that the first purchase and usual region count.
   */
  public static CustomerFeatures.Inputs snapshotInputs(
      JobContext ctx, List<LocalDate> snapshots, Column sampled) {
    int lookbackDays = ctx.settings().run().lookbackDays();
    LocalDate date = ctx.date();
    Dataset<Row> lines;
    Optional<Dataset<Row>> earlier = Optional.empty();
    if (!CuratedTables.hasEventDatesBefore(
        ctx.tables(), "transactions", date.minusDays(lookbackDays - 1L))) {
      lines = CuratedTables.readRecent(ctx.tables(), "transactions", date, lookbackDays);
    } else {
      LocalDate from = java.util.Collections.min(snapshots).minusDays(lookbackDays - 1L);
      lines =
          CuratedTables.byCustomer(
              CuratedTables.read(
                  ctx.tables(), "transactions", from, java.util.Collections.max(snapshots)));
      if (CuratedTables.hasEventDatesBefore(ctx.tables(), "transactions", from)) {
        earlier = Optional.of(CuratedTables.readBefore(ctx.tables(), "transactions", from));
      }
    }
    Dataset<Row> snapshotLines = sampled == null ? lines : lines.filter(sampled);
    CustomerFeatures.Inputs inputs =
        FeatureInputs.assemble(
            ctx.spark(),
            ctx.settings(),
            date,
            source ->
                source.equals("transactions")
                    ? snapshotLines
                    : CuratedTables.read(ctx.tables(), source, date),
            ctx.keptExternals());
    return earlier.map(e -> inputs.withWindowAndEarlier(snapshotLines, e)).orElse(inputs);
  }

  /**
   * Configured customer_features columns present tonight (all numeric ones when none configured).
   */
  static List<String> featureColumns(List<String> configured, Dataset<Row> features) {
    List<String> available = CustomerFeatures.numericFeatureColumns(features);
    if (configured.isEmpty()) {
      return available;
    }
    List<String> out = new ArrayList<>();
    for (String c : configured) {
      if (available.contains(c)) {
        out.add(c);
      } else {
        LOG.warn(
            "  journey: config key 'customerpath.journey.propensity.customer-features' names '{}', which is not "
                + "a numeric column of customer_features tonight: left out",
            c);
      }
    }
    return out;
  }

  /** The column order of journey_stages. */
  static Column[] outputColumns() {
    List<Column> c =
        new ArrayList<>(
            List.of(
                col("customer_id"),
                col("stage"),
                col("stage_since"),
                col("days_in_stage"),
                col("previous_stage"),
                col("next_stage_propensity"),
                col("persona_id"),
                col("observable_stages"),
                col("complaint"),
                col("complaints"),
                col("stage_rank")));
    STAGES.forEach(stage -> c.add(col(JourneyStages.firstColumn(stage))));
    return c.toArray(Column[]::new);
  }
}
