package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.PipelineSettings.AlsSettings;
import com.customerpath.common.config.PipelineSettings.CandidateSettings;
import java.time.LocalDate;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * The candidate sources of the recommender, each a distributed transform (nothing per customer
 * reaches the driver) and each usable alone. Every source scores (customer, product) pairs in [0,
 * 1]:
 *
 * <ul>
 *   <li>buy again ({@link #interactions}): f_buy_again = the recency-weighted share of the
 *       customer's orders that contain the product; f_due = how close the customer is to buying it
 *       again, from the product's typical repurchase interval (1 = exactly due);
 *   <li>bought together ({@link #boughtTogether}): item-to-item co-occurrence over buyers;
 *   <li>persona/context popularity and global popularity ({@link #popularity});
 *   <li>ALS ({@link #als}): implicit-feedback matrix factorisation.
 * </ul>
 */
public final class CandidateSources {
  private CandidateSources() {}

  /**
   * Purchase lines: customer_id, product_id, order_id (transaction id, else customer + day), day,
   * quantity.
   */
  public static Dataset<Row> purchases(Dataset<Row> transactions) {
    Column day = functions.to_date(col("ts"));
    return transactions
        .filter(
            col("quantity")
                .gt(0)
                .and(col("customer_id").isNotNull())
                .and(col("product_id").isNotNull()))
        .select(
            col("customer_id"),
            col("product_id"),
            coalesce(
                    col("transaction_id"),
                    functions.concat_ws("|", col("customer_id"), day.cast("string")))
                .as("order_id"),
            day.as("day"),
            col("quantity").cast("double").as("quantity"),
            col("ts"));
  }

  /**
   * One row per (customer, product) bought before or on asOf: purchases (orders), quantity,
   * preference (ALS), last_day, days_since_last, interval_days (the product's typical repurchase
   * interval, null when nobody bought it twice), f_buy_again, f_due.
   */
  public static Dataset<Row> interactions(
      Dataset<Row> purchases, LocalDate asOf, String preference, CandidateSettings s) {
    Column asOfDay = lit(java.sql.Date.valueOf(asOf));
    Column weight =
        functions.pow(lit(0.5), functions.datediff(asOfDay, col("day")).divide(s.halfLifeDays()));
    // One row per (customer, product, order) first, so an order's weight counts once.
    Dataset<Row> perOrder =
        purchases
            .groupBy("customer_id", "product_id", "order_id")
            .agg(functions.max("day").as("day"), functions.sum("quantity").as("quantity"))
            .withColumn("w", weight);
    Dataset<Row> orders =
        purchases
            .groupBy("customer_id", "order_id")
            .agg(functions.max("day").as("day"))
            .withColumn("w", weight)
            .groupBy("customer_id")
            .agg(functions.sum("w").as("w_total"), functions.count(lit(1)).as("orders"));
    Dataset<Row> cp =
        perOrder
            .groupBy("customer_id", "product_id")
            .agg(
                functions.count(lit(1)).as("purchases"),
                functions.sum("quantity").as("quantity"),
                functions.sum("w").as("w"),
                functions.min("day").as("first_day"),
                functions.max("day").as("last_day"),
                functions.countDistinct("day").as("days"));
    // Typical repurchase interval of a product: median over its repeat buyers of their mean gap.
    Dataset<Row> intervals =
        cp.filter(col("days").geq(2))
            .select(
                col("product_id"),
                functions
                    .datediff(col("last_day"), col("first_day"))
                    .divide(col("days").minus(1))
                    .as("gap"))
            .groupBy("product_id")
            .agg(functions.percentile_approx(col("gap"), lit(0.5), lit(1000)).as("interval_days"));
    Column since = functions.datediff(asOfDay, col("last_day")).cast("double");
    Column ratio = since.divide(col("interval_days"));
    Column pref = "quantity".equals(preference) ? col("quantity") : col("purchases").cast("double");
    return cp.join(orders, "customer_id")
        .join(functions.broadcast(intervals), new String[] {"product_id"}, "left")
        .select(
            col("customer_id"),
            col("product_id"),
            col("purchases"),
            col("quantity"),
            pref.as("preference"),
            col("last_day"),
            since.as("days_since_last"),
            col("interval_days").cast("double").as("interval_days"),
            col("orders"),
            col("w").divide(col("w_total")).as("f_buy_again"),
            // 1 when exactly due; falls off both sooner (just bought) and later (lapsed).
            when(
                    col("interval_days").gt(0).and(since.gt(0)),
                    functions.least(ratio, lit(1.0).divide(ratio)))
                .otherwise(lit(0.0))
                .as("f_due"),
            when(col("interval_days").gt(0), ratio).as("due_ratio"));
  }

  /**
   * Bought together: customer_id, product_id, f_together (mean similarity of the product to the
   * customer's products), because (the customer's product most similar to it). Similarity = cosine
   * (co-buyers / sqrt(buyers_i x buyers_j)) or lift scaled to [0, 1] per product; pairs with fewer
   * than min-co-buyers co-buyers are dropped and each product keeps its best `neighbours`. Products
   * the customer bought are not returned.
   */
  public static Dataset<Row> boughtTogether(Dataset<Row> interactions, CandidateSettings s) {
    return boughtTogether(interactions, s, null);
  }

  /**
   * As above for the targets' customers only (customer_id; null = all); the neighbours still come
   * from every customer's items.
   */
  public static Dataset<Row> boughtTogether(
      Dataset<Row> interactions, CandidateSettings s, Dataset<Row> targets) {
    // A heavy buyer's pairs grow quadratically: use at most max-items-per-customer of their
    // products.
    Dataset<Row> items =
        interactions
            .withColumn(
                "r",
                functions
                    .row_number()
                    .over(
                        Window.partitionBy("customer_id")
                            .orderBy(
                                col("purchases").desc(),
                                col("last_day").desc(),
                                col("product_id"))))
            .filter(col("r").leq(s.maxItemsPerCustomer()))
            .select("customer_id", "product_id");
    Dataset<Row> neighbours = neighbours(items, s);
    Dataset<Row> targetItems =
        targets == null
            ? items
            : items.join(targets.select("customer_id"), new String[] {"customer_id"}, "left_semi");
    Dataset<Row> counts =
        targetItems.groupBy("customer_id").agg(functions.count(lit(1)).as("n_items"));
    Dataset<Row> scored =
        targetItems
            .withColumnRenamed("product_id", "item")
            .join(neighbours, "item")
            .groupBy("customer_id", "product_id")
            .agg(
                functions.sum("similarity").as("sim_sum"),
                functions.max_by(col("item"), col("similarity")).as("because"));
    return scored
        .join(counts, "customer_id")
        .join(
            interactions.select("customer_id", "product_id"),
            new String[] {"customer_id", "product_id"},
            "left_anti")
        .select(
            col("customer_id"),
            col("product_id"),
            col("sim_sum").divide(col("n_items")).as("f_together"),
            col("because"));
  }

  /**
   * item, product_id, similarity: each item's best neighbours, from items (customer_id, product_id:
   * the products each customer bought).
   */
  public static Dataset<Row> neighbours(Dataset<Row> items, CandidateSettings s) {
    Dataset<Row> buyers = items.groupBy("product_id").agg(functions.count(lit(1)).as("n"));
    Dataset<Row> a = items.select(col("customer_id"), col("product_id").as("item"));
    Dataset<Row> pairs =
        a.join(items, "customer_id")
            .filter(col("item").notEqual(col("product_id")))
            .groupBy("item", "product_id")
            .agg(functions.count(lit(1)).as("co"))
            .filter(col("co").geq(s.minCoBuyers()))
            .join(
                functions.broadcast(
                    buyers.select(col("product_id").as("item"), col("n").as("n_i"))),
                "item")
            .join(
                functions.broadcast(buyers.select(col("product_id"), col("n").as("n_j"))),
                "product_id");
    Column sim;
    if ("lift".equals(s.togetherMeasure())) {
      // Lift = co x N / (n_i x n_j); the constant N cancels in the per-item scaling to [0, 1].
      Column lift = col("co").divide(col("n_i").multiply(col("n_j")));
      sim = lift.divide(functions.max(lift).over(Window.partitionBy("item")));
    } else {
      sim = col("co").divide(functions.sqrt(col("n_i").multiply(col("n_j"))));
    }
    return pairs
        .withColumn("similarity", sim)
        .withColumn(
            "r",
            functions
                .row_number()
                .over(
                    Window.partitionBy("item")
                        .orderBy(col("similarity").desc(), col("product_id"))))
        .filter(col("r").leq(s.neighbours()))
        .select("item", "product_id", "similarity");
  }

  /**
   * Popularity per (group, product): distinct buyers / the group's most-bought product's buyers.
   * The group maximum comes from a grouped aggregate joined back (no window over a constant).
   */
  public static Dataset<Row> popularity(Dataset<Row> lines, String groupCol) {
    Dataset<Row> counts =
        lines
            .groupBy(col(groupCol), col("product_id"))
            .agg(functions.countDistinct("customer_id").as("buyers"));
    Dataset<Row> max = counts.groupBy(groupCol).agg(functions.max("buyers").as("max_buyers"));
    return counts
        .join(max, groupCol)
        .select(
            col(groupCol),
            col("product_id"),
            col("buyers"),
            col("buyers").divide(col("max_buyers")).as("popularity"));
  }

  /**
   * Global popularity: product_id, f_global (distinct buyers / the best seller's). A small table.
   */
  public static Dataset<Row> globalPopularity(Dataset<Row> purchases) {
    Dataset<Row> counts =
        purchases.groupBy("product_id").agg(functions.countDistinct("customer_id").as("buyers"));
    return counts
        .crossJoin(counts.agg(functions.max("buyers").as("max_buyers")))
        .select(col("product_id"), col("buyers").divide(col("max_buyers")).as("f_global"));
  }

  /** The `n` best rows of a small per-group table, by `score` desc then product_id. */
  static Dataset<Row> topPerGroup(Dataset<Row> table, String group, String score, int n) {
    return table
        .withColumn(
            "r",
            functions
                .row_number()
                .over(Window.partitionBy(group).orderBy(col(score).desc(), col("product_id"))))
        .filter(col("r").leq(n))
        .drop("r");
  }

  /** Fitted ALS with the integer index of every customer and product. */
  public record AlsFit(ALSModel model, Dataset<Row> customers, Dataset<Row> products) {}

  /**
   * Dense integer ids for ALS without collecting the ids to the driver: zipWithIndex over the
   * distinct ids (one small job to count the partitions). Returns id, ix.
   */
  static Dataset<Row> index(Dataset<Row> ids, String idCol, String ixCol) {
    JavaRDD<Row> rows =
        ids.select(idCol)
            .distinct()
            .javaRDD()
            .zipWithIndex()
            .map(t -> RowFactory.create(t._1().getString(0), (int) t._2().longValue()));
    return ids.sparkSession()
        .createDataFrame(rows, StructType.fromDDL(idCol + " string, " + ixCol + " int"));
  }

  /**
   * Fits implicit ALS on the interactions (customer_id, product_id, preference); cache them first.
   */
  public static AlsFit fitAls(Dataset<Row> interactions, AlsSettings s) {
    Dataset<Row> users = index(interactions, "customer_id", "user_ix").cache();
    Dataset<Row> items = index(interactions, "product_id", "item_ix").cache();
    Dataset<Row> indexed =
        interactions
            .join(users, "customer_id")
            .join(functions.broadcast(items), "product_id")
            .select("user_ix", "item_ix", "preference");
    ALSModel model =
        new ALS()
            .setImplicitPrefs(true)
            .setRank(s.rank())
            .setMaxIter(s.maxIter())
            .setRegParam(s.regParam())
            .setAlpha(s.alpha())
            .setSeed(s.seed())
            .setNonnegative(false)
            .setUserCol("user_ix")
            .setItemCol("item_ix")
            .setRatingCol("preference")
            .setColdStartStrategy("drop")
            .fit(indexed);
    return new AlsFit(model, users, items);
  }

  /**
   * ALS candidates: customer_id, product_id, f_als (the predicted preference, clipped to [0, 1]);
   * at most `count` per customer: one wholesale buyer no longer sets the depth for everyone.
   */
  public static Dataset<Row> als(AlsFit fit, int count) {
    return als(fit, count, null);
  }

  /** As above for the targets' customers only (customer_id; null = every customer). */
  public static Dataset<Row> als(AlsFit fit, int count, Dataset<Row> targets) {
    Dataset<Row> recs =
        (targets == null
                ? fit.model().recommendForAllUsers(count)
                : fit.model()
                    .recommendForUserSubset(
                        fit.customers()
                            .join(targets.select("customer_id"), "customer_id")
                            .select(col("user_ix").as(fit.model().getUserCol())),
                        count))
            .select(col("user_ix"), functions.explode(col("recommendations")).as("rec"))
            .select(
                col("user_ix"),
                col("rec.item_ix").as("item_ix"),
                col("rec.rating").cast("double").as("rating"));
    return recs.join(fit.customers(), "user_ix")
        .join(functions.broadcast(fit.products()), "item_ix")
        .select(
            col("customer_id"),
            col("product_id"),
            functions.greatest(lit(0.0), functions.least(lit(1.0), col("rating"))).as("f_als"));
  }

  /** Releases the cached indexes of an ALS fit. */
  public static void release(AlsFit fit) {
    if (fit != null) {
      fit.customers().unpersist();
      fit.products().unpersist();
    }
  }
}
