package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.RecommendationSettings;
import com.customerpath.testing.Fixtures;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The candidate sources, the repeat-purchase policy, names in reasons and cold start, on a fixture
 * with a planted weekly repeat (A buys milk every 7 days), a planted pair (milk and butter, bought
 * together by B, C and F) and two prospects (D without persona, E in persona 0).
 */
class RecommenderTest {
  static final LocalDate AS_OF = LocalDate.parse("2026-06-30");
  static Recommender.Inputs in;

  /** Every candidate of the fixture, scored by every source (ALS off), computed once. */
  static Dataset<Row> scored;

  @BeforeAll
  static void fixtures() {
    List<Object[]> lines = new ArrayList<>();
    int t = 0;
    for (String day : List.of("2026-06-02", "2026-06-09", "2026-06-16", "2026-06-23")) {
      lines.add(line("a" + t++, "A", day, "P1"));
    }
    lines.add(line("a0", "A", "2026-06-02", "P3"));
    for (String day : List.of("2026-06-01", "2026-06-10")) {
      lines.add(line("b" + day, "B", day, "P1"));
      lines.add(line("b" + day, "B", day, "P2"));
    }
    lines.add(line("b2026-06-10", "B", "2026-06-10", "P4"));
    lines.add(line("c1", "C", "2026-06-05", "P1"));
    lines.add(line("c1", "C", "2026-06-05", "P2"));
    lines.add(line("c1", "C", "2026-06-05", "P5"));
    lines.add(line("f1", "F", "2026-06-20", "P1"));
    lines.add(line("f1", "F", "2026-06-20", "P2"));
    lines.add(line("g1", "G", "2026-06-25", "P1"));
    Dataset<Row> tx =
        Fixtures.rows(
            "transaction_id string, customer_id string, ts timestamp, product_id string,"
                + " quantity double",
            lines.toArray(new Object[0][]));
    Dataset<Row> products =
        Fixtures.rows(
            "product_id string, name string, category string",
            new Object[] {"P1", "Whole milk", "groceries"},
            new Object[] {"P2", "Butter", "groceries"},
            new Object[] {"P3", "Kettle", "electronics"},
            new Object[] {"P4", "Toaster", "electronics"},
            new Object[] {"P5", null, "books"});
    Dataset<Row> cp =
        Fixtures.rows(
            "customer_id string, persona_id int, context string",
            new Object[] {"A", 0, "all"},
            new Object[] {"B", 0, "all"},
            new Object[] {"C", 1, "all"},
            new Object[] {"F", 1, "all"},
            new Object[] {"G", 1, "all"});
    Dataset<Row> personas =
        Fixtures.rows(
            "persona_id int, persona_name string",
            new Object[] {0, "grocery shoppers"},
            new Object[] {1, "book lovers"});
    Dataset<Row> audience =
        Fixtures.rows(
            "customer_id string, persona_id int",
            new Object[] {"A", null},
            new Object[] {"D", null},
            new Object[] {"E", 0});
    in = new Recommender.Inputs(tx, products, cp, personas, audience);
    scored = Recommender.candidates(in, params(Map.of()), AS_OF).scored().cache();
  }

  /**
   * Ranks the shared candidates with the policy and weights of `overrides` and explains the top 3.
   */
  static Dataset<Row> recommendWith(Map<String, String> overrides) {
    Recommender.Params p = params(overrides);
    double[] w = Blend.normalised(p.startWeights());
    return Recommender.explain(
        Recommender.rank(scored.filter(Recommender.allowed(p)), Recommender.score(w), p.topN()),
        Blend.Fit.fixed(w),
        in);
  }

  static Object[] line(String id, String customer, String day, String product) {
    return new Object[] {id, customer, Fixtures.ts(day + " 10:00:00"), product, 1.0};
  }

  /**
   * Params from reference.conf with overrides; the blend fixed (not learned), ALS off unless
   * weighted.
   */
  static Recommender.Params params(Map<String, String> overrides) {
    Map<String, String> set =
        new HashMap<>(
            Map.of(
                "customerpath.inputs.transactions.path",
                "x",
                "customerpath.recommendations.top-n",
                "3",
                "customerpath.recommendations.blend.learn",
                "false",
                "customerpath.recommendations.blend.weights.als",
                "0"));
    set.putAll(overrides);
    return Recommender.Params.from(
        PipelineSettings.from(ConfigLoader.load(null, set)).recommendations());
  }

  static Map<String, List<String>> lists(Dataset<Row> recs) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : recs.orderBy("customer_id", "rank").collectAsList()) {
      out.computeIfAbsent(r.getString(r.fieldIndex("customer_id")), c -> new ArrayList<>())
          .add(r.getString(r.fieldIndex("product_id")));
    }
    return out;
  }

  static Map<String, List<String>> recommend(String policy) {
    return lists(
        recommendWith(
            Map.of(
                "customerpath.recommendations.repeat-purchase",
                policy,
                "customerpath.recommendations.blend.weights.buy-again",
                "5")));
  }

  @Test
  void candidatesBuiltForSomeCustomersEqualTheWholeBuildsRowsOfThem() {
    // The validation and evaluation builds build candidates for their sample only: the rows and
    // every score must be the ones the whole build gives those customers (ALS: see
    // alsCandidatesAreCappedAndMappedBackToIds).
    Dataset<Row> targets =
        Fixtures.rows(
            "customer_id string", new Object[] {"A"}, new Object[] {"C"}, new Object[] {"E"});
    Recommender.Candidates part = Recommender.candidates(in, params(Map.of()), AS_OF, targets);
    List<String> expected =
        rounded(
            scored
                .join(targets, "customer_id")
                .select(
                    java.util.Arrays.stream(scored.columns())
                        .map(org.apache.spark.sql.functions::col)
                        .toArray(org.apache.spark.sql.Column[]::new)));
    List<String> actual = rounded(part.scored());
    part.release();
    assertTrue(expected.size() > 6, expected.toString());
    assertTrue(expected.stream().anyMatch(r -> r.startsWith("C|")), expected.toString());
    assertEquals(expected, actual);
  }

  /** Rows as sorted text, doubles to 9 decimals. */
  private static List<String> rounded(Dataset<Row> d) {
    return d.collectAsList().stream()
        .map(
            r -> {
              StringBuilder b = new StringBuilder();
              for (int i = 0; i < r.length(); i++) {
                Object v = r.get(i);
                b.append(
                        v instanceof Double x ? String.format(java.util.Locale.ROOT, "%.9f", x) : v)
                    .append('|');
              }
              return b.toString();
            })
        .sorted()
        .toList();
  }

  /**
   * Popularity and each customer's context come from the interactions' line counts; the oracle is
   * their definition over the lines: distinct buyers per product, per persona, and per context
   * group among the lines in the customer's own context (weekend when at least half of their lines
   * fall on a Saturday or Sunday). Random lines of 40 customers over 6 products and 4 weeks.
   */
  @Test
  void popularityFromTheInteractionsCountsWhatTheLinesDefine() {
    java.util.Random random = new java.util.Random(5);
    List<Object[]> lines = new ArrayList<>();
    List<Object[]> personas = new ArrayList<>();
    for (int c = 0; c < 40; c++) {
      String customer = String.format("K%02d", c);
      int n = 1 + random.nextInt(6);
      for (int i = 0; i < n; i++) {
        String day = LocalDate.of(2026, 6, 1).plusDays(random.nextInt(28)).toString();
        Object[] line = line("k" + c + "-" + i, customer, day, "P" + random.nextInt(6));
        lines.add(line);
        if (random.nextInt(4) == 0) {
          lines.add(line.clone()); // the same product twice in one order
        }
      }
      if (c % 5 != 0) { // every fifth customer has no persona
        personas.add(new Object[] {customer, c % 3, "all"});
        personas.add(new Object[] {customer, 10 + c % 2, "weekday"});
        personas.add(new Object[] {customer, 20 + c % 2, "weekend"});
      }
    }
    Dataset<Row> tx =
        Fixtures.rows(
            "transaction_id string, customer_id string, ts timestamp, product_id string,"
                + " quantity double",
            lines.toArray(new Object[0][]));
    Dataset<Row> cp =
        Fixtures.rows(
            "customer_id string, persona_id int, context string",
            personas.toArray(new Object[0][]));
    Dataset<Row> audience = Fixtures.rows("customer_id string", new Object[] {"K00"});
    Recommender.Inputs fixture = new Recommender.Inputs(tx, null, cp, null, audience);
    Recommender.Params p = params(Map.of());
    Dataset<Row> inter =
        CandidateSources.interactions(
            CandidateSources.purchases(tx), AS_OF, p.preference(), p.sources());
    Dataset<Row> groups = Recommender.customerGroups(fixture, inter, p);

    Dataset<Row> lineContext =
        tx.withColumn(
            "line_context",
            functions
                .when(functions.dayofweek(col("ts")).isin(1, 7), "weekend")
                .otherwise("weekday"));
    Dataset<Row> expectedContext =
        lineContext
            .groupBy("customer_id")
            .agg(
                functions
                    .sum(functions.when(col("line_context").equalTo("weekend"), 1).otherwise(0))
                    .as("weekend_lines"),
                functions.count(functions.lit(1)).as("lines"))
            .select(
                col("customer_id"),
                functions
                    .when(col("weekend_lines").multiply(2).geq(col("lines")), "weekend")
                    .otherwise("weekday")
                    .as("context"));
    assertEquals(
        strings(expectedContext.select("customer_id", "context")),
        strings(groups.filter(col("context").isNotNull()).select("customer_id", "context")));

    Dataset<Row> withGroup = lineContext.join(groups, "customer_id");
    Dataset<Row> expected =
        lineContext
            .groupBy("product_id")
            .agg(functions.countDistinct("customer_id").as("n"))
            .select(functions.lit("global:").as("k"), col("product_id"), col("n"))
            .unionByName(
                withGroup
                    .filter(col("persona_id").notEqual(Recommender.EVERYONE))
                    .groupBy(
                        functions.concat(functions.lit("persona:"), col("persona_id")).as("k"),
                        col("product_id"))
                    .agg(functions.countDistinct("customer_id").as("n")))
            .unionByName(
                withGroup
                    .filter(
                        col("ctx_persona_id")
                            .isNotNull()
                            .and(col("line_context").equalTo(col("context"))))
                    .groupBy(
                        functions
                            .concat(functions.lit("context:"), CandidateAssembly.contextGroup())
                            .as("k"),
                        col("product_id"))
                    .agg(functions.countDistinct("customer_id").as("n")));
    Dataset<Row> actual =
        Recommender.popularityBuyers(inter, groups)
            .select(
                functions
                    .concat(
                        col("popularity"),
                        functions.lit(":"),
                        functions.coalesce(col("group_key"), functions.lit("")))
                    .as("k"),
                col("product_id"),
                col("buyers").as("n"));
    List<String> want = strings(expected);
    assertTrue(want.stream().anyMatch(r -> r.startsWith("[context:weekend")), want.toString());
    assertEquals(want, strings(actual));
  }

  /**
   * Tonight's build ranks each customer's candidates inside the assembly; the oracle is the ranking
   * of every candidate in SQL (Recommender.allowed, Blend.Fit.score, Recommender.rank's window),
   * for every repeat policy, with one weight vector or with segment weights (heavy and cold-start
   * customers weighted their own way).
   */
  @Test
  void rankingInsideTheAssemblyEqualsRankingEveryCandidate() {
    double[] w = {0.3, 0.1, 0.2, 0.2, 0.1, 0.1};
    double[] heavy = {0.6, 0.2, 0.0, 0.1, 0.1, 0.0};
    double[] cold = {0.0, 0.0, 0.0, 0.7, 0.3, 0.0};
    List<Blend.Fit> fits =
        List.of(
            Blend.Fit.fixed(w),
            new Blend.Fit(w, 0.1, 5, true, Map.of(Blend.HEAVY, heavy, Blend.COLD_START, cold), 3));
    // Each policy once, with one weight vector or segment weights in turn (a build each).
    List<String> policies = List.of("never", "always", "by-category", "when-due");
    for (int k = 0; k < policies.size(); k++) {
      Blend.Fit fit = fits.get(k % 2);
      Recommender.Params p =
          params(Map.of("customerpath.recommendations.repeat-purchase", policies.get(k)));
      List<String> expected =
          strings(Recommender.rank(scored.filter(Recommender.allowed(p)), fit.score(), p.topN()));
      Recommender.Candidates c =
          Recommender.candidates(
              in,
              p,
              AS_OF,
              null,
              true,
              new CandidateAssembly.Ranking(p, fit),
              Recommender.fitAls(p));
      List<String> actual = strings(c.scored());
      c.release();
      assertTrue(expected.size() > 5, expected.toString());
      assertEquals(expected, actual, policies.get(k) + " " + fit.bySegment().keySet());
    }
  }

  /** The rows as sorted strings. */
  private static List<String> strings(Dataset<Row> rows) {
    return rows.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  @Test
  void repeatPurchasePolicyDecidesWhichBoughtProductsComeBack() {
    Map<String, List<String>> never = recommend("never");
    assertFalse(never.get("A").contains("P1"), "never: milk is excluded " + never.get("A"));
    assertFalse(never.get("A").contains("P3"));
    Map<String, List<String>> always = recommend("always");
    assertEquals("P1", always.get("A").get(0), "always: A's weekly milk first " + always.get("A"));
    assertTrue(always.get("A").contains("P3"), "always: the kettle too " + always.get("A"));
    Map<String, List<String>> byCategory = recommend("by-category");
    assertEquals(
        "P1", byCategory.get("A").get(0), "groceries are repeatable " + byCategory.get("A"));
    assertFalse(byCategory.get("A").contains("P3"), "electronics are not");
    // when-due: A last bought milk 7 days ago, its interval is 7-9 days (A every 7, B every 9):
    // due.
    // G bought milk 5 days ago: not yet due. Nobody bought the kettle twice: never due.
    Map<String, List<String>> whenDue = recommend("when-due");
    assertEquals("P1", whenDue.get("A").get(0), whenDue.get("A").toString());
    assertFalse(whenDue.get("A").contains("P3"));
    assertFalse(whenDue.get("G").contains("P1"), whenDue.get("G").toString());
    // Over a 2-day horizon G's milk (5 days ago, interval 7) will be due: let through.
    Recommender.Params p =
        params(
                Map.of(
                    "customerpath.recommendations.repeat-purchase", "when-due",
                    "customerpath.recommendations.blend.weights.buy-again", "5"))
            .withDueHorizon(2);
    double[] w = Blend.normalised(p.startWeights());
    Map<String, List<String>> withHorizon =
        lists(
            Recommender.explain(
                Recommender.rank(
                    scored.filter(Recommender.allowed(p)), Recommender.score(w), p.topN()),
                Blend.Fit.fixed(w),
                in));
    assertTrue(withHorizon.get("G").contains("P1"), withHorizon.get("G").toString());
    assertFalse(withHorizon.get("A").contains("P3"), "never bought twice: never due");
  }

  @Test
  void eachCopyOfTheParamsChangesOnlyItsOwnFields() {
    Recommender.Params p = params(Map.of());
    Recommender.Params q =
        p.withTopN(100)
            .withRepeat(RecommendationSettings.RepeatPurchase.NEVER)
            .withDueHorizon(30)
            .withoutAls();
    assertEquals(100, q.topN());
    assertEquals(100, q.candidates(), "at least top-n candidates");
    assertEquals(RecommendationSettings.RepeatPurchase.NEVER, q.repeat());
    assertEquals(30, q.dueHorizonDays());
    assertFalse(q.useAls());
    // Every other field is the original's.
    assertEquals(
        p,
        new Recommender.Params(
            p.topN(),
            p.candidates(),
            p.repeat(),
            q.repeatableCategories(),
            q.dueThreshold(),
            p.dueHorizonDays(),
            q.contextBoost(),
            q.preference(),
            q.sources(),
            q.als(),
            q.blend(),
            p.useAls(),
            q.usePersonas()));
    assertThrows(IllegalArgumentException.class, () -> p.withDueHorizon(-1));
  }

  @Test
  void buyAgainScoresFrequencyRecencyAndDue() {
    Recommender.Params p = params(Map.of());
    Map<String, Row> byKey = new HashMap<>();
    CandidateSources.interactions(
            CandidateSources.purchases(in.transactions()),
            AS_OF,
            RecommendationSettings.Preference.PURCHASES,
            p.sources())
        .collectAsList()
        .forEach(r -> byKey.put(r.getAs("customer_id") + "/" + r.getAs("product_id"), r));
    Row milkA = byKey.get("A/P1");
    double interval = milkA.getAs("interval_days");
    assertTrue(interval >= 7 && interval <= 9, "milk's typical repurchase interval " + interval);
    assertEquals(7.0 / interval, milkA.<Double>getAs("due_ratio"), 1e-9);
    assertTrue(milkA.<Double>getAs("f_due") > 0.75, "A is due for milk");
    assertTrue(
        byKey.get("G/P1").<Double>getAs("f_due") < milkA.<Double>getAs("f_due"),
        "G bought it 5 days ago");
    assertEquals(4, milkA.<Long>getAs("purchases"));
    assertTrue(
        milkA.<Double>getAs("f_buy_again") > byKey.get("A/P3").<Double>getAs("f_buy_again"),
        "4 of A's 4 orders hold milk, 1 the kettle");
    assertEquals(1.0, milkA.<Double>getAs("f_buy_again"), 1e-9);
    assertEquals(0.0, byKey.get("A/P3").<Double>getAs("f_due"), 1e-9, "no interval: not due");
  }

  @Test
  void boughtTogetherFindsThePlantedPairAndNamesIt() {
    Recommender.Params p = params(Map.of());
    Dataset<Row> inter =
        CandidateSources.interactions(
            CandidateSources.purchases(in.transactions()),
            AS_OF,
            RecommendationSettings.Preference.PURCHASES,
            p.sources());
    List<Row> g =
        CandidateSources.boughtTogether(inter, p.sources())
            .filter("customer_id = 'G'")
            .orderBy(org.apache.spark.sql.functions.col("f_together").desc())
            .collectAsList();
    assertEquals("P2", g.get(0).getAs("product_id"), "milk buyers also buy butter");
    assertEquals("P1", g.get(0).getAs("because"));
    // cosine(milk, butter) = 3 co-buyers / sqrt(5 milk buyers x 3 butter buyers)
    assertEquals(3 / Math.sqrt(5 * 3), g.get(0).<Double>getAs("f_together"), 1e-9);
    Dataset<Row> recs =
        recommendWith(Map.of("customerpath.recommendations.blend.weights.bought-together", "100"));
    Row first = recs.filter("customer_id = 'G' and rank = 1").first();
    assertEquals("P2", first.getAs("product_id"));
    assertEquals("often bought with Whole milk", first.getAs("reason"));
    assertEquals("bought-together", first.getAs("source"));
  }

  @Test
  void coldStartGetsPersonaBestOrEveryonesBest() {
    Dataset<Row> recs =
        recommendWith(Map.of("customerpath.recommendations.blend.weights.global-popularity", "0"));
    Map<String, List<String>> l = lists(recs);
    assertEquals("P1", l.get("D").get(0), "milk has the most buyers");
    Map<String, String> reasons = new HashMap<>();
    recs.filter("rank = 1")
        .collectAsList()
        .forEach(
            r ->
                reasons.put(
                    r.getAs("customer_id"), r.getAs("reason") + "|" + r.getAs("persona_id")));
    assertEquals("bestseller among all customers|null", reasons.get("D"));
    assertEquals("popular with grocery shoppers like you|0", reasons.get("E"));
    for (Row r : recs.collectAsList()) {
      double score = r.getAs("score");
      assertTrue(score >= 0 && score <= 1.0 + 1e-9, "score in [0, 1]: " + score);
    }
  }

  private Dataset<Row> cachedInteractions() {
    Recommender.Params p = params(Map.of());
    return CandidateSources.interactions(
            CandidateSources.purchases(in.transactions()), AS_OF, p.preference(), p.sources())
        .cache();
  }

  /** ALS of rank 2 on the fixture's interactions. */
  private CandidateSources.AlsFit fitAls(Dataset<Row> interactions, int maxIter) {
    Recommender.Params p =
        params(
            Map.of(
                "customerpath.recommendations.als.rank",
                "2",
                "customerpath.recommendations.als.max-iter",
                String.valueOf(maxIter)));
    return CandidateSources.fitAls(interactions, p.als());
  }

  /**
   * 30 ALS iterations: without a checkpoint directory MLlib cannot cut the factors' lineage and the
   * task serialisation overflows the stack (measured on the sample data); a run has one under its
   * output root (SparkSessions.create), which this test sets the same way on the shared session.
   * Extended phase: 30 iterations take about 30 s here; SessionConfTest guards the setting.
   */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void manyAlsIterationsFitWithTheRunsCheckpointDirectory() {
    org.apache.spark.SparkContext sc = in.transactions().sparkSession().sparkContext();
    if (sc.getCheckpointDir().isEmpty()) {
      sc.setCheckpointDir(
          com.customerpath.testing.SparkTestSession.tempDir("checkpoints").toString());
    }
    Dataset<Row> inter = cachedInteractions();
    CandidateSources.AlsFit fit = fitAls(inter, 30);
    assertEquals(5, fit.model().userFactors().count(), "a factor for every buyer");
    CandidateSources.release(fit);
    inter.unpersist();
  }

  @Test
  void alsCandidatesAreMllibsOwnTopNWithTheSameScores() {
    Dataset<Row> inter = cachedInteractions();
    CandidateSources.AlsFit fit = fitAls(inter, 3);
    // MLlib's answer (recommendForAllUsers), mapped back to ids as the source did before.
    Dataset<Row> mllib =
        fit.model()
            .recommendForAllUsers(3)
            .select(
                org.apache.spark.sql.functions.col("user_ix"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .explode(org.apache.spark.sql.functions.col("recommendations"))
                    .as("rec"))
            .selectExpr("user_ix", "rec.item_ix as item_ix", "cast(rec.rating as double) as rating")
            .join(fit.customers(), "user_ix")
            .join(fit.products(), "item_ix")
            .selectExpr("customer_id", "product_id", "greatest(0.0, least(1.0, rating)) as f_als");
    List<String> expected = exact(mllib);
    assertEquals(15, expected.size(), "3 products for each of the 5 buyers");
    assertEquals(expected, exact(CandidateSources.als(fit, 3)), "same products, same scores");
    CandidateSources.release(fit);
    inter.unpersist();
  }

  @Test
  void alsIsSplitIntoTheConfiguredBlocksOrTheShufflesPartitions() {
    Dataset<Row> inter = cachedInteractions();
    Recommender.Params three =
        params(
            Map.of(
                "customerpath.recommendations.als.rank", "2",
                "customerpath.recommendations.als.max-iter", "1",
                "customerpath.recommendations.als.blocks", "3"));
    CandidateSources.AlsFit fit = CandidateSources.fitAls(inter, three.als());
    // MLlib keeps one partition of factors per block.
    assertEquals(3, fit.model().userFactors().rdd().getNumPartitions());
    assertEquals(3, fit.model().itemFactors().rdd().getNumPartitions());
    CandidateSources.release(fit);
    int shuffle = Integer.parseInt(inter.sparkSession().conf().get("spark.sql.shuffle.partitions"));
    fit = fitAls(inter, 1); // blocks = 0 (reference.conf)
    assertEquals(shuffle, fit.model().userFactors().rdd().getNumPartitions());
    assertEquals(5, fit.model().userFactors().count(), "a factor for every buyer");
    CandidateSources.release(fit);
    inter.unpersist();
  }

  @Test
  void alsTopNKeepsTheHighestScoresAndBreaksTiesBySmallerIndex() {
    float[] scores = {1f, 3f, 3f, 2f, -1f};
    assertEquals(
        List.of(1, 2), toList(CandidateSources.ProductFactors.best(scores, 2)), "best two");
    assertEquals(
        List.of(1, 2, 3, 0, 4),
        toList(CandidateSources.ProductFactors.best(scores, 10)),
        "all of them, best first");
    assertEquals(List.of(), toList(CandidateSources.ProductFactors.best(scores, 0)));
  }

  private static List<Integer> toList(int[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }

  /** customer|product|f_als with every digit, sorted. */
  private static List<String> exact(Dataset<Row> d) {
    return d.select("customer_id", "product_id", "f_als").collectAsList().stream()
        .map(r -> r.getString(0) + "|" + r.getString(1) + "|" + r.getDouble(2))
        .sorted()
        .toList();
  }

  @Test
  void alsCandidatesAreCappedAndMappedBackToIds() {
    Dataset<Row> inter = cachedInteractions();
    CandidateSources.AlsFit fit = fitAls(inter, 3);
    List<Row> als = CandidateSources.als(fit, 2).collectAsList();
    Map<String, Integer> perCustomer = new HashMap<>();
    for (Row r : als) {
      perCustomer.merge(r.getAs("customer_id"), 1, Integer::sum);
      assertTrue(List.of("P1", "P2", "P3", "P4", "P5").contains(r.<String>getAs("product_id")));
      double f = r.getAs("f_als");
      assertTrue(f >= 0 && f <= 1, "f_als in [0, 1]: " + f);
    }
    assertEquals(
        java.util.Set.of("A", "B", "C", "F", "G"), perCustomer.keySet(), "every buyer, by id");
    perCustomer.values().forEach(n -> assertEquals(2, n, "capped at 2 per customer"));
    // For some customers only (the validation build): their rows of the whole answer.
    Dataset<Row> targets =
        Fixtures.rows("customer_id string", new Object[] {"A"}, new Object[] {"C"});
    assertEquals(
        rounded(CandidateSources.als(fit, 2).join(targets, "customer_id")),
        rounded(
            CandidateSources.als(fit, 2, targets).select("customer_id", "product_id", "f_als")));
    CandidateSources.release(fit);
    inter.unpersist();
  }

  @Test
  void unknownRepeatPolicyIsAClearError() {
    ConfigError e =
        assertThrows(
            ConfigError.class,
            () -> params(Map.of("customerpath.recommendations.repeat-purchase", "sometimes")));
    assertTrue(
        e.getMessage().contains("customerpath.recommendations.repeat-purchase"), e.getMessage());
    assertTrue(
        e.getMessage().contains("'sometimes'") && e.getMessage().contains("when-due"),
        e.getMessage());
  }
}
