package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.RecommendationSettings.PainPointSettings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * pain_points: valuable customers (top deciles by monetary) who are unhappy: a low mean review
 * rating, repeated low ratings (complaints) or a high share of spend returned.
 */
public final class PainPoints {
  private PainPoints() {}

  /**
   * customer_id, monetary, value_decile (1..10, 10 = most valuable): how many decile boundaries
   * monetary exceeds, + 1.
   */
  public static Dataset<Row> valueDeciles(Dataset<Row> features) {
    // Decile boundaries from one distributed aggregate (no global sort into one partition).
    Dataset<Row> bounds =
        features.agg(
            functions
                .expr(
                    "percentile_approx(cast(monetary as double), array(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), 10000)")
                .as("bounds"));
    return features
        .select(col("customer_id"), col("monetary").cast("double").as("monetary"))
        .crossJoin(bounds)
        .select(
            col("customer_id"),
            col("monetary"),
            functions
                .expr("1 + size(filter(bounds, b -> b < coalesce(monetary, 0D)))")
                .cast("int")
                .as("value_decile"));
  }

  /**
   * {@link #reviews} over the review events of the lookbackDays days ending on asOf: the window
   * monetary and returns_share are measured over, so a complaint older than the customer's spend
   * counted no longer flags them, and a night reads a bounded span of events, not every one ever
   * curated.
   */
  public static Dataset<Row> reviewsInWindow(
      Dataset<Row> events, java.time.LocalDate asOf, int lookbackDays, int lowRating) {
    return reviews(RecommendationsJob.windowed(events, asOf, lookbackDays), lowRating);
  }

  /** customer_id, reviews, avg_rating, low_ratings (ratings <= lowRating) from review events. */
  public static Dataset<Row> reviews(Dataset<Row> events, int lowRating) {
    return events
        .filter(col("event_type").equalTo("review").and(col("rating").isNotNull()))
        .groupBy("customer_id")
        .agg(
            functions.count(lit(1)).as("reviews"),
            functions.avg(col("rating").cast("double")).as("avg_rating"),
            functions
                .sum(when(col("rating").leq(lowRating), 1).otherwise(0))
                .cast("long")
                .as("low_ratings"));
  }

  /**
   * Per buyer: customer_id, value_decile, monetary, reviews, avg_rating, low_ratings,
   * returns_share, satisfaction (0-1: mean of the rating score (avg-1)/4 and 1 - returns_share;
   * only the latter without reviews), is_pain_point, reason (null unless a pain point). features:
   * customer_id, monetary, returns_share; reviews: output of {@link #reviews} (may be null).
   */
  public static Dataset<Row> assess(
      Dataset<Row> features, Dataset<Row> reviews, PainPointSettings s) {
    Dataset<Row> base =
        valueDeciles(features).join(features.select("customer_id", "returns_share"), "customer_id");
    if (reviews != null) {
      base = base.join(reviews, new String[] {"customer_id"}, "left");
    } else {
      base =
          base.withColumn("reviews", lit(null).cast("long"))
              .withColumn("avg_rating", lit(null).cast("double"))
              .withColumn("low_ratings", lit(null).cast("long"));
    }
    base =
        base.withColumn("reviews", functions.coalesce(col("reviews"), lit(0L)))
            .withColumn("low_ratings", functions.coalesce(col("low_ratings"), lit(0L)))
            .withColumn(
                "returns_share", functions.coalesce(col("returns_share").cast("double"), lit(0.0)));
    Column valuable = col("value_decile").gt(10 - s.topDeciles());
    Column lowAvg = col("reviews").geq(s.minReviews()).and(col("avg_rating").lt(s.minAvgRating()));
    Column complaints = col("low_ratings").geq(s.minLowRatings());
    Column returns = col("returns_share").gt(s.maxReturnsShare());
    Column ratingScore = col("avg_rating").minus(1).divide(4);
    Column satisfaction =
        when(col("reviews").gt(0), ratingScore.plus(lit(1.0).minus(col("returns_share"))).divide(2))
            .otherwise(lit(1.0).minus(col("returns_share")));
    Column ratingText =
        when(
            lowAvg.or(complaints),
            functions.concat(
                lit("avg rating "),
                functions.format_number(col("avg_rating"), 1),
                lit(" over "),
                col("reviews").cast("string"),
                when(col("reviews").equalTo(1), lit(" review")).otherwise(lit(" reviews"))));
    Column complaintText =
        when(
            complaints,
            functions.concat(
                col("low_ratings").cast("string"),
                lit(" complaints (rating <= " + s.lowRating() + ")")));
    Column returnsText =
        when(
            returns,
            functions.concat(
                functions.format_number(col("returns_share").multiply(100), 0),
                lit("% of spend returned")));
    Column pain = valuable.and(lowAvg.or(complaints).or(returns));
    return base.select(
        col("customer_id"),
        col("value_decile"),
        col("monetary"),
        col("reviews"),
        col("avg_rating"),
        col("low_ratings"),
        col("returns_share"),
        satisfaction.as("satisfaction"),
        functions.coalesce(pain, lit(false)).as("is_pain_point"),
        when(pain, functions.concat_ws("; ", ratingText, complaintText, returnsText)).as("reason"));
  }

  /**
   * The pain_points table: customer_id, value_decile, satisfaction, avg_rating, reviews,
   * returns_share, reason.
   */
  public static Dataset<Row> table(Dataset<Row> assessed) {
    return assessed
        .filter(col("is_pain_point"))
        .select(
            "customer_id",
            "value_decile",
            "satisfaction",
            "avg_rating",
            "reviews",
            "low_ratings",
            "returns_share",
            "reason");
  }
}
