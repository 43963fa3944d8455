package com.customerpath.jobs.recommend;

import com.customerpath.common.config.PipelineSettings.AlsSettings;
import com.customerpath.common.config.PipelineSettings.RecommendationSettings;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;

import java.util.List;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * Hybrid recommender: popularity within the customer's persona (boosted by the persona of the
 * context where the customer mostly shops) blended with implicit-feedback ALS. Each score is
 * normalised to [0, 1] per customer (min-max over the customer's candidates) before the weighted
 * blend. Products already bought are excluded unless their category is repeatable; customers
 * without history get their persona's (or everyone's) best products. Everything stays in Spark:
 * top-N per customer is a window function.
 */
public final class Recommender {
  /** Group of customers without a persona: popularity over every buyer. */
  public static final int EVERYONE = -1;
  static final String WEEKEND = "weekend";
  static final String WEEKDAY = "weekday";

  private Recommender() {}

  /**
   * The knobs of one recommender. popularityWeight 0 = ALS alone (no candidates from popularity,
   * so customers without history get nothing); alsWeight 0 = popularity alone; usePersonas
   * false = global popularity.
   */
  public record Params(int topN, int candidates, double popularityWeight, double alsWeight, double contextBoost,
                       List<String> repeatableCategories, String preference, AlsSettings als, boolean usePersonas) {
    public static Params from(RecommendationSettings s) {
      return new Params(s.topN(), s.candidates(), s.popularityWeight(), s.alsWeight(), s.contextBoost(),
          s.repeatableCategories(), s.preference(), s.als(), true);
    }

    public Params withTopN(int n) {
      return new Params(n, Math.max(n, candidates), popularityWeight, alsWeight, contextBoost, repeatableCategories,
          preference, als, usePersonas);
    }

    public Params globalPopularity() {
      return new Params(topN, candidates, 1.0, 0.0, 0.0, repeatableCategories, preference, als, false);
    }

    public Params alsOnly() {
      return new Params(topN, candidates, 0.0, 1.0, 0.0, repeatableCategories, preference, als, usePersonas);
    }
  }

  /**
   * transactions: curated lines (customer_id, transaction_id, ts, product_id, quantity);
   * products: product_id, category; customerPersonas: customer_id, persona_id, context (may be
   * null); personas: persona_id, persona_name (may be null); audience: customer_id and an
   * optional persona_id (e.g. from journey_stages) of every customer to recommend for, buyers or
   * not.
   */
  public record Inputs(Dataset<Row> transactions, Dataset<Row> products, Dataset<Row> customerPersonas,
                       Dataset<Row> personas, Dataset<Row> audience) {}

  /** One row per (customer, product) bought: purchases (orders), quantity, preference. */
  public static Dataset<Row> interactions(Dataset<Row> transactions, String preference) {
    Dataset<Row> agg = transactions
        .filter(col("quantity").gt(0).and(col("customer_id").isNotNull()).and(col("product_id").isNotNull()))
        .groupBy("customer_id", "product_id")
        .agg(functions.countDistinct(coalesce(col("transaction_id"), col("ts").cast("string"))).as("purchases"),
            functions.sum(col("quantity").cast("double")).as("quantity"));
    Column pref = "quantity".equals(preference) ? col("quantity") : col("purchases").cast("double");
    return agg.withColumn("preference", pref);
  }

  /** customer_id, persona_id (group; EVERYONE when unknown), ctx_persona_id, context. */
  static Dataset<Row> customerGroups(Inputs in, Params p) {
    Dataset<Row> audience = in.audience().select(col("customer_id"),
        (hasColumn(in.audience(), "persona_id") ? col("persona_id").cast("int") : lit(null).cast("int"))
            .as("audience_persona_id"));
    Dataset<Row> buyers = in.transactions().filter(col("quantity").gt(0).and(col("customer_id").isNotNull()))
        .groupBy("customer_id")
        .agg(functions.avg(when(functions.dayofweek(col("ts")).isin(1, 7), 1.0).otherwise(0.0)).as("weekend_share"))
        .withColumn("context", when(col("weekend_share").geq(0.5), lit(WEEKEND)).otherwise(lit(WEEKDAY)))
        .drop("weekend_share");
    Dataset<Row> all = audience.join(buyers, new String[] {"customer_id"}, "full_outer")
        .groupBy("customer_id")
        .agg(functions.max("audience_persona_id").as("audience_persona_id"), functions.max("context").as("context"));
    if (!p.usePersonas() || in.customerPersonas() == null) {
      return all.select(col("customer_id"), lit(EVERYONE).as("persona_id"), lit(null).cast("int").as("ctx_persona_id"),
          col("context"));
    }
    Dataset<Row> cp = in.customerPersonas(); // one row per (customer, context)
    Dataset<Row> allPersona = cp.filter(col("context").equalTo("all"))
        .select(col("customer_id"), col("persona_id").cast("int").as("cp_persona_id"));
    Dataset<Row> ctxPersona = cp.filter(col("context").isin(WEEKDAY, WEEKEND))
        .select(col("customer_id"), col("context"), col("persona_id").cast("int").as("ctx_persona_id"));
    return all.join(allPersona, new String[] {"customer_id"}, "left")
        .join(ctxPersona, new String[] {"customer_id", "context"}, "left")
        .select(col("customer_id"),
            coalesce(col("cp_persona_id"), col("audience_persona_id"), lit(EVERYONE)).as("persona_id"),
            col("ctx_persona_id"), col("context"));
  }

  /** Popularity per (group, product): distinct buyers / the group's most-bought product's buyers. */
  static Dataset<Row> popularity(Dataset<Row> lines, String groupCol) {
    Dataset<Row> counts = lines.groupBy(col(groupCol), col("product_id"))
        .agg(functions.countDistinct("customer_id").as("buyers"));
    WindowSpec g = Window.partitionBy(groupCol);
    return counts.withColumn("popularity", col("buyers").divide(functions.max("buyers").over(g)));
  }

  /** Candidates from popularity: customer_id, product_id, pop_score (before exclusion). */
  static Dataset<Row> popularityCandidates(Inputs in, Dataset<Row> groups, Params p, int perGroup) {
    Dataset<Row> lines = in.transactions()
        .filter(col("quantity").gt(0).and(col("customer_id").isNotNull()).and(col("product_id").isNotNull()))
        .select(col("customer_id"), col("product_id"),
            when(functions.dayofweek(col("ts")).isin(1, 7), lit(WEEKEND)).otherwise(lit(WEEKDAY)).as("line_context"));
    Dataset<Row> withGroup = lines.join(groups.select("customer_id", "persona_id"), "customer_id");
    Dataset<Row> byPersona = popularity(withGroup.filter(col("persona_id").notEqual(EVERYONE)), "persona_id");
    Dataset<Row> global = popularity(lines.withColumn("persona_id", lit(EVERYONE)), "persona_id");
    Dataset<Row> pop = byPersona.unionByName(global);
    Dataset<Row> top = pop
        .withColumn("r", functions.row_number().over(
            Window.partitionBy("persona_id").orderBy(col("popularity").desc(), col("product_id"))))
        .filter(col("r").leq(perGroup))
        .select(col("persona_id"), col("product_id"), col("popularity"));
    Dataset<Row> cands = groups.join(top, "persona_id");
    if (p.contextBoost() <= 0 || !p.usePersonas()) {
      return cands.select(col("customer_id"), col("product_id"), col("popularity").as("pop_score"));
    }
    // Popularity within the context persona, counting only lines bought in that context.
    Dataset<Row> ctxLines = lines.join(groups.select(col("customer_id"), col("ctx_persona_id"), col("context")),
            "customer_id")
        .filter(col("ctx_persona_id").isNotNull().and(col("line_context").equalTo(col("context"))))
        .withColumn("ctx_group", functions.concat_ws(":", col("context"), col("ctx_persona_id").cast("string")));
    Dataset<Row> ctxPop = popularity(ctxLines, "ctx_group").select(col("ctx_group"), col("product_id"),
        col("popularity").as("ctx_popularity"));
    double b = p.contextBoost();
    return cands.withColumn("ctx_group", functions.concat_ws(":", col("context"), col("ctx_persona_id").cast("string")))
        .join(ctxPop, new String[] {"ctx_group", "product_id"}, "left")
        .select(col("customer_id"), col("product_id"),
            when(col("ctx_persona_id").isNull(), col("popularity"))
                .otherwise(col("popularity").multiply(1 - b).plus(coalesce(col("ctx_popularity"), lit(0.0)).multiply(b)))
                .as("pop_score"));
  }

  /** Fits implicit ALS on the interactions (ids indexed with StringIndexer). */
  public record AlsFit(ALSModel model, StringIndexerModel customers, StringIndexerModel products) {}

  public static AlsFit fitAls(Dataset<Row> interactions, AlsSettings s) {
    StringIndexerModel users = new StringIndexer().setInputCol("customer_id").setOutputCol("user_ix")
        .setStringOrderType("alphabetAsc").fit(interactions);
    StringIndexerModel items = new StringIndexer().setInputCol("product_id").setOutputCol("item_ix")
        .setStringOrderType("alphabetAsc").fit(interactions);
    Dataset<Row> indexed = items.transform(users.transform(interactions));
    ALSModel model = new ALS().setImplicitPrefs(true).setRank(s.rank()).setMaxIter(s.maxIter())
        .setRegParam(s.regParam()).setAlpha(s.alpha()).setSeed(s.seed()).setNonnegative(false)
        .setUserCol("user_ix").setItemCol("item_ix").setRatingCol("preference").setColdStartStrategy("drop")
        .fit(indexed);
    return new AlsFit(model, users, items);
  }

  /** ALS candidates: customer_id, product_id, als_score; the top `count` items per customer. */
  public static Dataset<Row> alsCandidates(AlsFit fit, int count) {
    Dataset<Row> recs = fit.model().recommendForAllUsers(count)
        .select(col("user_ix"), functions.explode(col("recommendations")).as("rec"))
        .select(col("user_ix").cast("double").as("user_ix"), col("rec.item_ix").cast("double").as("item_ix"),
            col("rec.rating").cast("double").as("als_score"));
    Dataset<Row> withUser = new IndexToString().setInputCol("user_ix").setOutputCol("customer_id")
        .setLabels(fit.customers().labelsArray()[0]).transform(recs);
    return new IndexToString().setInputCol("item_ix").setOutputCol("product_id")
        .setLabels(fit.products().labelsArray()[0]).transform(withUser)
        .select("customer_id", "product_id", "als_score");
  }

  /** The (customer, product) pairs that may not be recommended: bought, category not repeatable. */
  public static Dataset<Row> excluded(Dataset<Row> interactions, Dataset<Row> products, List<String> repeatable) {
    Dataset<Row> bought = interactions.select("customer_id", "product_id").distinct();
    if (repeatable.isEmpty() || products == null) {
      return bought;
    }
    Dataset<Row> repeatableProducts = products.filter(col("category").isin(repeatable.toArray()))
        .select("product_id").distinct();
    return bought.join(repeatableProducts, new String[] {"product_id"}, "left_anti");
  }

  /** Runs the whole hybrid and returns top-N rows per customer. */
  public static Dataset<Row> recommend(Inputs in, Params p) {
    Dataset<Row> interactions = interactions(in.transactions(), p.preference());
    Dataset<Row> excluded = excluded(interactions, in.products(), p.repeatableCategories());
    Dataset<Row> als = null;
    if (p.alsWeight() > 0) {
      // Ask ALS for enough items that `candidates` remain after removing the customer's exclusions.
      Row most = excluded.groupBy("customer_id").count().agg(functions.max("count")).first();
      long maxExcluded = most.isNullAt(0) ? 0 : most.getLong(0);
      als = alsCandidates(fitAls(interactions, p.als()), (int) Math.min(Integer.MAX_VALUE - 1, p.candidates() + maxExcluded));
    }
    return recommend(in, p, interactions, excluded, als);
  }

  /** The hybrid with ALS candidates computed elsewhere (null = no ALS), e.g. shared by an evaluation. */
  public static Dataset<Row> recommend(Inputs in, Params p, Dataset<Row> interactions, Dataset<Row> excluded,
                                       Dataset<Row> alsCands) {
    Dataset<Row> groups = customerGroups(in, p);
    Dataset<Row> cands = null;
    if (p.popularityWeight() > 0) {
      // Enough per group that `candidates` survive the exclusion of a typical customer's purchases.
      cands = popularityCandidates(in, groups, p, p.candidates() * 2)
          .join(excluded, new String[] {"customer_id", "product_id"}, "left_anti");
      cands = cands.withColumn("pop_n", minMax("pop_score")).withColumn("als_n", lit(null).cast("double"));
    }
    if (alsCands != null && p.alsWeight() > 0) {
      Dataset<Row> a = alsCands.join(excluded, new String[] {"customer_id", "product_id"}, "left_anti")
          .withColumn("r", functions.row_number().over(
              Window.partitionBy("customer_id").orderBy(col("als_score").desc(), col("product_id"))))
          .filter(col("r").leq(p.candidates())).drop("r")
          .withColumn("als_n", minMax("als_score")).withColumn("pop_n", lit(null).cast("double"));
      Dataset<Row> a2 = a.select("customer_id", "product_id", "pop_n", "als_n");
      cands = cands == null ? a2 : cands.select("customer_id", "product_id", "pop_n", "als_n").unionByName(a2)
          .groupBy("customer_id", "product_id").agg(functions.max("pop_n").as("pop_n"), functions.max("als_n").as("als_n"));
    }
    Column popPart = coalesce(col("pop_n"), lit(0.0)).multiply(p.popularityWeight());
    Column alsPart = coalesce(col("als_n"), lit(0.0)).multiply(p.alsWeight());
    Dataset<Row> scored = cands.select(col("customer_id"), col("product_id"), popPart.plus(alsPart).as("score"),
        popPart.geq(alsPart).as("by_popularity"));
    Dataset<Row> top = scored.withColumn("rank", functions.row_number().over(
            Window.partitionBy("customer_id").orderBy(col("score").desc(), col("product_id"))))
        .filter(col("rank").leq(p.topN()));
    return explain(top, in, groups, interactions);
  }

  /** Adds reason and persona_id. */
  static Dataset<Row> explain(Dataset<Row> top, Inputs in, Dataset<Row> groups, Dataset<Row> interactions) {
    Dataset<Row> names = in.personas() == null
        ? groups.sparkSession().emptyDataFrame().selectExpr("cast(null as int) as persona_id",
            "cast(null as string) as persona_name").limit(0)
        : in.personas().select(col("persona_id").cast("int").as("persona_id"), col("persona_name"));
    Dataset<Row> favourite = interactions
        .withColumn("r", functions.row_number().over(Window.partitionBy("customer_id")
            .orderBy(col("preference").desc(), col("product_id"))))
        .filter(col("r").equalTo(1)).select(col("customer_id"), col("product_id").as("favourite"));
    Dataset<Row> categories = in.products() == null
        ? null : in.products().select(col("product_id"), col("category"));
    Dataset<Row> t = top.join(groups.select("customer_id", "persona_id"), new String[] {"customer_id"}, "left")
        .join(names, new String[] {"persona_id"}, "left")
        .join(favourite, new String[] {"customer_id"}, "left");
    Column favLabel = col("favourite");
    Column itemLabel = col("product_id");
    if (categories != null) {
      t = t.join(categories.withColumnRenamed("product_id", "favourite").withColumnRenamed("category", "fav_category"),
              new String[] {"favourite"}, "left")
          .join(categories, new String[] {"product_id"}, "left");
      favLabel = labelled(col("favourite"), col("fav_category"));
      itemLabel = labelled(col("product_id"), col("category"));
    }
    Column popular = when(col("persona_id").equalTo(EVERYONE).or(col("persona_name").isNull()),
        lit("bestseller among all customers"))
        .otherwise(functions.concat(lit("popular with "), col("persona_name"), lit(" like you")));
    Column reason = when(col("by_popularity").or(col("favourite").isNull()), popular)
        .otherwise(functions.concat(lit("customers who bought "), favLabel, lit(" also bought "), itemLabel));
    return t.select(col("customer_id"), col("rank").cast("int").as("rank"), col("product_id"), col("score"),
        reason.as("reason"),
        when(col("persona_id").equalTo(EVERYONE), lit(null).cast("int")).otherwise(col("persona_id")).as("persona_id"));
  }

  private static Column labelled(Column id, Column category) {
    return when(category.isNull(), id).otherwise(functions.concat(id, lit(" ("), category, lit(")")));
  }

  /** (x - min) / (max - min) per customer; 1 when all candidates score the same. */
  static Column minMax(String column) {
    WindowSpec w = Window.partitionBy("customer_id");
    Column min = functions.min(column).over(w);
    Column max = functions.max(column).over(w);
    return when(max.equalTo(min), lit(1.0)).otherwise(col(column).minus(min).divide(max.minus(min)));
  }

  static boolean hasColumn(Dataset<Row> ds, String name) {
    return List.of(ds.columns()).contains(name);
  }
}
