package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.RecommendationSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Step "recommendations" (after personas, journey and churn): writes recommendations, pain_points
 * and next_best_action for the run date; reads churn_risk.
 */
public final class RecommendationsJob implements NightlyStep {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(RecommendationsJob.class);
  public static final String RECOMMENDATIONS = "recommendations";
  public static final String CHURN_RISK = com.customerpath.common.churn.ChurnRiskModel.TABLE;
  public static final String PAIN_POINTS = "pain_points";
  public static final String NEXT_BEST_ACTION = "next_best_action";
  public static final String JOURNEY_STAGES = "journey_stages";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new RecommendationsJob()));
  }

  @Override
  public String name() {
    return "recommendations";
  }

  /** Curated transactions inside the run's look-back window. */
  public static Dataset<Row> windowed(Dataset<Row> transactions, LocalDate date, int lookbackDays) {
    Column day = functions.to_date(col("ts"));
    return transactions.filter(
        day.geq(lit(java.sql.Date.valueOf(date.minusDays(lookbackDays - 1L))))
            .and(day.leq(lit(java.sql.Date.valueOf(date)))));
  }

  static Dataset<Row> readIfExists(JobContext ctx, String table) {
    return ctx.tables().exists(table, ctx.date()) ? ctx.tables().read(table, ctx.date()) : null;
  }

  /**
   * Every customer to act on: the customers table, journey_stages and buyers; persona_id from
   * journey.
   */
  public static Dataset<Row> audience(
      Dataset<Row> customers, Dataset<Row> journey, Dataset<Row> transactions) {
    Dataset<Row> a =
        transactions
            .select(col("customer_id"), lit(null).cast("int").as("persona_id"))
            .filter(col("customer_id").isNotNull());
    if (customers != null) {
      a =
          a.unionByName(
              customers.select(col("customer_id"), lit(null).cast("int").as("persona_id")));
    }
    if (journey != null) {
      a =
          a.unionByName(
              journey.select(
                  col("customer_id"),
                  (Recommender.hasColumn(journey, "persona_id") ? col("persona_id") : lit(null))
                      .cast("int")
                      .as("persona_id")));
    }
    return a.groupBy("customer_id").agg(functions.max("persona_id").as("persona_id"));
  }

  /**
   * The per-customer frame the next-best-action rules are written against (see reference.conf).
   * journey, churn, assessed (PainPoints.assess), personas may be null.
   */
  public static Dataset<Row> frame(
      Dataset<Row> audience,
      Dataset<Row> transactions,
      Dataset<Row> recommendations,
      Dataset<Row> products,
      Dataset<Row> personas,
      Dataset<Row> journey,
      Dataset<Row> churn,
      Dataset<Row> assessed) {
    Dataset<Row> buyers =
        transactions
            .filter(col("customer_id").isNotNull())
            .groupBy("customer_id", "channel")
            .count()
            .withColumn(
                "r",
                functions
                    .row_number()
                    .over(
                        Window.partitionBy("customer_id")
                            .orderBy(col("count").desc(), col("channel"))))
            .filter(col("r").equalTo(1))
            .select(col("customer_id"), col("channel").as("preferred_channel"));
    Dataset<Row> first =
        recommendations
            .filter(col("rank").equalTo(1))
            .select(
                col("customer_id"),
                col("product_id").as("first_product"),
                col("persona_id").as("rec_persona_id"));
    if (products != null) {
      first =
          first.join(
              products.select(
                  col("product_id").as("first_product"),
                  (Recommender.hasColumn(products, "category")
                          ? col("category")
                          : lit(null).cast("string"))
                      .as("first_product_category"),
                  (Recommender.hasColumn(products, "name") ? col("name") : lit(null).cast("string"))
                      .as("first_product_name")),
              new String[] {"first_product"},
              "left");
    } else {
      first =
          first
              .withColumn("first_product_category", lit(null).cast("string"))
              .withColumn("first_product_name", lit(null).cast("string"));
    }
    // Messages name the product; without a name, its id.
    first =
        first.withColumn(
            "first_product_name", coalesce(col("first_product_name"), col("first_product")));
    Dataset<Row> f =
        audience
            .withColumnRenamed("persona_id", "audience_persona_id")
            .join(buyers, new String[] {"customer_id"}, "left")
            .join(first, new String[] {"customer_id"}, "left")
            .withColumn("is_prospect", col("preferred_channel").isNull())
            .withColumn("has_recommendations", col("first_product").isNotNull())
            .withColumn("persona_id", coalesce(col("rec_persona_id"), col("audience_persona_id")));
    f = Recommender.withPersonaName(f, personas);
    if (journey != null) {
      f =
          f.join(
              journey.select(
                  col("customer_id"),
                  col("stage"),
                  col("next_stage_propensity").cast("double").as("next_stage_propensity")),
              new String[] {"customer_id"},
              "left");
    } else {
      f =
          f.withColumn("stage", lit(null).cast("string"))
              .withColumn("next_stage_propensity", lit(null).cast("double"));
    }
    if (churn != null) {
      f =
          f.join(
              churn.select("customer_id", "p_alive", "churn_probability", "expected_value"),
              new String[] {"customer_id"},
              "left");
    } else {
      f =
          f.withColumn("p_alive", lit(null).cast("double"))
              .withColumn("churn_probability", lit(null).cast("double"))
              .withColumn("expected_value", lit(null).cast("double"));
    }
    if (assessed != null) {
      f =
          f.join(
              assessed.select(
                  "customer_id",
                  "value_decile",
                  "monetary",
                  "is_pain_point",
                  "avg_rating",
                  "reviews",
                  "returns_share"),
              new String[] {"customer_id"},
              "left");
    } else {
      f =
          f.withColumn("value_decile", lit(null).cast("int"))
              .withColumn("monetary", lit(null).cast("double"))
              .withColumn("is_pain_point", lit(null).cast("boolean"))
              .withColumn("avg_rating", lit(null).cast("double"))
              .withColumn("reviews", lit(null).cast("long"))
              .withColumn("returns_share", lit(null).cast("double"));
    }
    return f.select(
        col("customer_id"),
        col("persona_id"),
        col("persona_name"),
        col("is_prospect"),
        coalesce(col("value_decile"), lit(0)).as("value_decile"),
        col("monetary"),
        col("churn_probability"),
        col("p_alive"),
        col("expected_value"),
        col("stage"),
        col("next_stage_propensity"),
        coalesce(col("is_pain_point"), lit(false)).as("is_pain_point"),
        col("avg_rating"),
        coalesce(col("reviews"), lit(0L)).as("reviews"),
        col("returns_share"),
        col("preferred_channel"),
        col("has_recommendations"),
        col("first_product"),
        col("first_product_name"),
        col("first_product_category"));
  }

  /** Whether the blend scores with ALS tonight (Recommender leaves the factors out otherwise). */
  private static boolean usesAls(Recommender.Params p, Blend.Fit fit) {
    return p.useAls() && fit.uses("f_als");
  }

  @Override
  public StepResult run(JobContext ctx) {
    PipelineSettings settings = ctx.settings();
    RecommendationSettings s = settings.recommendations();
    LocalDate date = ctx.date();
    StepResult result = new StepResult(name());
    // The window's lines are scanned by every candidate source, twice with the blend's validation:
    // filtered from the curated rows the run reads once and keeps for its steps (Tables.kept), of
    // the window's days only.
    Dataset<Row> transactions =
        windowed(
            CuratedTables.readRecent(
                ctx.tables(), "transactions", date, settings.run().lookbackDays()),
            date,
            settings.run().lookbackDays());
    Dataset<Row> products = CuratedTables.readOrNull(ctx.tables(), "products", date);
    Dataset<Row> customers = CuratedTables.readOrNull(ctx.tables(), "customers", date);
    // Only their reviews are read (pain points), those of the look-back window: from storage, not
    // from the run's kept events (a night that scores with a kept propensity model reads no events
    // before its journey window), and only the window's event-date partitions.
    Dataset<Row> events =
        CuratedTables.exists(ctx.tables(), "events", date)
            ? CuratedTables.read(
                ctx.tables(), "events", date.minusDays(settings.run().lookbackDays() - 1L), date)
            : null;
    Dataset<Row> customerPersonas = readIfExists(ctx, TableNames.CUSTOMER_PERSONAS);
    // One row per persona: held by the driver, so its names are looked up, not joined.
    Dataset<Row> personas =
        ctx.tables().exists(TableNames.PERSONAS, ctx.date())
            ? ctx.tables().readSmall(TableNames.PERSONAS, ctx.date())
            : null;
    Dataset<Row> journey = readIfExists(ctx, JOURNEY_STAGES);
    result.metric("recommendations_journey_stages_found", journey == null ? 0 : 1);

    Dataset<Row> audience = audience(customers, journey, transactions);
    Recommender.Inputs in =
        new Recommender.Inputs(transactions, products, customerPersonas, personas, audience);
    Recommender.Params params = Recommender.Params.from(s);
    // A full refresh rebuilds from the raw inputs: it learns the blend again.
    java.util.Optional<BlendStore.Stored> kept =
        s.blend().learn() && !ctx.settings().run().fullRefresh()
            ? BlendStore.reusable(ctx.tables(), date, params)
            : java.util.Optional.empty();
    // ALS factors kept from an earlier night, else fitted tonight and kept for the nights after.
    String alsFingerprint = AlsModelStore.fingerprint(params, settings.run().lookbackDays());
    java.util.Optional<AlsModelStore.Stored> keptAls =
        ctx.settings().run().fullRefresh()
            ? java.util.Optional.empty()
            : AlsModelStore.reusable(ctx.tables(), date, alsFingerprint, s.als().refitDays());
    java.util.concurrent.atomic.AtomicReference<LocalDate> alsFittedOn =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.function.Function<Dataset<Row>, CandidateSources.AlsFit> alsFactors =
        inter -> {
          AlsModelStore.Stored used =
              keptAls.orElseGet(
                  () -> {
                    AlsModelStore.Stored fitted =
                        new AlsModelStore.Stored(CandidateSources.fitAls(inter, s.als()), date);
                    AlsModelStore.save(ctx.tables(), date, fitted, alsFingerprint);
                    return fitted;
                  });
          alsFittedOn.set(used.fittedOn());
          result.metric("recommendations_als_reused", keptAls.isPresent() ? 1 : 0);
          result.metric(
              "recommendations_als_age_days",
              java.time.temporal.ChronoUnit.DAYS.between(used.fittedOn(), date));
          return used.fit();
        };
    // The customers whose inputs did not change since last night keep its recommendations, when
    // it scored with the same factors, blend, settings, products and persona names.
    int lookbackDays = settings.run().lookbackDays();
    String timeZone = ctx.spark().conf().get("spark.sql.session.timeZone");
    String productsChecksum = RecommendationCarryOver.productsChecksum(products);
    String personaNames = RecommendationCarryOver.personaNames(personas);
    Map<String, String> daySignatures =
        CuratedTables.eventDateSignatures(ctx.tables(), "transactions", date);
    java.util.Optional<Blend.Fit> blendKnown =
        kept.map(BlendStore.Stored::fit)
            .or(
                () ->
                    s.blend().learn()
                        ? java.util.Optional.empty()
                        : java.util.Optional.of(Blend.Fit.fixed(params.startWeights())));
    Map<String, String> tonight =
        RecommendationCarryOver.fingerprint(
            params,
            lookbackDays,
            timeZone,
            blendKnown
                .map(
                    f ->
                        usesAls(params, f)
                            ? keptAls.map(a -> "fitted " + a.fittedOn()).orElse("fitted tonight")
                            : "unused")
                .orElse("with the blend learned tonight"),
            kept.map(k -> "learned " + k.learnedOn())
                .orElse(s.blend().learn() ? "learned tonight" : "configured"),
            personaNames,
            productsChecksum);
    RecommendationCarryOver.Decision carry =
        RecommendationCarryOver.decide(
            ctx.tables(),
            date,
            tonight,
            daySignatures,
            settings.run().fullRefresh(),
            s.carryOverDays(),
            lookbackDays,
            params);
    LOG.info("  recommendations: {}", carry.reason());
    result.metric("recommendations_carried_over", carry.carryOver().isPresent() ? 1 : 0);
    Recommender.Result rec =
        Recommender.recommend(
            in,
            params,
            date,
            kept.map(BlendStore.Stored::fit).orElse(null),
            alsFactors,
            carry.rebuild(date));
    LocalDate learnedOn = kept.map(BlendStore.Stored::learnedOn).orElse(date);
    BlendStore.save(ctx.tables(), date, new BlendStore.Stored(rec.blend(), learnedOn), params);
    result.metric("recommendations_blend_reused", kept.isPresent() ? 1 : 0);
    if (rec.blend().learned()) {
      result.metric(
          "recommendations_blend_age_days",
          java.time.temporal.ChronoUnit.DAYS.between(learnedOn, date));
    }
    result.written(
        RECOMMENDATIONS, ctx.tables().write(RECOMMENDATIONS, date, rec.recommendations()));
    // What the next night's carry-over compares with: the factors and blend actually used.
    Map<String, String> used =
        RecommendationCarryOver.fingerprint(
            params,
            lookbackDays,
            timeZone,
            usesAls(params, rec.blend()) ? "fitted " + alsFittedOn.get() : "unused",
            rec.blend().learned() ? "learned " + learnedOn : "configured",
            personaNames,
            productsChecksum);
    long stateRows =
        RecommendationCarryOver.save(
            ctx.tables(), date, rec.state(), rec.interactions(), used, daySignatures);
    rec.release().run();
    rec.recommendations().unpersist();
    // Without a carry-over every customer of the state was scored tonight.
    long scored =
        carry.carryOver().isEmpty()
            ? stateRows
            : ctx.tables()
                .read(RecommendationCarryOver.DIRECTORY, date)
                .filter(col("built_on").equalTo(lit(java.sql.Date.valueOf(date))))
                .count();
    result.metric("recommendations_customers_scored", scored);
    result.metric("recommendations_customers_carried", stateRows - scored);
    Dataset<Row> recs = ctx.tables().read(RECOMMENDATIONS, date);
    // The blend used tonight: its weights and, when learned, its NDCG@10 on the validation days.
    rec.blend()
        .named()
        .forEach(
            (source, w) ->
                result.metric("recommendations_blend_weight_" + source.replace('-', '_'), w));
    // Segments with weights of their own (the others use the weights above).
    rec.blend().segmentWeightMetrics("recommendations_blend_").forEach(result::metric);
    result.metric("recommendations_blend_learned", rec.blend().learned() ? 1 : 0);
    if (rec.blend().learned()) {
      result.metric("recommendations_blend_validation_ndcg_at_10", rec.blend().validationNdcg());
      result.metric("recommendations_blend_validation_customers", rec.blend().customers());
    }

    // churn_risk is written by the churn step (jobs/churn/ChurnJob); absent, churn columns are
    // null.
    Dataset<Row> churn = readIfExists(ctx, CHURN_RISK);

    Dataset<Row> features = ctx.tables().read(TableNames.CUSTOMER_FEATURES, date);
    Dataset<Row> reviews =
        events == null
            ? null
            : PainPoints.reviewsInWindow(
                events, date, settings.run().lookbackDays(), s.painPoints().lowRating());
    Dataset<Row> assessed = PainPoints.assess(features, reviews, s.painPoints()).cache();
    result.written(PAIN_POINTS, ctx.tables().write(PAIN_POINTS, date, PainPoints.table(assessed)));

    // A buyer before the window is no prospect: the preferred channel counts the whole history.
    Dataset<Row> channels =
        CuratedTables.readHistory(
            ctx.tables(),
            "transactions",
            date,
            settings.run().lookbackDays(),
            "customer_id",
            "channel");
    Dataset<Row> frame =
        frame(audience, channels, recs, products, personas, journey, churn, assessed);
    result.written(
        NEXT_BEST_ACTION,
        ctx.tables()
            .write(
                NEXT_BEST_ACTION,
                date,
                NextBestAction.table(NextBestAction.decide(frame, s.nextBestAction()))));
    assessed.unpersist();

    // Both figures in one query (a Spark job each otherwise): the customers served, from the
    // recommendations, and the share of next-best actions given to people, from the table written.
    Dataset<Row> figures =
        recs.agg(
                lit("served").as("figure"),
                functions.countDistinct("customer_id").cast("double").as("value"))
            .unionAll(
                ctx.tables()
                    .read(NEXT_BEST_ACTION, date)
                    .agg(
                        lit("human").as("figure"),
                        functions.avg(
                            functions.when(col("channel").equalTo("human"), 1.0).otherwise(0.0))));
    for (Row r : figures.collectAsList()) {
      double value = r.isNullAt(1) ? 0 : r.getDouble(1);
      if (r.getString(0).equals("served")) {
        result.metric("recommendations_customers_served", (long) value);
      } else {
        result.metric("recommendations_nba_human_share", value);
      }
    }
    return result;
  }
}
