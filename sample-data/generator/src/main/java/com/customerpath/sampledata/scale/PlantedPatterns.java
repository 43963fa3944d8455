package com.customerpath.sampledata.scale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The patterns {@code --planted true} adds to a generated data set, with their ground truth in
 * {@code truth/}, so that tests can show the recommender's sources find what was planted:
 *
 * <ul>
 *   <li><b>Repeat cycles</b>: every tenth customer (indexes 3, 13, 23, ...) is a cycler who buys
 *       one staple product, alone in its own order, every {@code cycle} days from a phase of their
 *       own. Staples are a tenth of the catalogue from its middle (not its best sellers); a
 *       staple's cycle is the product's (7, 14 or 28 days by product), as for milk or pet food.
 *       Ground truth: {@code truth/planted_cycles.csv} (customer_id, product_id, cycle_days,
 *       first_purchase_date on or after the data set's first day).
 *   <li><b>Complements</b>: up to 20 pairs of mid-catalogue products (a head and the next product);
 *       a line of a head brings its partner into the same order 70% of the time. Ground truth:
 *       {@code truth/planted_pairs.csv} (product_id, partner_id).
 * </ul>
 *
 * <p>Like the rest of the generator, every draw is a hash of the seed and the row's keys, and a
 * day's rows depend only on its date, so appended days continue the cycles.
 */
final class PlantedPatterns {
  static final int[] CYCLES = {7, 14, 28};
  static final int CYCLER_EVERY = 5;
  static final int CYCLER_OFFSET = 3;
  static final double PARTNER_SHARE = 0.7;
  static final int MAX_PAIRS = 20;

  private final ScaleDataGenerator.Options options;

  PlantedPatterns(ScaleDataGenerator.Options options) {
    this.options = options;
  }

  /** Number of cyclers: customer indexes CYCLER_OFFSET + CYCLER_EVERY x q below customers. */
  long cyclers() {
    long c = options.customers();
    return c <= CYCLER_OFFSET ? 0 : (c - CYCLER_OFFSET - 1) / CYCLER_EVERY + 1;
  }

  int pairs() {
    return Math.max(1, Math.min(MAX_PAIRS, options.products() / 10));
  }

  /** First head of the pairs: heads are firstHead + 2i, partners firstHead + 2i + 1. */
  int firstHead() {
    return options.products() / 4;
  }

  int stapleCount() {
    return Math.max(CYCLES.length, options.products() / 50);
  }

  /** Staples start in the middle of the catalogue, after the pairs. */
  int firstStaple() {
    return options.products() / 2;
  }

  private Column staple(ScaleDataGenerator g, Column q) {
    return ScaleDataGenerator.below(g.u("staple", q), stapleCount()).plus(firstStaple());
  }

  private static Column cycleOf(Column product) {
    Column[] cycles = java.util.Arrays.stream(CYCLES).mapToObj(c -> lit(c)).toArray(Column[]::new);
    return functions.element_at(
        functions.array(cycles), functions.pmod(product, lit(CYCLES.length)).cast("int").plus(1));
  }

  /** The epoch day modulo the cycle on which cycler q buys. */
  private static Column phase(ScaleDataGenerator g, Column q, Column cycle) {
    return functions.floor(g.u("phase", q).multiply(cycle)).cast(DataTypes.LongType);
  }

  /** Order lines with the planted partners added (line numbers 100 + the head's). */
  Dataset<Row> withPartners(Dataset<Row> lines, ScaleDataGenerator g) {
    Column product = col("product");
    Column offset = product.minus(firstHead());
    Column isHead =
        offset
            .geq(0)
            .and(offset.lt(2L * pairs()))
            .and(functions.pmod(offset, lit(2)).equalTo(0))
            .and(g.u("pair", col("e"), col("k"), col("line_no")).lt(PARTNER_SHARE));
    Column partner = col("_partner").equalTo(1);
    return lines
        .withColumn(
            "_partner",
            explode(
                when(isHead, functions.array(lit(0), lit(1))).otherwise(functions.array(lit(0)))))
        .withColumn("product", when(partner, product.plus(1)).otherwise(product))
        .withColumn("line_no", when(partner, col("line_no").plus(100)).otherwise(col("line_no")))
        .drop("_partner");
  }

  /** The cyclers' orders of the days [from, from + days): one line of their staple each. */
  Dataset<Row> replenishments(java.time.LocalDate from, int days, ScaleDataGenerator g) {
    long q = Math.max(1, cyclers());
    Column e = col("e");
    Column k = col("k");
    Column cust = k.multiply(CYCLER_EVERY).plus(CYCLER_OFFSET);
    return g.days(from, days, q)
        .filter(k.lt(cyclers()))
        .withColumn("staple", staple(g, k))
        .withColumn("cycle", cycleOf(col("staple")))
        .filter(functions.pmod(e.minus(phase(g, k, col("cycle"))), col("cycle")).equalTo(0))
        .withColumn("cust", cust)
        .withColumn("channel", g.preferredChannel(col("cust")))
        .select(
            format_string("R%d-%06d", e, k).as("order_id"),
            lit(1).as("line_no"),
            ScaleDataGenerator.customerId(col("cust")).as("cust_id"),
            functions
                .timestamp_seconds(
                    e.multiply(ScaleDataGenerator.SECONDS_PER_DAY).plus(g.timeOfDay("rts", e, k)))
                .as("order_ts"),
            ScaleDataGenerator.sku(col("staple")).as("sku"),
            lit(1).as("qty"),
            g.listPrice(col("staple")).as("unit_price"),
            col("channel"),
            ScaleDataGenerator.pick(
                    g.u("rpayment", e, k),
                    ScaleDataGenerator.PAYMENTS,
                    ScaleDataGenerator.PAYMENT_WEIGHTS)
                .as("payment_method"),
            g.storeId(col("channel"), col("cust")).as("store_id"),
            g.region(col("cust")).as("region_code"),
            col("dt"));
  }

  /** Writes truth/planted_cycles.csv and truth/planted_pairs.csv. */
  void writeTruth(Path dir, ScaleDataGenerator g) throws IOException {
    Files.createDirectories(dir);
    long firstEpoch = options.firstDay().toEpochDay();
    Column k = col("id");
    Column cycle = cycleOf(col("staple"));
    // One row per five customers (100,000 for 500,000): generator metadata, not data.
    List<Row> cyclers =
        g.spark()
            .range(0, cyclers(), 1, 1)
            .withColumn("staple", staple(g, k))
            .withColumn("cycle", cycle)
            .select(
                ScaleDataGenerator.customerId(k.multiply(CYCLER_EVERY).plus(CYCLER_OFFSET))
                    .as("customer_id"),
                ScaleDataGenerator.sku(col("staple")).as("product_id"),
                col("cycle"),
                functions
                    .date_add(
                        lit(options.firstDay().toString()).cast("date"),
                        functions
                            .pmod(phase(g, k, col("cycle")).minus(firstEpoch), col("cycle"))
                            .cast("int"))
                    .cast("string")
                    .as("first_purchase_date"))
            .orderBy("customer_id")
            .collectAsList();
    List<String> lines = new ArrayList<>();
    lines.add("customer_id,product_id,cycle_days,first_purchase_date");
    for (Row r : cyclers) {
      lines.add(r.getString(0) + "," + r.getString(1) + "," + r.getInt(2) + "," + r.getString(3));
    }
    Files.write(dir.resolve("planted_cycles.csv"), lines, StandardCharsets.UTF_8);
    List<String> pairs = new ArrayList<>();
    pairs.add("product_id,partner_id");
    for (int i = 0; i < pairs(); i++) {
      int head = firstHead() + 2 * i;
      pairs.add(String.format("P%05d,P%05d", head + 1, head + 2));
    }
    Files.write(dir.resolve("planted_pairs.csv"), pairs, StandardCharsets.UTF_8);
  }
}
