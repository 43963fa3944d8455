package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.Fixtures;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The candidates are assembled per customer in plain Java over broadcast popularity maps. The
 * oracle is the definition as SQL (the way the step computed it before): each source's best n keys
 * per customer, made distinct, joined to every score table, a missing score 0. Random tables of 40
 * customers over 12 products, with scores drawn from a few values so that the tops have ties broken
 * by product id, customers without persona, context persona or any purchase, and n = 3 so that the
 * caps bind.
 */
class CandidateAssemblyTest {
  private static final int N = 3;
  private static final double BOOST = 0.3;
  private static final String SCHEMA =
      "customer_id, product_id, persona_id, bought, due_ratio, interval_days, category, because,"
          + " f_buy_again, f_due, f_together, f_persona, f_global, f_als, orders";

  private static Dataset<Row> groups;
  private static Dataset<Row> inter;
  private static Dataset<Row> together;
  private static Dataset<Row> als;
  private static Dataset<Row> buyers;
  private static Dataset<Row> global;
  private static Dataset<Row> byPersona;
  private static Dataset<Row> ctxPop;
  private static Dataset<Row> categories;

  @BeforeAll
  static void setUp() {
    Random random = new Random(11);
    double[] levels = {0.1, 0.25, 0.5, 1.0};
    List<Object[]> g = new ArrayList<>();
    List<Object[]> i = new ArrayList<>();
    List<Object[]> t = new ArrayList<>();
    List<Object[]> a = new ArrayList<>();
    for (int c = 0; c < 40; c++) {
      String id = String.format("C%02d", c);
      Integer persona = c % 7 == 0 ? Recommender.EVERYONE : random.nextInt(3);
      Integer ctxPersona = c % 5 == 0 ? null : random.nextInt(2);
      String context = c % 11 == 0 ? null : random.nextBoolean() ? "weekday" : "weekend";
      g.add(new Object[] {id, persona, ctxPersona, context});
      if (c % 9 == 4) {
        continue; // a customer with no row of their own: the best sellers only
      }
      long orders = 1 + random.nextInt(9); // the customer's, on each of their rows
      for (int p : distinct(random, 1 + random.nextInt(6))) {
        boolean repeat = random.nextBoolean();
        i.add(
            new Object[] {
              id,
              product(p),
              levels[random.nextInt(levels.length)],
              repeat ? levels[random.nextInt(levels.length)] : 0.0,
              repeat ? 0.5 + random.nextInt(3) : null,
              repeat ? 7.0 * (1 + random.nextInt(3)) : null,
              orders
            });
      }
      for (int p : distinct(random, random.nextInt(N + 1))) {
        t.add(new Object[] {id, product(p), levels[random.nextInt(levels.length)], product(0)});
      }
      for (int p : distinct(random, random.nextInt(N + 1))) {
        a.add(new Object[] {id, product(p), levels[random.nextInt(levels.length)]});
      }
    }
    groups =
        Fixtures.rows(
            "customer_id string, persona_id int, ctx_persona_id int, context string",
            g.toArray(new Object[0][]));
    inter =
        Fixtures.rows(
            "customer_id string, product_id string, f_buy_again double, f_due double,"
                + " due_ratio double, interval_days double, orders long",
            i.toArray(new Object[0][]));
    together =
        Fixtures.rows(
            "customer_id string, product_id string, f_together double, because string",
            t.toArray(new Object[0][]));
    als =
        Fixtures.rows(
            "customer_id string, product_id string, f_als double", a.toArray(new Object[0][]));
    List<Object[]> b = new ArrayList<>();
    List<Object[]> cat = new ArrayList<>();
    long[] counts = {1, 2, 5, 10};
    for (int p = 0; p < 12; p++) {
      b.add(new Object[] {"global", null, product(p), counts[random.nextInt(counts.length)]});
      for (int persona = 0; persona < 3; persona++) {
        if (random.nextInt(4) > 0) {
          b.add(
              new Object[] {
                "persona",
                String.valueOf(persona),
                product(p),
                counts[random.nextInt(counts.length)]
              });
        }
      }
      for (String context : List.of("weekday", "weekend")) {
        for (int persona = 0; persona < 2; persona++) {
          if (random.nextBoolean()) {
            b.add(
                new Object[] {
                  "context",
                  context + ":" + persona,
                  product(p),
                  counts[random.nextInt(counts.length)]
                });
          }
        }
      }
      if (p % 4 != 3) {
        cat.add(new Object[] {product(p), p % 2 == 0 ? "dairy" : "bakery"});
      }
    }
    buyers = Fixtures.rows(CandidateAssembly.BUYERS, b.toArray(new Object[0][]));
    // The popularity tables by their SQL definition: buyers over the group's best seller's.
    buyers.createOrReplaceTempView("candidate_assembly_buyers");
    org.apache.spark.sql.SparkSession spark = buyers.sparkSession();
    String share = "buyers / max(buyers) over (partition by group_key)";
    global =
        spark.sql(
            "select product_id, "
                + share
                + " as f_global from candidate_assembly_buyers where popularity = 'global'");
    byPersona =
        spark
            .sql(
                "select cast(group_key as int) as persona_id, product_id, "
                    + share
                    + " as popularity from candidate_assembly_buyers where popularity = 'persona'")
            .unionByName(
                global.select(
                    lit(Recommender.EVERYONE).as("persona_id"),
                    col("product_id"),
                    col("f_global").as("popularity")));
    ctxPop =
        spark.sql(
            "select group_key as ctx_group, product_id, "
                + share
                + " as ctx_popularity from candidate_assembly_buyers where popularity = 'context'");
    categories = Fixtures.rows("product_id string, category string", cat.toArray(new Object[0][]));
  }

  private static String product(int p) {
    return String.format("P%02d", p);
  }

  private static Set<Integer> distinct(Random random, int n) {
    Set<Integer> out = new HashSet<>();
    while (out.size() < n) {
      out.add((int) Math.floor(12 * Math.pow(random.nextDouble(), 1.5)));
    }
    return out;
  }

  private static Dataset<Row> top(Dataset<Row> table, String group, String score, int n) {
    return table
        .withColumn(
            "r",
            functions
                .row_number()
                .over(Window.partitionBy(group).orderBy(col(score).desc(), col("product_id"))))
        .filter(col("r").leq(n))
        .drop("r");
  }

  /** The candidates as the step computed them in SQL before (keys, distinct, joins). */
  private static Dataset<Row> oracle() {
    Dataset<Row> keys =
        groups
            .join(top(byPersona, "persona_id", "popularity", N), "persona_id")
            .select("customer_id", "product_id")
            .unionByName(
                groups
                    .select("customer_id")
                    .crossJoin(
                        global
                            .orderBy(col("f_global").desc(), col("product_id"))
                            .limit(N)
                            .select("product_id")))
            .unionByName(
                top(inter, "customer_id", "f_buy_again", N).select("customer_id", "product_id"))
            .unionByName(together.select("customer_id", "product_id"))
            .unionByName(als.select("customer_id", "product_id"));
    Column ctxGroup =
        functions.concat_ws(":", col("context"), col("ctx_persona_id").cast("string"));
    Dataset<Row> f =
        keys.distinct()
            .join(groups, "customer_id")
            .join(global, new String[] {"product_id"}, "left")
            .join(byPersona, new String[] {"persona_id", "product_id"}, "left")
            .withColumn("ctx_group", ctxGroup)
            .join(ctxPop, new String[] {"ctx_group", "product_id"}, "left")
            .join(
                inter.withColumn("bought", lit(true)),
                new String[] {"customer_id", "product_id"},
                "left")
            .join(together, new String[] {"customer_id", "product_id"}, "left")
            .join(als, new String[] {"customer_id", "product_id"}, "left")
            .join(categories, new String[] {"product_id"}, "left")
            .join(
                inter.groupBy("customer_id").agg(functions.max("orders").as("customer_orders")),
                new String[] {"customer_id"},
                "left");
    Column persona =
        when(col("ctx_persona_id").isNull(), coalesce(col("popularity"), lit(0.0)))
            .otherwise(
                coalesce(col("popularity"), lit(0.0))
                    .multiply(1 - BOOST)
                    .plus(coalesce(col("ctx_popularity"), lit(0.0)).multiply(BOOST)));
    return f.select(
        col("customer_id"),
        col("product_id"),
        col("persona_id"),
        coalesce(col("bought"), lit(false)).as("bought"),
        col("due_ratio"),
        col("interval_days"),
        col("category"),
        col("because"),
        coalesce(col("f_buy_again"), lit(0.0)).as("f_buy_again"),
        coalesce(col("f_due"), lit(0.0)).as("f_due"),
        coalesce(col("f_together"), lit(0.0)).as("f_together"),
        persona.as("f_persona"),
        coalesce(col("f_global"), lit(0.0)).as("f_global"),
        coalesce(col("f_als"), lit(0.0)).as("f_als"),
        coalesce(col("customer_orders"), lit(0L)).as("orders"));
  }

  @Test
  void everyCandidateAndScoreIsTheSqlDefinitions() {
    Dataset<Row> assembled =
        CandidateAssembly.assemble(groups, inter, together, als, buyers, categories, BOOST, N);
    // Collected and compared as text (a few hundred rows): two queries instead of several.
    String[] columns = SCHEMA.split(",\\s*");
    List<String> expected = asText(oracle().selectExpr(columns));
    List<String> actual = asText(assembled.selectExpr(columns));
    assertTrue(expected.size() > 200, "the fixture makes a few hundred candidates");
    assertEquals(expected, actual);
    // The fixture exercises what the maps must get right: bought, bought together, ALS, no
    // category, no persona.
    assertTrue(expected.stream().anyMatch(r -> r.contains("|true|")));
    assertTrue(expected.stream().anyMatch(r -> r.contains("|P00|")), "a together reason");
    assertTrue(
        expected.stream().anyMatch(r -> r.matches(".*\\|0\\.(1|25)\\|[0-9]+$")), "an ALS score");
    assertTrue(expected.stream().anyMatch(r -> r.endsWith("|0")), "a customer without orders");
    assertTrue(expected.stream().anyMatch(r -> r.endsWith("|9")), "the customer's orders");
    assertTrue(expected.stream().anyMatch(r -> r.contains("|null|null|null|")));
    assertTrue(expected.stream().anyMatch(r -> r.contains("|" + Recommender.EVERYONE + "|")));
  }

  /**
   * Bought together and ALS scored inside the pass (each customer's own rows and factors, the
   * neighbour index and product factors broadcast) give every candidate and score their lists gave
   * through the shuffle: the same customers' items (the cut at max-items-per-customer binds, with
   * ties in purchases and last day), the same neighbours, the same factors; for every customer and
   * for a subset of targets.
   */
  @Test
  void sourcesScoredInThePassEqualTheirListsThroughTheShuffle() {
    Random random = new Random(5);
    List<Object[]> rows = new ArrayList<>();
    java.time.LocalDate day = java.time.LocalDate.of(2026, 6, 1);
    for (int c = 0; c < 40; c++) {
      if (c % 9 == 4) {
        continue; // a group row and nothing bought
      }
      long orders = 1 + random.nextInt(9);
      for (int p : distinct(random, 1 + random.nextInt(6))) {
        long purchases = 1 + random.nextInt(2);
        rows.add(
            new Object[] {
              String.format("C%02d", c),
              product(p),
              purchases,
              java.sql.Date.valueOf(day.plusDays(random.nextInt(3))),
              0.25 * (1 + random.nextInt(3)),
              0.0,
              null,
              null,
              orders,
              (double) purchases
            });
      }
    }
    Dataset<Row> interactions =
        Fixtures.rows(
                "customer_id string, product_id string, purchases long, last_day date,"
                    + " f_buy_again double, f_due double, due_ratio double, interval_days double,"
                    + " orders long, preference double",
                rows.toArray(new Object[0][]))
            .cache();
    com.customerpath.common.config.RecommendationSettings.CandidateSettings sources =
        new com.customerpath.common.config.RecommendationSettings.CandidateSettings(
            30,
            com.customerpath.common.config.RecommendationSettings.CandidateSettings.Measure.COSINE,
            5,
            2,
            1);
    CandidateSources.AlsFit fit =
        CandidateSources.fitAls(
            interactions,
            new com.customerpath.common.config.RecommendationSettings.AlsSettings(
                4, 5, 0.05, 10.0, 42L, 7, 2));
    Dataset<Row> someTargets =
        groups.select("customer_id").filter(col("customer_id").substr(3, 1).isin("1", "3", "5"));
    List<Dataset<Row>> cached = new ArrayList<>();
    try {
      for (Dataset<Row> targets : java.util.Arrays.asList(null, someTargets)) {
        Dataset<Row> g = targets == null ? groups : groups.join(targets, "customer_id");
        Dataset<Row> own =
            targets == null ? interactions : interactions.join(targets, "customer_id");
        Dataset<Row> throughShuffle =
            CandidateAssembly.assemble(
                g,
                own,
                CandidateSources.boughtTogetherLists(interactions, sources, targets, N, cached),
                CandidateSources.alsLists(fit, N, targets),
                buyers,
                categories,
                BOOST,
                N,
                null);
        CandidateAssembly.InPass inPass =
            new CandidateAssembly.InPass(
                CandidateSources.boughtTogetherIndex(interactions, sources),
                sources.maxItemsPerCustomer(),
                CandidateSources.ProductFactors.of(fit),
                N);
        Dataset<Row> inThePass =
            CandidateAssembly.assemble(
                g,
                own,
                null,
                null,
                inPass,
                CandidateSources.customerFactors(fit, targets),
                buyers,
                categories,
                BOOST,
                N,
                null);
        String[] columns = SCHEMA.split(",\\s*");
        List<String> expected = asText(throughShuffle.selectExpr(columns));
        assertEquals(expected, asText(inThePass.selectExpr(columns)));
        assertTrue(
            throughShuffle.filter(col("f_together").gt(0)).count() > 10,
            "bought-together candidates");
        assertTrue(throughShuffle.filter(col("f_als").gt(0)).count() > 10, "ALS candidates");
      }
    } finally {
      cached.forEach(Dataset::unpersist);
      CandidateSources.release(fit);
      interactions.unpersist();
    }
  }

  private static List<String> asText(Dataset<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows.collectAsList()) {
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < r.size(); k++) {
        b.append(k == 0 ? "" : "|").append(r.get(k));
      }
      out.add(b.toString());
    }
    java.util.Collections.sort(out);
    return out;
  }

  @Test
  void withoutTogetherAndAlsTheirScoresAreZeroAndTheyAddNoCandidate() {
    List<Row> assembled =
        CandidateAssembly.assemble(groups, inter, null, null, buyers, null, 0.0, N).collectAsList();
    java.util.Map<String, Integer> perCustomer = new java.util.HashMap<>();
    for (Row r : assembled) {
      assertEquals(0.0, r.<Double>getAs("f_together"));
      assertEquals(0.0, r.<Double>getAs("f_als"));
      assertTrue(r.isNullAt(r.fieldIndex("because")));
      assertTrue(r.isNullAt(r.fieldIndex("category")));
      perCustomer.merge(r.getAs("customer_id"), 1, Integer::sum);
    }
    assertEquals(40, perCustomer.size(), "every customer gets candidates");
    // Each customer: the persona's best n and everyone's best n, plus at most n of their own.
    assertTrue(
        perCustomer.values().stream().allMatch(k -> k >= N && k <= 3 * N),
        "between n and 3n candidates: " + perCustomer);
  }

  /**
   * The pass reads each customer's run of sorted rows as one customer: the group row gives the
   * persona and context, own rows become bought candidates (orders: their largest), a source's list
   * is added as it is; a run without a group row (a customer outside the build) gives nothing, and
   * a group row alone is a customer without candidates.
   */
  @Test
  void eachRunOfRowsIsOneCustomer() {
    Row together = CandidateAssembly.candidate(CandidateAssembly.TOGETHER, "P2", 0.4, "P1");
    Row als = CandidateAssembly.candidate(CandidateAssembly.ALS, "P9", 0.7, null);
    List<Row> entries =
        List.of(
            entry("A", 1, null, null, null, "P1", 0.5, 5L, null),
            entry("A", 0, 2, 1, "weekend", null, null, null, null),
            entry("A", 2, null, null, null, null, null, null, List.of(together)),
            entry("A", 1, null, null, null, "P3", 0.1, 3L, null),
            entry("B", 2, null, null, null, null, null, null, List.of(als)),
            entry("C", 0, null, null, null, null, null, null, null));
    List<CandidateAssembly.Customer> seen = new ArrayList<>();
    List<Row> out = new ArrayList<>();
    CandidateAssembly.perCustomer(
            entries.iterator(),
            c -> {
              seen.add(c);
              return List.of(org.apache.spark.sql.RowFactory.create(c.id()));
            })
        .forEachRemaining(out::add);
    assertEquals(List.of("A", "C"), seen.stream().map(CandidateAssembly.Customer::id).toList());
    CandidateAssembly.Customer a = seen.get(0);
    assertEquals(List.of(2, 1), java.util.Arrays.asList(a.persona(), a.ctxPersona()));
    assertEquals("weekend", a.context());
    assertEquals(5L, a.orders());
    assertEquals(
        List.of("0 P1 0.5", "1 P2 0.4", "0 P3 0.1"),
        a.rows().stream().map(r -> r.getInt(0) + " " + r.getString(1) + " " + r.get(2)).toList());
    CandidateAssembly.Customer c = seen.get(1);
    assertEquals(List.of(), c.rows());
    assertEquals(0L, c.orders());
    assertEquals(null, c.persona());
    assertEquals(2, out.size());
  }

  /** An entry row as the assembly sorts them (b, c, d left null). */
  private static Row entry(
      String id,
      int kind,
      Integer persona,
      Integer ctxPersona,
      String context,
      String product,
      Double a,
      Long orders,
      List<Row> rows) {
    return org.apache.spark.sql.RowFactory.create(
        id,
        kind,
        persona,
        ctxPersona,
        context,
        product,
        a,
        null,
        null,
        null,
        orders,
        rows == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq());
  }
}
