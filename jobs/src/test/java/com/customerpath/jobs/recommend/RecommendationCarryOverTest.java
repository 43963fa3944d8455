package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * A night after another scores only the customers whose inputs changed: the others keep the night
 * before's recommendations, the scored ones get what a build of every customer gives them.
 */
class RecommendationCarryOverTest {
  private static final LocalDate NIGHT = SampleRun.DATE;
  private static final LocalDate EVE = NIGHT.minusDays(1);

  /**
   * The configured weights without ALS: the carry-over does not depend on how the blend was
   * learned, and three builds that learn it and fit ALS would cost the test suite a minute.
   */
  private static final Map<String, String> FIXED_BLEND =
      Map.of(
          "customerpath.recommendations.blend.learn",
          "false",
          "customerpath.recommendations.blend.weights.als",
          "0");

  /**
   * Extended phase: three recommendations steps on a copy of the night, about 50 s. The decisions
   * below (who is scored again, what is carried over) stay in the default phase.
   */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void theNightAfterScoresTheChangedCustomersAndCarriesTheOthersOver() throws Exception {
    Path copy = SampleRun.copyOfTheNight("recommendation-carry-over");
    // Nothing kept by the shared night: the eve builds everyone.
    for (String kept :
        List.of(
            BlendStore.TABLE,
            AlsModelStore.DIRECTORY,
            RecommendationCarryOver.DIRECTORY,
            TableNames.RECOMMENDATIONS)) {
      FileUtils.deleteDirectory(copy.resolve(kept).toFile());
    }
    // The eve reads the night's snapshots, features and personas: what changes overnight is the
    // lines of the sample's last day (and the day that leaves the window).
    for (String table :
        List.of(
            "curated/products",
            "curated/customers",
            TableNames.CUSTOMER_FEATURES,
            TableNames.CUSTOMER_PERSONAS,
            TableNames.PERSONAS)) {
      Path dir = copy.resolve(table);
      FileUtils.copyDirectory(
          dir.resolve("dt=" + NIGHT).toFile(), dir.resolve("dt=" + EVE).toFile());
    }
    JobContext night = SampleRun.context(copy, FIXED_BLEND);
    JobContext eve = new JobContext(EVE, night.settings(), night.spark(), night.tables());

    Map<String, Double> first = JobRunner.runStep(eve, new RecommendationsJob()).metrics();
    assertEquals(0.0, first.get("recommendations_carried_over"), "nothing kept before the eve");
    assertEquals(0.0, first.get("recommendations_customers_carried"));
    Map<String, List<String>> eveRecs = recommendations(eve, EVE);

    Map<String, Double> carried = JobRunner.runStep(night, new RecommendationsJob()).metrics();
    assertEquals(1.0, carried.get("recommendations_carried_over"));
    double scored = carried.get("recommendations_customers_scored");
    double kept = carried.get("recommendations_customers_carried");
    System.out.printf(
        "The night after: %.0f customers scored, %.0f carried over (%.0f and %.0f Spark jobs)%n",
        scored, kept, carried.get("jobs_recommendations"), first.get("jobs_recommendations"));
    assertTrue(
        scored > 0 && scored < kept / 4, scored + " customers scored, " + kept + " carried over");
    Map<String, List<String>> nightRecs = recommendations(night, NIGHT);
    Map<String, Object[]> nightInteractions = perProduct(night, NIGHT);
    Set<String> scoredIds = builtOn(night, NIGHT);
    assertEquals((long) scored, scoredIds.size());

    // The carried customers' recommendations are the eve's, row for row.
    int compared = 0;
    for (Map.Entry<String, List<String>> e : nightRecs.entrySet()) {
      if (!scoredIds.contains(e.getKey())) {
        assertEquals(eveRecs.get(e.getKey()), e.getValue(), "carried over: " + e.getKey());
        compared++;
      }
    }
    assertTrue(compared > 1000, compared + " carried customers compared");

    // The scored customers' are those of a build of every customer with the same blend; the
    // carried ones are served by it too.
    JobContext everyone = SampleRun.context(copy, withEveryoneScored(FIXED_BLEND));
    Map<String, Double> full = JobRunner.runStep(everyone, new RecommendationsJob()).metrics();
    assertEquals(0.0, full.get("recommendations_carried_over"));

    Map<String, List<String>> fullRecs = recommendations(everyone, NIGHT);
    for (String id : scoredIds) {
      assertEquals(fullRecs.get(id), nightRecs.get(id), "scored tonight: " + id);
    }
    assertEquals(fullRecs.keySet(), nightRecs.keySet(), "the same customers served");

    // The interactions the night kept for most customers and aggregated for the others are those
    // of every line aggregated (f_buy_again, a share of weights counted from another night, to the
    // last bits).
    Map<String, Object[]> fullInteractions = perProduct(everyone, NIGHT);
    assertEquals(fullInteractions.keySet(), nightInteractions.keySet());
    assertTrue(fullInteractions.size() > 10_000, fullInteractions.size() + " rows");
    int last = CandidateSources.PER_PRODUCT.size() - 1;
    for (Map.Entry<String, Object[]> e : fullInteractions.entrySet()) {
      Object[] aggregated = e.getValue();
      Object[] carriedRow = nightInteractions.get(e.getKey());
      assertEquals(
          List.of(aggregated).subList(0, last),
          List.of(carriedRow).subList(0, last),
          "per-product row of " + e.getKey());
      assertEquals((Double) aggregated[last], (Double) carriedRow[last], 1e-12, e.getKey());
    }
  }

  @Test
  void theChangedCustomersAreThoseWhoseOwnInputsMoved() {
    SparkSession spark = SparkTestSession.get();
    LocalDate kept = LocalDate.parse("2026-03-10");
    LocalDate tonight = kept.plusDays(1);
    Dataset<Row> lines =
        spark.createDataFrame(
            List.of(
                line("new-line", tonight.atTime(10, 0)),
                line("left-window", kept.minusDays(29).atTime(9, 0)),
                line("same", kept.minusDays(5).atTime(9, 0)),
                line("regrouped", kept.minusDays(5).atTime(9, 0))),
            StructType.fromDDL("customer_id string, ts timestamp"));
    Dataset<Row> state =
        spark.createDataFrame(
            List.of(
                state("new-line", 1, null, "weekday", kept),
                state("left-window", 1, null, "weekday", kept),
                state("same", 1, 2, "weekend", kept.minusDays(4)),
                state("regrouped", 1, null, "weekday", kept),
                state("old", 3, null, "weekday", kept.minusDays(6)),
                state("due", 1, null, "weekday", kept)),
            RecommendationCarryOver.STATE_COLUMNS);
    Dataset<Row> groups =
        spark.createDataFrame(
            List.of(
                group("new-line", 1, null, "weekday"),
                group("left-window", 1, null, "weekday"),
                group("same", 1, 2, "weekend"),
                group("regrouped", 4, null, "weekday"),
                group("old", 3, null, "weekday"),
                group("due", 1, null, "weekday"),
                group("newcomer", 1, null, "weekday")),
            StructType.fromDDL(
                "customer_id string, persona_id int, ctx_persona_id int, context string"));
    // due_ratio as of tonight over a 10-day interval: "due" crossed 1.0 overnight, "same" was
    // due already, "old" has no interval.
    Dataset<Row> interactions =
        spark.createDataFrame(
            List.of(
                RowFactory.create("due", 1.05, 10.0),
                RowFactory.create("same", 1.5, 10.0),
                RowFactory.create("old", 0.2, null)),
            StructType.fromDDL("customer_id string, due_ratio double, interval_days double"));

    Set<String> everyPolicy = Set.of("new-line", "left-window", "regrouped", "old", "newcomer");
    assertEquals(everyPolicy, targets(lines, state, groups, interactions, kept, "by-category"));
    Set<String> whenDue = new TreeSet<>(everyPolicy);
    whenDue.add("due");
    assertEquals(whenDue, targets(lines, state, groups, interactions, kept, "when-due"));

    // The state kept tonight: built tonight for the scored, the kept night for the others.
    Recommender.Params p = params("by-category");
    RecommendationCarryOver carry =
        new RecommendationCarryOver(kept, tonight, lines, 30, state, null, null, 6, p);
    Dataset<Row> targets = carry.targets(interactions, groups);
    Map<String, LocalDate> builtOn = new TreeMap<>();
    carry
        .state(groups, targets)
        .collectAsList()
        .forEach(r -> builtOn.put(r.getString(0), r.getDate(4).toLocalDate()));
    assertEquals(tonight, builtOn.get("newcomer"));
    assertEquals(tonight, builtOn.get("old"));
    assertEquals(kept.minusDays(4), builtOn.get("same"), "carried over since it was built");
    assertEquals(kept, builtOn.get("due"), "not due under by-category: carried over");
    assertEquals(7, builtOn.size(), "one row per customer of tonight's groups");
  }

  @Test
  void aNightCarriesOverOnlyWhatTheSameInputsAndSettingsGave() {
    SparkSession spark = SparkTestSession.get();
    com.customerpath.common.io.Tables tables =
        new com.customerpath.common.io.Tables(
            spark, SparkTestSession.tempDir("carry-over-decision").toString());
    LocalDate kept = LocalDate.parse("2026-03-10");
    Recommender.Params p = params("by-category");
    Map<String, String> fingerprint = Map.of("settings", "a", "products", "100:42");
    Map<String, String> days = Map.of("2026-03-09", "s1", "2026-03-10", "s2");
    Dataset<Row> state =
        spark.createDataFrame(
            List.<Row>of(state("c1", 1, null, "weekday", kept)),
            RecommendationCarryOver.STATE_COLUMNS);
    Dataset<Row> perProduct =
        spark.createDataFrame(
            List.<Row>of(
                RowFactory.create(
                    "c1",
                    "p1",
                    2L,
                    2.0,
                    Date.valueOf(kept),
                    Date.valueOf(kept),
                    1L,
                    2L,
                    0L,
                    1L,
                    1.0)),
            StructType.fromDDL(
                "customer_id string, product_id string, purchases long, quantity double,"
                    + " first_day date, last_day date, days long, lines long, weekend_lines long,"
                    + " orders long, f_buy_again double"));
    RecommendationCarryOver.save(tables, kept, state, perProduct, fingerprint, days);
    java.util.function.Function<Map<String, String>, RecommendationCarryOver.Decision> decide =
        print -> decideWith(tables, kept.plusDays(1), print, days, false, 7, p);

    // No recommendations table of that night: scored again.
    assertTrue(decide.apply(fingerprint).carryOver().isEmpty());
    tables.write(
        TableNames.RECOMMENDATIONS,
        kept,
        spark.createDataFrame(
            List.<Row>of(RowFactory.create("c1", 1, "p2", 0.5, "r", "als", 1)),
            StructType.fromDDL(
                "customer_id string, rank int, product_id string, score double, reason string,"
                    + " source string, persona_id int")));
    RecommendationCarryOver.Decision carried = decide.apply(fingerprint);
    assertEquals(kept, carried.carryOver().orElseThrow().keptNight(), carried.reason());

    RecommendationCarryOver.Decision otherProducts =
        decide.apply(Map.of("settings", "a", "products", "101:7"));
    assertTrue(otherProducts.carryOver().isEmpty());
    assertTrue(otherProducts.reason().contains("[products]"), otherProducts.reason());
    RecommendationCarryOver.Decision lateLines =
        decideWith(
            tables,
            kept.plusDays(1),
            fingerprint,
            Map.of("2026-03-09", "s1-late", "2026-03-10", "s2", "2026-03-11", "s3"),
            false,
            7,
            p);
    assertTrue(lateLines.carryOver().isEmpty());
    assertTrue(lateLines.reason().contains("2026-03-09"), lateLines.reason());
    assertTrue(
        decideWith(tables, kept.plusDays(1), fingerprint, days, true, 7, p).carryOver().isEmpty(),
        "a full refresh scores everyone");
    assertTrue(
        decideWith(tables, kept.plusDays(1), fingerprint, days, false, 0, p).carryOver().isEmpty(),
        "carry-over-days 0 scores everyone");
    assertTrue(
        decideWith(tables, kept, fingerprint, days, false, 7, p).carryOver().isEmpty(),
        "a re-run of the kept night does not carry over its own rows");
  }

  private static RecommendationCarryOver.Decision decideWith(
      com.customerpath.common.io.Tables tables,
      LocalDate date,
      Map<String, String> fingerprint,
      Map<String, String> days,
      boolean fullRefresh,
      int carryOverDays,
      Recommender.Params p) {
    return RecommendationCarryOver.decide(
        tables, date, fingerprint, days, fullRefresh, carryOverDays, 30, p);
  }

  private static Map<String, String> withEveryoneScored(Map<String, String> overrides) {
    Map<String, String> all = new java.util.HashMap<>(overrides);
    all.put("customerpath.recommendations.carry-over-days", "0");
    return all;
  }

  private static Set<String> targets(
      Dataset<Row> lines,
      Dataset<Row> state,
      Dataset<Row> groups,
      Dataset<Row> interactions,
      LocalDate kept,
      String policy) {
    RecommendationCarryOver carry =
        new RecommendationCarryOver(
            kept, kept.plusDays(1), lines, 30, state, null, null, 6, params(policy));
    Set<String> ids = new TreeSet<>();
    carry.targets(interactions, groups).collectAsList().forEach(r -> ids.add(r.getString(0)));
    return ids;
  }

  private static Recommender.Params params(String policy) {
    return Recommender.Params.from(
            SampleRun.settings(
                    "conf/local.conf",
                    SparkTestSession.tempDir("carry-over-settings"),
                    Map.of(
                        "customerpath.recommendations.repeat-purchase",
                        policy,
                        "customerpath.recommendations.due-threshold",
                        "1.0"))
                .recommendations())
        .withDueHorizon(0);
  }

  private static Row line(String customer, java.time.LocalDateTime ts) {
    return RowFactory.create(customer, Timestamp.valueOf(ts));
  }

  private static Row state(
      String customer, Integer persona, Integer ctx, String context, LocalDate builtOn) {
    return RowFactory.create(customer, persona, ctx, context, Date.valueOf(builtOn));
  }

  private static Row group(String customer, Integer persona, Integer ctx, String context) {
    return RowFactory.create(customer, persona, ctx, context);
  }

  /** Each customer's recommendations as "rank|product|score|source|reason", in rank order. */
  private static Map<String, List<String>> recommendations(JobContext ctx, LocalDate date) {
    Map<String, List<String>> byCustomer = new TreeMap<>();
    ctx.tables()
        .read(TableNames.RECOMMENDATIONS, date)
        .orderBy("customer_id", "rank")
        .selectExpr(
            "customer_id", "concat_ws('|', rank, product_id, score, source, reason, persona_id)")
        .collectAsList()
        .forEach(
            r ->
                byCustomer
                    .computeIfAbsent(r.getString(0), k -> new java.util.ArrayList<>())
                    .add(r.getString(1)));
    return byCustomer;
  }

  /** The kept per-product rows by customer|product, columns in PER_PRODUCT order. */
  private static Map<String, Object[]> perProduct(JobContext ctx, LocalDate date) {
    Map<String, Object[]> rows = new TreeMap<>();
    ctx.tables()
        .read(RecommendationCarryOver.INTERACTIONS, date)
        .selectExpr(CandidateSources.PER_PRODUCT.toArray(String[]::new))
        .collectAsList()
        .forEach(
            r -> {
              Object[] values = new Object[r.size()];
              for (int i = 0; i < values.length; i++) {
                values[i] = r.get(i);
              }
              rows.put(r.getString(0) + "|" + r.getString(1), values);
            });
    return rows;
  }

  /** The customers whose recommendations the state says were built on date. */
  private static Set<String> builtOn(JobContext ctx, LocalDate date) {
    Set<String> ids = new TreeSet<>();
    ctx.tables()
        .read(RecommendationCarryOver.DIRECTORY, date)
        .filter(org.apache.spark.sql.functions.col("built_on").equalTo(Date.valueOf(date)))
        .select("customer_id")
        .collectAsList()
        .forEach(r -> ids.add(r.getString(0)));
    return ids;
  }
}
