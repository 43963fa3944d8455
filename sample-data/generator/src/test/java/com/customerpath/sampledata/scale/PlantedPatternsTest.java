package com.customerpath.sampledata.scale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.RecommendationSettings;
import com.customerpath.jobs.recommend.CandidateSources;
import com.customerpath.jobs.recommend.Recommender;
import com.customerpath.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The recommender's sources find what the generator planted (repeat cycles and complementary
 * products), checked against the generator's ground truth; the hybrid serves a cycler's staple when
 * it is due, where global popularity does not. Extended phase, with the other generated-data tests:
 * the generator, its own Spark session and 120 days of Parquet cost the default phase 50 s.
 */
@Tag("extended")
class PlantedPatternsTest {
  private static final LocalDate END = LocalDate.parse("2026-06-30");
  private static final LocalDate AS_OF = END.minusDays(14);
  private static SparkSession spark;
  private static Path out;
  private static Dataset<Row> transactions;
  private static List<Row> cycles;
  private static List<Row> pairs;

  @BeforeAll
  static void generate() throws IOException {
    spark = SparkTestSession.get();
    out = SparkTestSession.tempDir("planted");
    String[] args = {
      "--out", out.toString(),
      "--customers", "1200",
      "--lines", "30000",
      "--events", "100",
      "--days", "120",
      "--end-date", END.toString(),
      "--products", "200",
      "--planted", "true"
    };
    new ScaleDataGenerator(spark, ScaleDataGenerator.Options.parse(args)).generate();
    // The generated data through the column mapping of generated.conf.
    transactions =
        spark
            .read()
            .parquet(out.resolve("transactions").toString())
            .select(
                col("order_id").as("transaction_id"),
                col("cust_id").as("customer_id"),
                col("order_ts").as("ts"),
                col("sku").as("product_id"),
                col("qty").cast("double").as("quantity"),
                col("unit_price"))
            .cache();
    cycles = truth("planted_cycles.csv");
    pairs = truth("planted_pairs.csv");
  }

  private static List<Row> truth(String file) {
    return spark
        .read()
        .option("header", "true")
        .option("inferSchema", "true")
        .csv(out.resolve("truth").resolve(file).toString())
        .collectAsList();
  }

  private static PipelineSettings settings(Map<String, String> overrides) {
    Map<String, String> set = new HashMap<>(Map.of("customerpath.inputs.transactions.path", "x"));
    set.putAll(overrides);
    return PipelineSettings.from(ConfigLoader.load(null, set));
  }

  @Test
  void theTruthFilesDescribeTheData() throws IOException {
    assertTrue(Files.exists(out.resolve("truth/planted_cycles.csv")));
    assertEquals(240, cycles.size(), "every fifth of 1,200 customers is a cycler");
    assertEquals(20, pairs.size(), "a tenth of 200 products, in pairs");
    // Each cycler's planted orders fall exactly on its cycle from its first purchase.
    Dataset<Row> planted =
        transactions
            .filter(col("transaction_id").startsWith("R"))
            .groupBy("customer_id", "product_id")
            .agg(
                functions.count(lit(1)).as("n"),
                functions.min(functions.to_date(col("ts"))).as("first"));
    Map<String, Row> byCustomer = new HashMap<>();
    planted.collectAsList().forEach(r -> byCustomer.put(r.getString(0), r));
    for (Row c : cycles) {
      Row got = byCustomer.get(c.getString(0));
      LocalDate first = LocalDate.parse(c.get(3).toString());
      int cycle = c.getInt(2);
      long expected = (END.toEpochDay() - first.toEpochDay()) / cycle + 1;
      assertEquals(c.getString(1), got.getString(1), "staple of " + c.getString(0));
      assertEquals(expected, got.getLong(2), "purchases of " + c.getString(0));
      assertEquals(first.toString(), got.get(3).toString(), "first purchase of " + c);
    }
  }

  @Test
  void theDueSourceRecoversEachStaplesCycle() {
    PipelineSettings s = settings(Map.of());
    Dataset<Row> inter =
        CandidateSources.interactions(
            CandidateSources.purchases(transactions),
            AS_OF,
            RecommendationSettings.Preference.PURCHASES,
            s.recommendations().sources());
    Map<String, Double> interval = new HashMap<>();
    inter
        .select("product_id", "interval_days")
        .distinct()
        .collectAsList()
        .forEach(r -> interval.put(r.getString(0), r.isNullAt(1) ? null : r.getDouble(1)));
    Map<String, Integer> planted = new HashMap<>();
    cycles.forEach(c -> planted.put(c.getString(1), c.getInt(2)));
    assertTrue(planted.size() >= 3, "staples: " + planted);
    planted.forEach(
        (product, cycle) ->
            assertEquals(
                cycle,
                interval.get(product),
                1.0,
                "typical repurchase interval of staple " + product));
  }

  @Test
  void boughtTogetherFindsEachPlantedPartner() {
    PipelineSettings s = settings(Map.of());
    Dataset<Row> items =
        CandidateSources.purchases(transactions)
            .filter(functions.to_date(col("ts")).leq(lit(java.sql.Date.valueOf(AS_OF))))
            .select("customer_id", "product_id")
            .distinct();
    Map<String, String> best = new HashMap<>();
    CandidateSources.neighbours(items, s.recommendations().sources())
        .groupBy("item")
        .agg(functions.max_by(col("product_id"), col("similarity")).as("best"))
        .collectAsList()
        .forEach(r -> best.put(r.getString(0), r.getString(1)));
    long found =
        pairs.stream().filter(p -> p.getString(1).equals(best.get(p.getString(0)))).count();
    System.out.printf(
        "Planted pairs: %d of %d heads have their partner as nearest neighbour%n",
        found, pairs.size());
    // Popularity alone would name the best sellers: the planted partners are mid-catalogue.
    assertTrue(
        found >= 0.9 * pairs.size(),
        found + " of " + pairs.size() + " heads have their partner as nearest neighbour: " + best);
  }

  @Test
  void theHybridServesTheStapleWhenItIsDueAndPopularityDoesNot() {
    Recommender.Params p =
        Recommender.Params.from(
            settings(
                    Map.of(
                        "customerpath.recommendations.repeat-purchase", "when-due",
                        "customerpath.recommendations.blend.learn", "false",
                        "customerpath.recommendations.blend.weights.als", "0",
                        "customerpath.recommendations.top-n", "10"))
                .recommendations());
    Dataset<Row> history =
        transactions.filter(functions.to_date(col("ts")).leq(lit(java.sql.Date.valueOf(AS_OF))));
    // Cyclers whose next planted purchase is the day after the cut-off: the night's
    // recommendations are tomorrow's (a staple bought every 7 days is not yet due 4 days ahead:
    // due-threshold 0.8).
    Map<String, String> dueStaple = new HashMap<>();
    for (Row c : cycles) {
      long first = LocalDate.parse(c.get(3).toString()).toEpochDay();
      int cycle = c.getInt(2);
      long next = first + ((AS_OF.toEpochDay() - first) / cycle + 1) * cycle;
      if (next == AS_OF.plusDays(1).toEpochDay() && first <= AS_OF.toEpochDay()) {
        dueStaple.put(c.getString(0), c.getString(1));
      }
    }
    assertTrue(dueStaple.size() >= 10, "cyclers due tomorrow: " + dueStaple.size());
    Dataset<Row> audience =
        spark
            .createDataset(List.copyOf(dueStaple.keySet()), org.apache.spark.sql.Encoders.STRING())
            .toDF("customer_id")
            .withColumn("persona_id", lit(null).cast("int"));
    Recommender.Inputs in = new Recommender.Inputs(history, null, null, null, audience);
    Dataset<Row> top = Recommender.recommend(in, p, AS_OF).recommendations();
    Map<String, List<String>> lists = new HashMap<>();
    top.select("customer_id", "product_id")
        .collectAsList()
        .forEach(
            r ->
                lists
                    .computeIfAbsent(r.getString(0), k -> new java.util.ArrayList<>())
                    .add(r.getString(1)));
    top.unpersist();
    long hybrid =
        dueStaple.entrySet().stream()
            .filter(e -> lists.getOrDefault(e.getKey(), List.of()).contains(e.getValue()))
            .count();
    List<String> bestSellers =
        CandidateSources.purchases(history)
            .groupBy("product_id")
            .agg(functions.countDistinct("customer_id").as("buyers"))
            .orderBy(col("buyers").desc(), col("product_id"))
            .limit(10)
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .toList();
    long popularity = dueStaple.values().stream().filter(bestSellers::contains).count();
    double n = dueStaple.size();
    System.out.printf(
        "Planted cycles: staple in the hybrid's top 10 for %d of %d cyclers due tomorrow;"
            + " among the 10 best sellers for %d%n",
        hybrid, dueStaple.size(), popularity);
    assertTrue(
        hybrid >= 0.9 * n,
        hybrid
            + " of "
            + dueStaple.size()
            + " cyclers due tomorrow get their staple in the top 10");
    assertTrue(
        popularity <= 0.5 * n,
        popularity + " of " + dueStaple.size() + " staples are among the 10 best sellers");
  }
}
