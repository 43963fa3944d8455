package com.customerpath.common.features;

import com.customerpath.common.config.PipelineSettings.DayPart;
import com.customerpath.common.config.PipelineSettings.FeatureSettings;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * One row per customer who bought inside the look-back window ending at the run date:
 * recency, frequency, monetary value, basket, returns, channel and payment mix, time context,
 * category affinity, tenure, customer attributes and external attributes. Pure: curated
 * Datasets in, a Dataset out; nothing per customer is collected to the driver.
 */
public final class CustomerFeatures {
  private CustomerFeatures() {}

  /** The curated inputs a feature run reads. Products and customers are optional. */
  public record Inputs(Dataset<Row> transactions, Optional<Dataset<Row>> products,
                       Optional<Dataset<Row>> customers, List<ExternalTable> external) {}

  public static Dataset<Row> compute(Inputs in, FeatureSettings settings, LocalDate runDate, int lookbackDays,
                                     FeatureContext context) {
    Column windowStart = functions.to_timestamp(lit(runDate.minusDays(lookbackDays - 1L).toString()));
    Column windowEnd = functions.to_timestamp(lit(runDate.plusDays(1).toString()));
    Dataset<Row> lines = in.transactions()
        .filter(col("ts").geq(windowStart).and(col("ts").lt(windowEnd)))
        .filter(context.filter(col("ts")))
        .withColumn("value", col("quantity").multiply(col("unit_price")))
        .withColumn("date", functions.date_format(col("ts"), "yyyy-MM-dd"));
    if (in.products().isPresent()) {
      lines = lines.join(in.products().get().select("product_id", "category"), "product_id", "left");
    } else {
      lines = lines.withColumn("category", lit(null).cast("string"));
    }
    List<String> transactionExternal = new ArrayList<>();
    for (ExternalTable ext : in.external()) {
      if (ext.settings().level().equals("transaction")) {
        lines = ExternalJoin.join(lines, ext.settings().joinOn(), ext);
        transactionExternal.addAll(ext.outputColumns());
      }
    }
    Dataset<Row> orders = orders(lines, transactionExternal);
    Dataset<Row> behaviour = behaviour(orders, settings, runDate, transactionExternal);
    Dataset<Row> categories = categoryShares(lines, settings);
    Dataset<Row> products = lines.filter(col("quantity").gt(0)).groupBy("customer_id")
        .agg(functions.countDistinct("product_id").as("distinct_products"));

    Dataset<Row> features = behaviour.join(products, "customer_id", "left")
        .join(categories, "customer_id", "left");
    features = withCustomerAttributes(features, in, runDate);
    for (ExternalTable ext : in.external()) {
      if (ext.settings().level().equals("customer")) {
        features = ExternalJoin.join(features, ext.settings().joinOn(), ext);
      }
    }
    return features.na().fill(0.0, categoryShareColumns(features));
  }

  /** Transaction-level rows: one per (customer, transaction). */
  private static Dataset<Row> orders(Dataset<Row> lines, List<String> externalColumns) {
    List<Column> aggs = new ArrayList<>(List.of(
        min("ts").as("ts"),
        functions.first("channel", true).as("channel"),
        functions.first("payment_method", true).as("payment_method"),
        coalesce(sum(when(col("quantity").gt(0), col("value"))), lit(0.0)).as("gross"),
        coalesce(sum(when(col("quantity").lt(0), functions.negate(col("value")))), lit(0.0)).as("returned"),
        coalesce(sum(when(col("quantity").gt(0), col("quantity"))), lit(0.0)).as("items"),
        max(col("quantity").gt(0)).as("is_purchase")));
    for (String c : externalColumns) {
      aggs.add(functions.first(col(c), true).as(c));
    }
    return lines.groupBy("customer_id", "transaction_id")
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
  }

  private static Dataset<Row> behaviour(Dataset<Row> orders, FeatureSettings settings, LocalDate runDate,
                                        List<String> externalColumns) {
    Column purchase = col("is_purchase");
    Column purchases = count(when(purchase, lit(1)));
    List<Column> aggs = new ArrayList<>();
    aggs.add(purchases.as("frequency"));
    aggs.add(max(when(purchase, col("ts"))).as("_last_purchase_ts"));
    aggs.add(min(when(purchase, col("ts"))).as("_first_purchase_ts"));
    aggs.add(sum("gross").as("gross_spend"));
    aggs.add(sum("returned").as("returned_value"));
    aggs.add(sum("items").as("_items"));
    for (String channel : settings.channels()) {
      aggs.add(share(purchase.and(col("channel").equalTo(channel)), purchases).as("channel_share_" + slug(channel)));
    }
    aggs.add(share(purchase.and(functions.not(coalesce(col("channel").isin(settings.channels().toArray()), lit(false)))),
        purchases).as("channel_share_other"));
    for (String method : settings.paymentMethods()) {
      aggs.add(share(purchase.and(col("payment_method").equalTo(method)), purchases).as("payment_share_" + slug(method)));
    }
    aggs.add(share(purchase.and(functions.not(coalesce(col("payment_method").isin(settings.paymentMethods().toArray()),
        lit(false)))), purchases).as("payment_share_other"));
    Column weekend = functions.dayofweek(col("ts")).isin(1, 7);
    aggs.add(share(purchase.and(weekend), purchases).as("weekend_share"));
    Column hour = functions.hour(col("ts"));
    for (DayPart part : settings.dayParts()) {
      aggs.add(share(purchase.and(hour.geq(part.start())).and(hour.lt(part.end())), purchases)
          .as("daypart_share_" + slug(part.name())));
    }
    for (String c : externalColumns) {
      aggs.add(functions.avg(when(purchase, col(c).cast("double"))).as(c + "_avg"));
    }
    Dataset<Row> agg = orders.groupBy("customer_id")
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
        .filter(col("frequency").gt(0));
    Column run = functions.to_date(lit(runDate.toString()));
    return agg
        .withColumn("recency_days", functions.datediff(run, functions.to_date(col("_last_purchase_ts"))))
        .withColumn("monetary", col("gross_spend").minus(col("returned_value")))
        .withColumn("avg_basket_value", col("gross_spend").divide(col("frequency")))
        .withColumn("avg_basket_items", col("_items").divide(col("frequency")))
        .withColumn("returns_share", when(col("gross_spend").gt(0),
            col("returned_value").divide(col("gross_spend"))).otherwise(lit(0.0)))
        .withColumn("weekday_share", lit(1.0).minus(col("weekend_share")))
        .withColumn("last_purchase_date", functions.to_date(col("_last_purchase_ts")))
        .withColumn("first_purchase_in_window", functions.to_date(col("_first_purchase_ts")))
        .drop("_last_purchase_ts", "_first_purchase_ts", "_items");
  }

  /** Share of gross spend per category: configured categories, or the top ones of the window. */
  private static Dataset<Row> categoryShares(Dataset<Row> lines, FeatureSettings settings) {
    Dataset<Row> bought = lines.filter(col("quantity").gt(0).and(col("category").isNotNull()));
    List<String> categories = settings.categories();
    if (categories.isEmpty() && settings.topCategories() > 0) {
      // The top-N category names only: a handful of strings, not per-customer data.
      categories = bought.groupBy("category").agg(sum("value").as("v"))
          .orderBy(col("v").desc(), col("category")).limit(settings.topCategories())
          .collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
    }
    List<Column> aggs = new ArrayList<>();
    Column total = sum("value");
    for (String category : categories) {
      aggs.add(coalesce(sum(when(col("category").equalTo(category), col("value"))), lit(0.0))
          .divide(total).as("category_share_" + slug(category)));
    }
    if (aggs.isEmpty()) {
      return bought.select("customer_id").distinct();
    }
    return bought.groupBy("customer_id").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
  }

  /** Tenure, age, household and region from the customers table, or from transactions alone. */
  private static Dataset<Row> withCustomerAttributes(Dataset<Row> features, Inputs in, LocalDate runDate) {
    Column run = functions.to_date(lit(runDate.toString()));
    Column windowEnd = functions.to_timestamp(lit(runDate.plusDays(1).toString()));
    Dataset<Row> history = in.transactions().filter(col("ts").lt(windowEnd).and(col("quantity").gt(0)));
    Dataset<Row> firstEver = history.groupBy("customer_id")
        .agg(functions.to_date(min("ts")).as("first_purchase_date"));
    // The region a customer buys in most often (ties: the smallest id), for data without a customers table.
    Dataset<Row> regionCounts = history.filter(col("region_id").isNotNull())
        .groupBy("customer_id", "region_id").agg(count(lit(1)).as("n"));
    Dataset<Row> usualRegion = regionCounts
        .withColumn("rk", functions.row_number().over(org.apache.spark.sql.expressions.Window
            .partitionBy("customer_id").orderBy(col("n").desc(), col("region_id"))))
        .filter(col("rk").equalTo(1)).select(col("customer_id"), col("region_id").as("_tx_region"));
    Dataset<Row> out = features.join(firstEver, "customer_id", "left").join(usualRegion, "customer_id", "left");
    if (in.customers().isPresent()) {
      Dataset<Row> customers = in.customers().get().select(col("customer_id"), col("signup_date"),
          col("birth_year"), col("gender"), col("region_id").as("_customer_region"), col("household_size"));
      out = out.join(customers, "customer_id", "left");
    } else {
      out = out.withColumn("signup_date", lit(null).cast("date"))
          .withColumn("birth_year", lit(null).cast("int"))
          .withColumn("gender", lit(null).cast("string"))
          .withColumn("_customer_region", lit(null).cast("string"))
          .withColumn("household_size", lit(null).cast("int"));
    }
    Column since = functions.least(coalesce(col("signup_date"), col("first_purchase_date")),
        col("first_purchase_date"));
    return out
        .withColumn("tenure_days", functions.datediff(run, since))
        .withColumn("age", functions.year(run).minus(col("birth_year")))
        .withColumn("region_id", coalesce(col("_customer_region"), col("_tx_region")))
        .drop("_customer_region", "_tx_region", "birth_year", "first_purchase_in_window");
  }

  private static Column share(Column condition, Column denominator) {
    return count(when(condition, lit(1))).cast("double").divide(denominator);
  }

  private static String[] categoryShareColumns(Dataset<Row> df) {
    return java.util.Arrays.stream(df.columns()).filter(c -> c.startsWith("category_share_")).toArray(String[]::new);
  }

  /** A value as part of a column name: lower case, letters, digits and '_'. */
  public static String slug(String value) {
    String s = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    return s.isEmpty() ? "blank" : s;
  }

  /** Numeric behaviour columns suitable for clustering (identifiers, dates and raw attributes excluded). */
  public static List<String> numericFeatureColumns(Dataset<Row> features) {
    List<String> out = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : features.schema().fields()) {
      boolean numeric = f.dataType() instanceof org.apache.spark.sql.types.NumericType;
      if (numeric && !f.name().equals("customer_id")) {
        out.add(f.name());
      }
    }
    return out;
  }
}
