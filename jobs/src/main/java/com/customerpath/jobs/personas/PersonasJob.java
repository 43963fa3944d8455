package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.config.PersonaSettings;
import com.customerpath.common.config.PersonaSettings.NamingSettings;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.personas.SomKMeans;
import com.customerpath.common.spark.LocalRows;
import com.customerpath.common.spark.Lookup;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Personas: clusters customers on their standardized features, names and describes each persona,
 * assigns every customer (and each weekday / weekend context) to one, and records how customers
 * moved between personas since the previous run.
 */
public final class PersonasJob implements NightlyStep {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PersonasJob.class);
  public static final String PERSONAS = "personas";
  public static final String CUSTOMER_PERSONAS = "customer_personas";
  public static final String MIGRATION = "persona_migration";
  public static final String LINEAGE = "persona_lineage";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new PersonasJob()));
  }

  @Override
  public String name() {
    return "personas";
  }

  public static PersonaClustering clustering(PersonaSettings s) {
    return switch (s.algorithm()) {
      case KMEANS ->
          new KMeansClustering(
              s.kMin(), s.kMax(), s.kSelection(), s.maxIter(), s.seed(), s.minShare());
      case SOM_KMEANS ->
          new SomKMeansClustering(
              new SomKMeans()
                  .setGridRows(s.som().rows())
                  .setGridCols(s.som().cols())
                  .setTopology(PipelineSettings.configName(s.som().topology()))
                  .setMaxIter(s.som().epochs())
                  .setKMin(s.kMin())
                  .setKMax(s.kMax())
                  .setKSelection(s.kSelection())
                  .setKmeansMaxIter(s.maxIter())
                  .setSeed(s.seed())
                  .setMinShare(s.minShare())
                  .setStabilityResamples(s.stabilityResamples()));
    };
  }

  public static PersonaNaming naming(NamingSettings s) {
    Map<String, PersonaNaming.Phrase> phrases = new LinkedHashMap<>();
    s.phrases().forEach((f, p) -> phrases.put(f, new PersonaNaming.Phrase(p.get(0), p.get(1))));
    return new PersonaNaming(
        phrases,
        s.categoryPhrase(),
        s.threshold(),
        s.maxPhrases(),
        s.noun(),
        s.valueFeatures(),
        s.loyaltyFeatures());
  }

  /**
   * The features personas are built from: every numeric column of customer_features in a feature
   * group, each a clustering input or descriptive (see {@link PersonaScaler#resolve}).
   */
  public static List<PersonaScaler.Feature> features(PersonaSettings s, Dataset<Row> features) {
    List<String> available = CustomerFeatures.numericFeatureColumns(features);
    for (String f : s.features()) {
      if (!available.contains(f)) {
        throw new IllegalArgumentException(
            "Cannot build personas: config key 'customerpath.personas.features' names '"
                + f
                + "', which is not a numeric column of customer_features (columns: "
                + available
                + ")");
      }
    }
    for (String f : s.transforms().keySet()) {
      if (!available.contains(f)) {
        LOG.info(
            "  personas.transforms names {}, which this run's customer_features lacks: ignored", f);
      }
    }
    List<PersonaScaler.Feature> resolved = PersonaScaler.resolve(s, available);
    if (resolved.stream().noneMatch(PersonaScaler.Feature::input)) {
      throw new IllegalArgumentException(
          "Cannot build personas: no numeric column of customer_features is a"
              + " clustering input (config keys 'customerpath.personas.features' and 'customerpath.personas.groups';"
              + " columns: "
              + available
              + ")");
    }
    return resolved;
  }

  /** Customers counted by (previous persona, persona); -1 stands for "not in the previous run". */
  public static Dataset<Row> migration(Dataset<Row> customerPersonas) {
    return customerPersonas
        .filter(col("context").equalTo("all"))
        .groupBy(
            functions.coalesce(col("previous_persona_id"), functions.lit(-1)).as("from_persona_id"),
            col("persona_id").as("to_persona_id"))
        .agg(functions.count(functions.lit(1)).as("customers"))
        .orderBy("from_persona_id", "to_persona_id");
  }

  @Override
  public StepResult run(JobContext ctx) {
    PersonaSettings s = ctx.settings().personas();
    Dataset<Row> features = ctx.tables().read(TableNames.CUSTOMER_FEATURES, ctx.date());
    Dataset<Row> contextFeatures =
        ctx.tables().read(TableNames.CUSTOMER_CONTEXT_FEATURES, ctx.date());
    List<PersonaScaler.Feature> candidates = features(s, features);
    String fingerprint = PersonaModelStore.fingerprint(s, candidates);
    // A full refresh rebuilds from the raw inputs: it fits the personas again.
    Optional<PersonaModelStore.Stored> kept =
        ctx.settings().run().fullRefresh()
            ? Optional.empty()
            : PersonaModelStore.reusable(ctx.tables(), ctx.date(), fingerprint, s.retrainDays());
    PersonaBuilder.Result built;
    if (kept.isPresent()) {
      LOG.info("  personas: model fitted on {} reused", kept.get().fittedOn());
      built =
          PersonaBuilder.build(
              features,
              contextFeatures,
              kept.get().scaler(),
              kept.get().fitted(),
              naming(s.naming()));
    } else {
      PersonaScaler scaler = PersonaScaler.fit(features, candidates, s.groups());
      built =
          PersonaBuilder.build(
              features, contextFeatures, scaler, clustering(s), naming(s.naming()));
      PersonaModelStore.save(
          ctx.tables(),
          ctx.date(),
          new PersonaModelStore.Stored(built.scaler(), built.fitted(), ctx.date()),
          fingerprint);
    }

    Optional<LocalDate> previous = ctx.tables().latestBefore(PERSONAS, ctx.date());
    PersonaIdMatching.Matching matching =
        previous.isPresent()
            ? matchPrevious(ctx, previous.get(), built, s.matchMaxDistance())
            : PersonaIdMatching.match(
                new java.util.TreeMap<>(built.centroidsById()), Map.of(), s.matchMaxDistance(), 0);
    Dataset<Row> personas =
        LocalRows.sortedByInt(remap(built.personas(), matching.finalIdOf()), "persona_id");
    Dataset<Row> customerPersonas = remap(built.customerPersonas(), matching.finalIdOf());
    if (previous.isPresent()) {
      Dataset<Row> before =
          ctx.tables()
              .read(CUSTOMER_PERSONAS, previous.get())
              .select(
                  col("customer_id"), col("context"), col("persona_id").as("previous_persona_id"));
      customerPersonas =
          customerPersonas.join(before, new String[] {"customer_id", "context"}, "left");
    } else {
      customerPersonas =
          customerPersonas.withColumn("previous_persona_id", functions.lit(null).cast("int"));
    }
    StepResult result = new StepResult(name());
    result.written(PERSONAS, ctx.tables().write(PERSONAS, ctx.date(), personas));
    result.written(
        CUSTOMER_PERSONAS, ctx.tables().write(CUSTOMER_PERSONAS, ctx.date(), customerPersonas));
    Dataset<Row> written = ctx.tables().read(CUSTOMER_PERSONAS, ctx.date());
    result.written(MIGRATION, ctx.tables().write(MIGRATION, ctx.date(), migration(written)));
    result.written(
        LINEAGE, ctx.tables().write(LINEAGE, ctx.date(), lineage(ctx, matching, previous)));
    built.quality().forEach(result::metric);
    result.metric("personas_previous_run_found", previous.isPresent() ? 1 : 0);
    result.metric("personas_model_reused", kept.isPresent() ? 1 : 0);
    result.metric(
        "personas_model_age_days",
        kept.map(k -> java.time.temporal.ChronoUnit.DAYS.between(k.fittedOn(), ctx.date()))
            .orElse(0L));
    if (previous.isPresent()) {
      // Night-over-night stability: tonight's partition of the customers seen both nights vs last
      // night's.
      result.metric(
          "personas_night_over_night_ari",
          com.customerpath.common.personas.AdjustedRandIndex.of(
              written.filter(
                  col("context").equalTo("all").and(col("previous_persona_id").isNotNull())),
              "persona_id",
              "previous_persona_id"));
    }
    for (PersonaIdMatching.Status status : PersonaIdMatching.Status.values()) {
      result.metric(
          "personas_" + status.name().toLowerCase(java.util.Locale.ROOT),
          matching.lineage().stream().filter(l -> l.status() == status).count());
    }
    return result;
  }

  /** Matches tonight's personas to the previous run's (k rows each: collected). */
  private static PersonaIdMatching.Matching matchPrevious(
      JobContext ctx, LocalDate previous, PersonaBuilder.Result built, double maxDistance) {
    Map<Integer, double[]> previousCentroids = new java.util.TreeMap<>();
    Dataset<Row> before = ctx.tables().read(PERSONAS, previous);
    List<String> beforeColumns = List.of(before.columns());
    int highest = 0;
    for (Row r : before.collectAsList()) {
      Map<String, Double> means = new java.util.HashMap<>();
      Map<String, Double> transformed = new java.util.HashMap<>();
      for (String c : built.columns()) {
        if (beforeColumns.contains("mean_" + c) && !r.isNullAt(r.fieldIndex("mean_" + c))) {
          means.put(c, ((Number) r.getAs("mean_" + c)).doubleValue());
        }
        if (beforeColumns.contains("t_" + c) && !r.isNullAt(r.fieldIndex("t_" + c))) {
          transformed.put(c, ((Number) r.getAs("t_" + c)).doubleValue());
        }
      }
      int id = r.getAs("persona_id");
      previousCentroids.put(id, built.toSpace(transformed, means));
      highest = Math.max(highest, id);
    }
    if (ctx.tables().exists(LINEAGE, previous)) { // ids of vanished personas are never reused
      Row max = ctx.tables().read(LINEAGE, previous).agg(functions.max("persona_id")).first();
      highest = max.isNullAt(0) ? highest : Math.max(highest, max.getInt(0));
    }
    return PersonaIdMatching.match(
        new java.util.TreeMap<>(built.centroidsById()), previousCentroids, maxDistance, highest);
  }

  /**
   * Replaces provisional persona ids with the matched ones, keeping column order; the ids looked up
   * in a literal map (no broadcast job), rows of an unmatched id dropped.
   */
  static Dataset<Row> remap(Dataset<Row> rows, Map<Integer, Integer> finalIdOf) {
    String[] columns = rows.columns();
    return rows.withColumn("persona_id", Lookup.intValue(col("persona_id"), finalIdOf))
        .filter(col("persona_id").isNotNull())
        .select(
            java.util.Arrays.stream(columns)
                .map(functions::col)
                .toArray(org.apache.spark.sql.Column[]::new));
  }

  private static Dataset<Row> lineage(
      JobContext ctx, PersonaIdMatching.Matching matching, Optional<LocalDate> previous) {
    List<Row> rows = new java.util.ArrayList<>();
    // Sorted here, so the table stays a driver-held one (written without a Spark job).
    List<PersonaIdMatching.Lineage> byId = new java.util.ArrayList<>(matching.lineage());
    byId.sort(java.util.Comparator.comparingInt(PersonaIdMatching.Lineage::personaId));
    for (PersonaIdMatching.Lineage l : byId) {
      rows.add(
          org.apache.spark.sql.RowFactory.create(
              l.personaId(),
              l.status().name().toLowerCase(java.util.Locale.ROOT),
              l.centroidShift(),
              previous.map(LocalDate::toString).orElse(null)));
    }
    return ctx.spark()
        .createDataFrame(
            rows,
            new org.apache.spark.sql.types.StructType()
                .add("persona_id", org.apache.spark.sql.types.DataTypes.IntegerType)
                .add("status", org.apache.spark.sql.types.DataTypes.StringType)
                .add("centroid_shift", org.apache.spark.sql.types.DataTypes.DoubleType)
                .add("previous_run_date", org.apache.spark.sql.types.DataTypes.StringType));
  }
}
