package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.RecommendationSettings;
import com.customerpath.common.config.RecommendationSettings.AlsSettings;
import com.customerpath.common.config.RecommendationSettings.BlendSettings;
import com.customerpath.common.config.RecommendationSettings.CandidateSettings;
import com.customerpath.common.config.RecommendationSettings.Preference;
import com.customerpath.common.config.RecommendationSettings.RepeatPurchase;
import com.customerpath.common.spark.Explode;
import com.customerpath.common.spark.LocalRows;
import com.customerpath.common.spark.Lookup;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Hybrid recommender: candidates from five sources (buy again with "due again", bought together,
 * persona/context popularity, global popularity, ALS; see {@link CandidateSources}), every
 * candidate scored by every source (each score in [0, 1]) and blended with weights learned on a
 * validation split ({@link Blend}). The repeat-purchase policy decides which bought products may
 * come back. Everything stays in Spark: top-N per customer is a window per customer.
 */
public final class Recommender {
  /** Group of customers without a persona: popularity over every buyer. */
  public static final int EVERYONE = -1;

  static final String WEEKEND = "weekend";
  static final String WEEKDAY = "weekday";

  /** The score columns, in the order of {@link BlendSettings#SOURCES}. */
  public static final List<String> FEATURES =
      List.of("f_buy_again", "f_due", "f_together", "f_persona", "f_global", "f_als");

  private Recommender() {}

  /**
   * The knobs of one recommender run. usePersonas false = every customer in one group.
   * dueHorizonDays: the days ahead over which the recommendations are used; with the when-due
   * policy a bought product is let through when it will be due by then (0 for the nightly tables,
   * renewed every night; an evaluation's test window or a validation split's days for them).
   */
  public record Params(
      int topN,
      int candidates,
      RepeatPurchase repeat,
      List<String> repeatableCategories,
      double dueThreshold,
      int dueHorizonDays,
      double contextBoost,
      Preference preference,
      CandidateSettings sources,
      AlsSettings als,
      BlendSettings blend,
      boolean useAls,
      boolean usePersonas) {
    public static Params from(RecommendationSettings s) {
      return new Params(
          s.topN(),
          s.candidates(),
          s.repeatPurchase(),
          s.repeatableCategories(),
          s.dueThreshold(),
          0,
          s.contextBoost(),
          s.preference(),
          s.sources(),
          s.als(),
          s.blend(),
          true,
          true);
    }

    public Params withTopN(int n) {
      return copy(
          b -> {
            b.topN = n;
            b.candidates = Math.max(n, candidates);
          });
    }

    public Params withRepeat(RepeatPurchase r) {
      return copy(b -> b.repeat = r);
    }

    public Params withoutAls() {
      return copy(b -> b.useAls = false);
    }

    public Params withDueHorizon(int days) {
      if (days < 0) {
        throw new IllegalArgumentException("due horizon must be >= 0 days, got " + days);
      }
      return copy(b -> b.dueHorizonDays = days);
    }

    /** These params with the fields `change` sets: the one place that lists every field. */
    private Params copy(java.util.function.Consumer<Copy> change) {
      Copy b = new Copy(this);
      change.accept(b);
      return new Params(
          b.topN,
          b.candidates,
          b.repeat,
          repeatableCategories,
          dueThreshold,
          b.dueHorizonDays,
          contextBoost,
          preference,
          sources,
          als,
          blend,
          b.useAls,
          usePersonas);
    }

    /** The fields a copy may change. */
    private static final class Copy {
      int topN;
      int candidates;
      RepeatPurchase repeat;
      int dueHorizonDays;
      boolean useAls;

      Copy(Params p) {
        topN = p.topN();
        candidates = p.candidates();
        repeat = p.repeat();
        dueHorizonDays = p.dueHorizonDays();
        useAls = p.useAls();
      }
    }

    /** The configured weights in FEATURES order (ALS 0 when ALS is off). */
    double[] startWeights() {
      double[] w = new double[FEATURES.size()];
      for (int i = 0; i < w.length; i++) {
        w[i] = blend.weights().get(BlendSettings.SOURCES.get(i));
      }
      if (!useAls) {
        w[FEATURES.indexOf("f_als")] = 0;
      }
      return w;
    }
  }

  /**
   * transactions: curated lines (customer_id, transaction_id, ts, product_id, quantity); products:
   * product_id, category, optional name (may be null); customerPersonas: customer_id, persona_id,
   * context (may be null); personas: persona_id, persona_name (may be null); audience: customer_id
   * and an optional persona_id (e.g. from journey_stages) of every customer to recommend for,
   * buyers or not.
   */
  public record Inputs(
      Dataset<Row> transactions,
      Dataset<Row> products,
      Dataset<Row> customerPersonas,
      Dataset<Row> personas,
      Dataset<Row> audience) {
    Inputs cutAt(LocalDate day, Dataset<Row> newAudience) {
      return new Inputs(
          transactions.filter(functions.to_date(col("ts")).leq(lit(java.sql.Date.valueOf(day)))),
          products,
          customerPersonas,
          personas,
          newAudience);
    }
  }

  /**
   * The recommendations (customer_id, rank, product_id, score, reason, source, persona_id) and the
   * blend used.
   */
  public record Result(
      Dataset<Row> recommendations,
      Blend.Fit blend,
      Dataset<Row> state,
      Dataset<Row> interactions,
      Runnable release) {
    Result(Dataset<Row> recommendations, Blend.Fit blend) {
      this(recommendations, blend, null, null, () -> {});
    }
  }

  /**
   * Which customers a build scores tonight, and what becomes of the others: {@link #EVERYONE}
   * scores every customer; a carry-over ({@link RecommendationCarryOver}) scores the customers
   * whose inputs changed and keeps the others' recommendations of an earlier night.
   */
  public interface Rebuild {
    /**
     * Tonight's per-product rows ({@link CandidateSources#PER_PRODUCT}) of the purchases:
     * aggregate's rows of them, or of the customers whose lines changed with the others' kept.
     */
    Dataset<Row> perProduct(Dataset<Row> purchases, Function<Dataset<Row>, Dataset<Row>> aggregate);

    /**
     * customer_id of the customers to score (null: every one), given tonight's interactions and
     * groups ({@link #customerGroups}); the build caches what it returns.
     */
    Dataset<Row> targets(Dataset<Row> interactions, Dataset<Row> groups);

    /** The recommendations of the customers not scored tonight (the build's columns), or null. */
    Dataset<Row> carried(Dataset<Row> groups, Dataset<Row> targets);

    /**
     * Each customer's group and the night their recommendations were built ({@link
     * RecommendationCarryOver#STATE_COLUMNS}), for the next night.
     */
    Dataset<Row> state(Dataset<Row> groups, Dataset<Row> targets);

    /** Drops what the rebuild cached, once the build's results are written. */
    default void release() {}
  }

  /** Scores every customer; the state says every one was built on asOf. */
  public static Rebuild everyone(LocalDate asOf) {
    return new Rebuild() {
      @Override
      public Dataset<Row> perProduct(
          Dataset<Row> purchases, Function<Dataset<Row>, Dataset<Row>> aggregate) {
        return aggregate.apply(purchases);
      }

      @Override
      public Dataset<Row> targets(Dataset<Row> interactions, Dataset<Row> groups) {
        return null;
      }

      @Override
      public Dataset<Row> carried(Dataset<Row> groups, Dataset<Row> targets) {
        return null;
      }

      @Override
      public Dataset<Row> state(Dataset<Row> groups, Dataset<Row> targets) {
        return RecommendationCarryOver.stateOf(groups, lit(java.sql.Date.valueOf(asOf)));
      }
    };
  }

  /**
   * customer_id, persona_id (group; EVERYONE when unknown), ctx_persona_id, context (weekend when
   * at least half of the customer's purchase lines fall on a Saturday or Sunday, from the
   * interactions' line counts).
   */
  static Dataset<Row> customerGroups(Inputs in, Dataset<Row> interactions, Params p) {
    Dataset<Row> audience =
        in.audience()
            .select(
                col("customer_id"),
                (hasColumn(in.audience(), "persona_id")
                        ? col("persona_id").cast("int")
                        : lit(null).cast("int"))
                    .as("audience_persona_id"));
    Dataset<Row> buyers =
        interactions
            .groupBy("customer_id")
            .agg(functions.sum("weekend_lines").divide(functions.sum("lines")).as("weekend_share"))
            .withColumn("weekend", when(col("weekend_share").geq(0.5), lit(1)).otherwise(lit(0)))
            .drop("weekend_share");
    // The context as a number through the aggregation: a string's max is a sort-based
    // aggregation (a sort of every customer), an int's a hash aggregation.
    Dataset<Row> all =
        audience
            .join(buyers, new String[] {"customer_id"}, "full_outer")
            .groupBy("customer_id")
            .agg(
                functions.max("audience_persona_id").as("audience_persona_id"),
                functions.max("weekend").as("weekend"))
            .withColumn(
                "context",
                when(col("weekend").equalTo(1), lit(WEEKEND))
                    .when(col("weekend").equalTo(0), lit(WEEKDAY)))
            .drop("weekend");
    if (!p.usePersonas() || in.customerPersonas() == null) {
      return all.select(
          col("customer_id"),
          lit(EVERYONE).as("persona_id"),
          lit(null).cast("int").as("ctx_persona_id"),
          col("context"));
    }
    Dataset<Row> cp = in.customerPersonas(); // one row per (customer, context)
    Dataset<Row> allPersona =
        cp.filter(col("context").equalTo("all"))
            .select(col("customer_id"), col("persona_id").cast("int").as("cp_persona_id"));
    Dataset<Row> ctxPersona =
        cp.filter(col("context").isin(WEEKDAY, WEEKEND))
            .select(
                col("customer_id"),
                col("context"),
                col("persona_id").cast("int").as("ctx_persona_id"));
    return all.join(allPersona, new String[] {"customer_id"}, "left")
        .join(ctxPersona, new String[] {"customer_id", "context"}, "left")
        .select(
            col("customer_id"),
            coalesce(col("cp_persona_id"), col("audience_persona_id"), lit(EVERYONE))
                .as("persona_id"),
            col("ctx_persona_id"),
            col("context"));
  }

  /**
   * Popularity ({@link CandidateAssembly#BUYERS}): buyers per product, of everyone, per persona and
   * per (context, context persona), in one query over the interactions (one row per customer and
   * product, so a count is a count of distinct buyers, and the lines are not read again); the
   * lookups divide each by its group's best seller. A context group counts the buyers who bought
   * the product in their own context (a weekend shopper's weekend lines). groups: {@link
   * #customerGroups}.
   */
  static Dataset<Row> popularityBuyers(Dataset<Row> inter, Dataset<Row> groups) {
    // Left: a buyer without a group row still counts for everyone's popularity.
    Dataset<Row> withGroup =
        inter
            .select("customer_id", "product_id", "lines", "weekend_lines")
            .join(
                groups.select("customer_id", "persona_id", "ctx_persona_id", "context"),
                new String[] {"customer_id"},
                "left");
    Column boughtInContext =
        when(col("context").equalTo(WEEKEND), col("weekend_lines").gt(0))
            .otherwise(col("lines").gt(col("weekend_lines")));
    // Each (customer, product) row once per popularity it counts for, so the three are counted in
    // one aggregation over one read of the interactions (three reads and two joins before).
    List<String> popularity =
        List.of(CandidateAssembly.GLOBAL, CandidateAssembly.PERSONA, CandidateAssembly.CONTEXT);
    Dataset<Row> tagged =
        Explode.nonNull(
            withGroup,
            "_popularity",
            List.of(
                lit(0),
                when(col("persona_id").notEqual(EVERYONE), lit(1)),
                when(col("ctx_persona_id").isNotNull().and(boughtInContext), lit(2))));
    Column groupKey =
        when(col("_popularity").equalTo(1), col("persona_id").cast("string"))
            .when(col("_popularity").equalTo(2), CandidateAssembly.contextGroup());
    return tagged
        .groupBy(
            functions
                .element_at(
                    functions.array(popularity.stream().map(functions::lit).toArray(Column[]::new)),
                    col("_popularity").plus(1))
                .as("popularity"),
            groupKey.as("group_key"),
            col("product_id"))
        .agg(functions.count(lit(1)).as("buyers"))
        .select("popularity", "group_key", "product_id", "buyers");
  }

  /** Scored candidates plus what they depend on; release() unpersists what was cached. */
  public record Candidates(
      Dataset<Row> scored,
      Dataset<Row> interactions,
      Dataset<Row> groups,
      Dataset<Row> targets,
      List<Dataset<Row>> cached,
      CandidateSources.AlsFit als) {
    public void release() {
      cached.forEach(Dataset::unpersist);
      CandidateSources.release(als);
    }
  }

  /**
   * Every candidate of every audience customer (and buyer) as of `asOf` from the transactions of
   * `in` (already cut at asOf): customer_id, product_id, persona_id, bought, due_ratio,
   * interval_days, category, because, and the six scores FEATURES (0 when a source has no opinion).
   * No policy applied yet (see {@link #allowed}).
   */
  public static Candidates candidates(Inputs in, Params p, LocalDate asOf) {
    return candidates(in, p, asOf, null);
  }

  /**
   * As above, with candidates built for the targets' customers only (customer_id; null = every
   * customer). Popularity, neighbours and ALS still learn from every buyer, so a target's
   * candidates and scores are the same as in the whole build: the validation and evaluation builds,
   * which score a sample of customers, do not pay for everyone else.
   */
  public static Candidates candidates(Inputs in, Params p, LocalDate asOf, Dataset<Row> targets) {
    return candidates(in, p, asOf, targets, true);
  }

  /**
   * As above; withTogether false leaves out the bought-together source (its candidates and
   * f_together = 0): its item-item neighbours and per-customer sums are the build's most costly
   * part, wasted when the blend gives it no weight.
   */
  static Candidates candidates(
      Inputs in, Params p, LocalDate asOf, Dataset<Row> targets, boolean withTogether) {
    return candidates(in, p, asOf, targets, withTogether, null, fitAls(p));
  }

  /** Fits ALS on the interactions every time it is asked (validation and evaluation builds). */
  static Function<Dataset<Row>, CandidateSources.AlsFit> fitAls(Params p) {
    return inter -> CandidateSources.fitAls(inter, p.als());
  }

  /**
   * As above; with a ranking, scored() holds each customer's ranked best candidates only (see
   * {@link CandidateAssembly#assemble(Dataset, Dataset, Dataset, Dataset, Dataset, Dataset, double,
   * int, CandidateAssembly.Ranking)}); alsFactors gives the ALS factors for the cached interactions
   * (fitted on them, or kept from an earlier night: {@link AlsModelStore}).
   */
  static Candidates candidates(
      Inputs in,
      Params p,
      LocalDate asOf,
      Dataset<Row> targets,
      boolean withTogether,
      CandidateAssembly.Ranking ranking,
      Function<Dataset<Row>, CandidateSources.AlsFit> alsFactors) {
    return candidatesFor(
        in,
        p,
        asOf,
        purchases -> CandidateSources.perProduct(purchases, asOf, p.sources()),
        (inter, groups) -> targets,
        withTogether,
        ranking,
        alsFactors);
  }

  /** As above, with the targets chosen from tonight's interactions and groups (null: everyone). */
  static Candidates candidatesFor(
      Inputs in,
      Params p,
      LocalDate asOf,
      Function<Dataset<Row>, Dataset<Row>> perProductOf,
      java.util.function.BiFunction<Dataset<Row>, Dataset<Row>, Dataset<Row>> targetsOf,
      boolean withTogether,
      CandidateAssembly.Ranking ranking,
      Function<Dataset<Row>, CandidateSources.AlsFit> alsFactors) {
    List<Dataset<Row>> cached = new ArrayList<>();
    Dataset<Row> purchases = CandidateSources.purchases(in.transactions());
    Dataset<Row> inter =
        CandidateSources.cachedInteractions(
            perProductOf.apply(purchases), asOf, p.preference(), cached);
    Dataset<Row> groups = customerGroups(in, inter, p).persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(groups);
    int n = p.candidates();

    Dataset<Row> buyers = popularityBuyers(inter, groups);
    Dataset<Row> targets = targetsOf.apply(inter, groups);

    // Each target customer's candidates: the sources' best n, scored in one pass per customer.
    Dataset<Row> targetGroups =
        targets == null ? groups : groups.join(targets.select("customer_id"), "customer_id");
    Dataset<Row> targetInter =
        targets == null
            ? inter
            : inter.join(targets.select("customer_id"), new String[] {"customer_id"}, "left_semi");
    // Bought together and ALS are scored in the assembly's pass, each customer's n best (a
    // candidate of another source outside them scores 0 there): from the neighbour index and the
    // products' factors, broadcast, and the customer's own rows and factors.
    CandidateSources.NeighbourIndex together =
        withTogether ? CandidateSources.boughtTogetherIndex(inter, p.sources()) : null;
    CandidateSources.AlsFit alsFit = null;
    CandidateSources.ProductFactors productFactors = null;
    Dataset<Row> customerFactors = null;
    if (p.useAls() && (p.blend().weights().getOrDefault("als", 0.0) > 0 || p.blend().learn())) {
      alsFit = alsFactors.apply(inter);
      productFactors = CandidateSources.ProductFactors.of(alsFit);
      customerFactors = CandidateSources.customerFactors(alsFit, targets);
    }
    CandidateAssembly.InPass inPass =
        together == null && productFactors == null
            ? null
            : new CandidateAssembly.InPass(
                together, p.sources().maxItemsPerCustomer(), productFactors, n);
    Dataset<Row> categories =
        in.products() == null || !hasColumn(in.products(), "category")
            ? null
            : in.products().select(col("product_id"), col("category"));
    Dataset<Row> scored =
        CandidateAssembly.assemble(
            targetGroups,
            targetInter,
            null,
            null,
            inPass,
            customerFactors,
            buyers,
            categories,
            p.usePersonas() ? p.contextBoost() : 0.0,
            n,
            ranking);
    return new Candidates(scored, inter, groups, targets, cached, alsFit);
  }

  /**
   * Whether the repeat-purchase policy lets a candidate through (not bought, or bought and
   * allowed).
   */
  public static Column allowed(Params p) {
    Column notBought = functions.not(col("bought"));
    return switch (p.repeat()) {
      case NEVER -> notBought;
      case ALWAYS -> lit(true);
      case BY_CATEGORY ->
          p.repeatableCategories().isEmpty()
              ? notBought
              : notBought.or(
                  coalesce(col("category").isin(p.repeatableCategories().toArray()), lit(false)));
      // due_ratio = days since the last purchase / the product's interval, as of the build date;
      // the horizon moves that date ahead.
      case WHEN_DUE ->
          notBought.or(
              coalesce(
                  col("due_ratio")
                      .plus(lit((double) p.dueHorizonDays()).divide(col("interval_days")))
                      .geq(p.dueThreshold()),
                  lit(false)));
    };
  }

  /** The blended score of the weights (FEATURES order). */
  public static Column score(double[] w) {
    Column s = lit(0.0);
    for (int i = 0; i < w.length; i++) {
      if (w[i] != 0) {
        s = s.plus(col(FEATURES.get(i)).multiply(w[i]));
      }
    }
    return s;
  }

  /** Top n of the allowed candidates by the weights: the candidate columns + score, rank. */
  public static Dataset<Row> rank(Dataset<Row> scored, Column score, int n) {
    return scored
        .withColumn("score", score)
        .withColumn(
            "rank",
            functions
                .row_number()
                .over(
                    Window.partitionBy("customer_id")
                        .orderBy(col("score").desc(), col("product_id"))))
        .filter(col("rank").leq(n));
  }

  /**
   * Learns the blend on a validation split: features as of asOf - validation-days, relevant = the
   * products bought in the days after it up to asOf. Uses the configured weights when learning is
   * off or too few customers bought in the validation days.
   */
  public static Blend.Fit learnBlend(Inputs in, Params p, LocalDate asOf) {
    return learnBlends(in, List.of(p), asOf).get(0);
  }

  /**
   * One blend per parameter set, all learned on one build of the validation candidates: the sets
   * may differ in their repeat-purchase policy only (the evaluation's two views), which filters the
   * candidates but does not change them.
   */
  public static List<Blend.Fit> learnBlends(Inputs in, List<Params> ps, LocalDate asOf) {
    Params p = ps.get(0);
    if (!p.blend().learn()) {
      return ps.stream().map(q -> Blend.Fit.fixed(q.startWeights())).toList();
    }
    LocalDate v = asOf.minusDays(p.blend().validationDays());
    Column day = functions.to_date(col("ts"));
    Dataset<Row> after =
        in.transactions()
            .filter(
                day.gt(lit(java.sql.Date.valueOf(v)))
                    .and(day.leq(lit(java.sql.Date.valueOf(asOf)))));
    // A deterministic sample of the validation buyers bounds the search's cost.
    Dataset<Row> relevant =
        RecommenderEvaluation.relevant(after)
            .orderBy(functions.xxhash64(col("customer_id")), col("customer_id"))
            .limit(p.blend().maxValidationCustomers())
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> audience =
        relevant.select(col("customer_id"), lit(null).cast("int").as("persona_id"));
    Candidates c = candidates(in.cutAt(v, audience), p, v, relevant);
    List<Blend.Fit> fits = new ArrayList<>();
    for (Params q : ps) {
      // Relevance spans the validation days: what is due within them may be recommended.
      Dataset<Row> scored =
          c.scored()
              .filter(allowed(q.withDueHorizon(q.blend().validationDays())))
              .join(relevant.select("customer_id"), "customer_id");
      fits.add(Blend.learn(scored, relevant, q.startWeights(), q.blend(), 10));
    }
    c.release();
    relevant.unpersist();
    return fits;
  }

  /**
   * Runs the whole hybrid as of asOf (transactions already cut at asOf) and returns top-N rows per
   * customer.
   */
  public static Result recommend(Inputs in, Params p, LocalDate asOf) {
    return recommend(in, p, asOf, null);
  }

  /**
   * As {@link #recommend(Inputs, Params, LocalDate)} with a blend learned on an earlier night
   * (null: learn it tonight, when learning is on).
   */
  public static Result recommend(Inputs in, Params p, LocalDate asOf, Blend.Fit reused) {
    return recommend(in, p, asOf, reused, fitAls(p));
  }

  /**
   * As above, with the ALS factors from alsFactors (given tonight's cached interactions): the
   * nightly step scores with factors kept from an earlier night while they are young enough.
   */
  public static Result recommend(
      Inputs in,
      Params p,
      LocalDate asOf,
      Blend.Fit reused,
      Function<Dataset<Row>, CandidateSources.AlsFit> alsFactors) {
    Result r = recommend(in, p, asOf, reused, alsFactors, everyone(asOf));
    r.release().run();
    return new Result(r.recommendations(), r.blend());
  }

  /**
   * As above, scoring the customers rebuild chooses and adding the recommendations it carries over;
   * the result's state (not yet computed) is what the next night's carry-over reads, and release()
   * unpersists the build's caches once the state is written.
   */
  public static Result recommend(
      Inputs in,
      Params p,
      LocalDate asOf,
      Blend.Fit reused,
      Function<Dataset<Row>, CandidateSources.AlsFit> alsFactors,
      Rebuild rebuild) {
    Blend.Fit fit = reused != null ? reused : learnBlend(in, p, asOf);
    // A blend that gives ALS no weight leaves its candidates to the other sources' scores: the
    // factorisation is not fitted for nothing.
    Params tonight = fit.uses("f_als") ? p : p.withoutAls();
    // Likewise bought together: no weight, no neighbours.
    // The policy and the blend rank each customer's candidates inside the assembly: only the top
    // N leave it.
    List<Dataset<Row>> chosen = new ArrayList<>();
    Candidates c =
        candidatesFor(
            in,
            tonight,
            asOf,
            purchases ->
                rebuild.perProduct(
                    purchases, all -> CandidateSources.perProduct(all, asOf, tonight.sources())),
            (inter, groups) -> {
              Dataset<Row> targets = rebuild.targets(inter, groups);
              if (targets == null) {
                return null;
              }
              // Read by the assembly's inputs, the sources' lists and the carry-over: once.
              chosen.add(targets.persist(StorageLevel.MEMORY_AND_DISK()));
              return chosen.get(0);
            },
            fit.uses("f_together"),
            new CandidateAssembly.Ranking(p, fit),
            alsFactors);
    Dataset<Row> built = explain(c.scored(), fit, in);
    Dataset<Row> carried = rebuild.carried(c.groups(), c.targets());
    Dataset<Row> recs =
        (carried == null ? built : built.unionByName(carried))
            .persist(StorageLevel.MEMORY_AND_DISK());
    recs.count(); // materialise before the inputs are released
    return new Result(
        recs,
        fit,
        rebuild.state(c.groups(), c.targets()),
        c.interactions(),
        () -> {
          c.release();
          chosen.forEach(Dataset::unpersist);
          rebuild.release();
        });
  }

  /**
   * Adds persona_name, the name of each row's persona_id (null without one or without a personas
   * table): looked up in a literal map when the personas table is held by the driver (read by
   * {@code Tables.readSmall}: one row per persona, no broadcast job), else a broadcast join.
   */
  static Dataset<Row> withPersonaName(Dataset<Row> rows, Dataset<Row> personas) {
    if (personas == null) {
      return rows.withColumn("persona_name", lit(null).cast("string"));
    }
    Dataset<Row> names =
        personas.select(col("persona_id").cast("int").as("persona_id"), col("persona_name"));
    if (LocalRows.local(names)) {
      java.util.Map<Integer, String> byId = new java.util.HashMap<>();
      for (Row r : names.collectAsList()) {
        if (!r.isNullAt(0)) {
          byId.putIfAbsent(r.getInt(0), r.isNullAt(1) ? null : r.getString(1));
        }
      }
      return rows.withColumn(
          "persona_name", Lookup.stringValue(col("persona_id").cast("int"), byId));
    }
    return rows.join(functions.broadcast(names), new String[] {"persona_id"}, "left");
  }

  /**
   * The source whose weighted score (with the weights of the customer's segment) contributes most,
   * and a reason naming products by name.
   */
  static Dataset<Row> explain(Dataset<Row> top, Blend.Fit fit, Inputs in) {
    Column best = lit(null).cast("string");
    List<Column> parts = new ArrayList<>();
    int sources = fit.weights().length;
    for (int i = 0; i < sources; i++) {
      parts.add(col(FEATURES.get(i)).multiply(fit.weight(i)));
    }
    // Pick the largest part; ties go to the first source in FEATURES order.
    Column max = functions.greatest(parts.toArray(new Column[0]));
    for (int i = sources - 1; i >= 0; i--) {
      best =
          when(parts.get(i).equalTo(max).and(parts.get(i).gt(0)), lit(BlendSettings.SOURCES.get(i)))
              .otherwise(best);
    }
    Dataset<Row> names = productNames(in.products());
    Dataset<Row> t =
        withPersonaName(
            top.withColumn("source", coalesce(best, lit("global-popularity"))), in.personas());
    if (names != null) {
      t =
          t.join(names, new String[] {"product_id"}, "left")
              .join(
                  names.select(
                      col("product_id").as("because"), col("product_name").as("because_name")),
                  new String[] {"because"},
                  "left");
    } else {
      t =
          t.withColumn("product_name", lit(null).cast("string"))
              .withColumn("because_name", lit(null).cast("string"));
    }
    Column item = coalesce(col("product_name"), col("product_id"));
    Column because = coalesce(col("because_name"), col("because"));
    Column popular =
        when(
                col("persona_id").equalTo(EVERYONE).or(col("persona_name").isNull()),
                lit("bestseller among all customers"))
            .otherwise(
                functions.concat(lit("popular with "), col("persona_name"), lit(" like you")));
    Column reason =
        when(col("source").equalTo("buy-again"), functions.concat(lit("you often buy "), item))
            .when(
                col("source").equalTo("due"),
                functions.concat(
                    lit("due again: you buy "),
                    item,
                    lit(" about every "),
                    functions.round(col("interval_days"), 0).cast("int").cast("string"),
                    lit(" days")))
            .when(
                col("source").equalTo("bought-together").and(because.isNotNull()),
                functions.concat(lit("often bought with "), because))
            .when(
                col("source").equalTo("als"),
                lit("picked for you: customers with similar tastes buy it"))
            .when(col("source").equalTo("persona-popularity"), popular)
            .otherwise(lit("bestseller among all customers"));
    return t.select(
        col("customer_id"),
        col("rank").cast("int").as("rank"),
        col("product_id"),
        col("score"),
        reason.as("reason"),
        col("source"),
        when(col("persona_id").equalTo(EVERYONE), lit(null).cast("int"))
            .otherwise(col("persona_id"))
            .as("persona_id"));
  }

  /**
   * product_id, product_name (the contract's optional name; null when absent), or null without
   * products.
   */
  static Dataset<Row> productNames(Dataset<Row> products) {
    if (products == null || !hasColumn(products, "name")) {
      return null;
    }
    return products.select(col("product_id"), col("name").as("product_name"));
  }

  static boolean hasColumn(Dataset<Row> ds, String name) {
    return List.of(ds.columns()).contains(name);
  }

  /** The weights as a map (source name -> weight) for manifests and logs. */
  public static Map<String, Double> named(double[] w) {
    Map<String, Double> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < w.length; i++) {
      m.put(BlendSettings.SOURCES.get(i), w[i]);
    }
    return m;
  }
}
