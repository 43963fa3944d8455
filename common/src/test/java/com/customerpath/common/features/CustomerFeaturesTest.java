package com.customerpath.common.features;

import static com.customerpath.testing.Fixtures.date;
import static com.customerpath.testing.Fixtures.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.FeatureSettings;
import com.customerpath.common.config.FeatureSettings.DayPart;
import com.customerpath.common.config.TableSettings;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.testing.Fixtures;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every feature on a hand-built fixture. Run date 2026-06-30 (a Tuesday), 365-day window. Customer
 * c1: T0 2025-01-01 (outside the window, counts for tenure only); T1 Sat 2026-06-27 10:00
 * store/card: p1 2 x 10 (cat a) + p2 1 x 30 (cat b) = 50; T2 Mon 2026-06-29 (a holiday) 20:00
 * online/cash: p1 1 x 10 = 10; T3 Tue 2026-06-30 08:00 online/card: p2 -1 x 30 (a return). So:
 * frequency 2, recency 1, gross 60, returned 30, monetary 30, basket 30, items 2, returns share
 * 0.5, store 0.5 / online 0.5, card 0.5 / cash 0.5, weekend 0.5, morning 0.5 / evening 0.5,
 * category a 0.5 / b 0.5, holiday share 0.5, tenure 730 (signup 2024-06-30), age 46. Customer c2
 * has no customers row and buys in region R9, which the demographics lack.
 */
class CustomerFeaturesTest {
  static final LocalDate RUN = LocalDate.parse("2026-06-30");
  static final String TX =
      "transaction_id string, customer_id string, ts timestamp, product_id string,"
          + " quantity double, unit_price double, line_id string, channel string, payment_method string,"
          + " store_id string, region_id string";
  static Map<String, Row> byCustomer;

  static FeatureSettings settings() {
    return new FeatureSettings(
        List.of("store", "online"),
        List.of("card", "cash"),
        List.of(),
        5,
        List.of(
            new DayPart("night", 0, 6),
            new DayPart("morning", 6, 12),
            new DayPart("afternoon", 12, 18),
            new DayPart("evening", 18, 24)));
  }

  static CustomerFeatures.Inputs inputs() {
    Dataset<Row> tx =
        Fixtures.rows(
            TX,
            new Object[] {
              "T0",
              "c1",
              ts("2025-01-01 09:00:00"),
              "p1",
              1.0,
              10.0,
              "1",
              "store",
              "card",
              "S1",
              "R1"
            },
            new Object[] {
              "T1",
              "c1",
              ts("2026-06-27 10:00:00"),
              "p1",
              2.0,
              10.0,
              "1",
              "store",
              "card",
              "S1",
              "R1"
            },
            new Object[] {
              "T1",
              "c1",
              ts("2026-06-27 10:00:00"),
              "p2",
              1.0,
              30.0,
              "2",
              "store",
              "card",
              "S1",
              "R1"
            },
            new Object[] {
              "T2",
              "c1",
              ts("2026-06-29 20:00:00"),
              "p1",
              1.0,
              10.0,
              "1",
              "online",
              "cash",
              null,
              "R1"
            },
            new Object[] {
              "T3",
              "c1",
              ts("2026-06-30 08:00:00"),
              "p2",
              -1.0,
              30.0,
              "1",
              "online",
              "card",
              null,
              "R1"
            },
            new Object[] {
              "T4",
              "c2",
              ts("2026-06-20 03:00:00"),
              "p2",
              1.0,
              30.0,
              "1",
              "app",
              "points",
              null,
              "R9"
            },
            new Object[] {
              "T5",
              "c3",
              ts("2026-07-01 10:00:00"),
              "p2",
              1.0,
              30.0,
              "1",
              "app",
              "points",
              null,
              "R1"
            });
    Dataset<Row> products =
        Fixtures.rows(
            "product_id string, category string, brand string, list_price double",
            new Object[] {"p1", "a", "x", 10.0},
            new Object[] {"p2", "b", "y", 30.0});
    Dataset<Row> customers =
        Fixtures.rows(
            "customer_id string, signup_date date, birth_year int, gender string,"
                + " region_id string, household_size int",
            new Object[] {"c1", date("2024-06-30"), 1980, "f", "R1", 4});
    ExternalTable demographics =
        new ExternalTable(
            new ExternalDatasetSettings(
                "region_demographics",
                "-",
                TableSettings.Format.CSV,
                Map.of(),
                "region_id",
                "region_code",
                ExternalDatasetSettings.Level.CUSTOMER,
                List.of("population"),
                ""),
            Fixtures.rows(
                "region_code string, population long",
                new Object[] {"R1", 1000L},
                new Object[] {"R2", 5L}));
    ExternalTable holidays =
        new ExternalTable(
            new ExternalDatasetSettings(
                "holidays",
                "-",
                TableSettings.Format.CSV,
                Map.of(),
                "date",
                "date",
                ExternalDatasetSettings.Level.TRANSACTION,
                List.of("is_holiday"),
                "0"),
            Fixtures.rows("date string, is_holiday int", new Object[] {"2026-06-29", 1}));
    return new CustomerFeatures.Inputs(
        tx, Optional.of(products), Optional.of(customers), List.of(demographics, holidays));
  }

  @BeforeAll
  static void compute() {
    byCustomer = new java.util.HashMap<>();
    for (Row r :
        CustomerFeatures.compute(partitioned(inputs()), settings(), RUN, 365, FeatureContext.ALL)
            .collectAsList()) {
      byCustomer.put(r.getAs("customer_id"), r);
    }
  }

  private static double d(String customer, String column) {
    Object v = byCustomer.get(customer).getAs(column);
    return ((Number) v).doubleValue();
  }

  /**
   * c4 only returned an item in the window and c5 only bought a free one. Without whole-stage code
   * generation (Spark falls back to it past 100 columns, e.g. with many category or channel shares)
   * the aggregate's result columns are computed before the filter that drops customers without
   * purchases, so a share over zero purchases or zero spend must not fail the night under ANSI
   * division.
   */
  @Test
  void customersWithOnlyReturnsOrFreeItemsDoNotFailTheDivisions() {
    Dataset<Row> edge =
        Fixtures.rows(
            TX,
            new Object[] {
              "T6",
              "c4",
              ts("2026-06-25 10:00:00"),
              "p1",
              -1.0,
              10.0,
              "1",
              "store",
              "card",
              "S1",
              "R1"
            },
            new Object[] {
              "T7",
              "c5",
              ts("2026-06-26 10:00:00"),
              "p1",
              1.0,
              0.0,
              "1",
              "store",
              "card",
              "S1",
              "R1"
            });
    CustomerFeatures.Inputs base = inputs();
    CustomerFeatures.Inputs withEdge =
        new CustomerFeatures.Inputs(
            base.transactions().unionByName(edge),
            base.products(),
            base.customers(),
            base.external());
    org.apache.spark.sql.SparkSession spark = com.customerpath.testing.SparkTestSession.get();
    String key = "spark.sql.codegen.wholeStage";
    String before = spark.conf().get(key);
    Map<String, Row> rows = new java.util.HashMap<>();
    try {
      spark.conf().set(key, "false");
      CustomerFeatures.compute(withEdge, settings(), RUN, 365, FeatureContext.ALL)
          .collectAsList()
          .forEach(r -> rows.put(r.getAs("customer_id"), r));
    } finally {
      spark.conf().set(key, before);
    }
    assertEquals(java.util.Set.of("c1", "c2", "c5"), rows.keySet(), "c4 made no purchase");
    Row free = rows.get("c5");
    assertEquals(1L, ((Number) free.getAs("frequency")).longValue());
    assertEquals(0.0, ((Number) free.getAs("category_share_a")).doubleValue(), 1e-12);
    assertEquals(1.0, ((Number) free.getAs("channel_share_store")).doubleValue(), 1e-12);
    assertEquals(
        d("c1", "channel_share_store"),
        ((Number) rows.get("c1").getAs("channel_share_store")).doubleValue(),
        1e-12,
        "the interpreted path gives the generated path's figures");
  }

  @Test
  void oneRowPerCustomerWhoBoughtInTheWindowAndNoneFromTheFuture() {
    assertEquals(
        java.util.Set.of("c1", "c2"), byCustomer.keySet(), "c3 only bought after the run date");
  }

  @Test
  void recencyFrequencyMonetary() {
    assertEquals(1, d("c1", "recency_days"), "last purchase 2026-06-29");
    assertEquals(2, d("c1", "frequency"), "T1 and T2; T0 is outside the window, T3 only a return");
    assertEquals(60, d("c1", "gross_spend"), 1e-9);
    assertEquals(30, d("c1", "returned_value"), 1e-9);
    assertEquals(30, d("c1", "monetary"), 1e-9, "gross minus returns");
    assertEquals(10, d("c2", "recency_days"));
  }

  @Test
  void basketAndReturns() {
    assertEquals(30, d("c1", "avg_basket_value"), 1e-9);
    assertEquals(2, d("c1", "avg_basket_items"), 1e-9, "(2 + 1 + 1) items over 2 purchases");
    assertEquals(0.5, d("c1", "returns_share"), 1e-9);
    assertEquals(2, d("c1", "distinct_products"));
  }

  @Test
  void channelAndPaymentMix() {
    assertEquals(0.5, d("c1", "channel_share_store"), 1e-9);
    assertEquals(0.5, d("c1", "channel_share_online"), 1e-9);
    assertEquals(0.0, d("c1", "channel_share_other"), 1e-9);
    assertEquals(1.0, d("c2", "channel_share_other"), 1e-9, "app is not a configured channel");
    assertEquals(0.5, d("c1", "payment_share_card"), 1e-9);
    assertEquals(0.5, d("c1", "payment_share_cash"), 1e-9);
    assertEquals(1.0, d("c2", "payment_share_other"), 1e-9);
  }

  @Test
  void timeContext() {
    assertEquals(0.5, d("c1", "weekend_share"), 1e-9, "Saturday T1");
    assertEquals(0.5, d("c1", "weekday_share"), 1e-9);
    assertEquals(0.5, d("c1", "daypart_share_morning"), 1e-9);
    assertEquals(0.5, d("c1", "daypart_share_evening"), 1e-9);
    assertEquals(0.0, d("c1", "daypart_share_night"), 1e-9);
    assertEquals(1.0, d("c2", "daypart_share_night"), 1e-9, "03:00");
    assertEquals(1.0, d("c2", "weekend_share"), 1e-9, "2026-06-20 is a Saturday");
  }

  @Test
  void categoryAffinity() {
    assertEquals(0.5, d("c1", "category_share_a"), 1e-9, "(20 + 10) of 60");
    assertEquals(0.5, d("c1", "category_share_b"), 1e-9);
    assertEquals(0.0, d("c2", "category_share_a"), 1e-9);
    assertEquals(1.0, d("c2", "category_share_b"), 1e-9);
  }

  @Test
  void tenureAgeAndAttributes() {
    assertEquals(730, d("c1", "tenure_days"), "from the signup date");
    assertEquals(10, d("c2", "tenure_days"), "no customers row: from the first purchase");
    assertEquals(46, d("c1", "age"));
    assertEquals(4, d("c1", "household_size"));
    assertEquals("R9", byCustomer.get("c2").getAs("region_id"), "region from transactions");
    assertEquals(Fixtures.date("2025-01-01"), byCustomer.get("c1").getAs("first_purchase_date"));
  }

  @Test
  void externalAttributesWithKeysThatDoNotMatch() {
    assertEquals(1000L, (long) byCustomer.get("c1").<Long>getAs("region_demographics_population"));
    assertNull(
        byCustomer.get("c2").getAs("region_demographics_population"), "R9 has no demographics row");
    assertEquals(0.5, d("c1", "holidays_is_holiday_avg"), 1e-9, "T2 fell on a holiday");
    assertEquals(
        0.0, d("c2", "holidays_is_holiday_avg"), 1e-9, "missing-value 0 for ordinary days");
    List<Row> unmatched =
        ExternalJoin.unmatchedKeys(
                CustomerFeatures.compute(inputs(), settings(), RUN, 365, FeatureContext.ALL),
                "region_id",
                inputs().external().get(0))
            .collectAsList();
    assertEquals(List.of("R9"), unmatched.stream().map(r -> r.getString(0)).toList());
  }

  @Test
  void contextFeaturesSeeOnlyThatContextsActivity() {
    Map<String, Row> weekend = new java.util.HashMap<>();
    CustomerFeatures.compute(inputs(), settings(), RUN, 365, FeatureContext.WEEKEND)
        .collectAsList()
        .forEach(r -> weekend.put(r.getAs("customer_id"), r));
    assertEquals(
        1L, ((Number) weekend.get("c1").getAs("frequency")).longValue(), "only Saturday's T1");
    assertEquals(1.0, ((Number) weekend.get("c1").getAs("weekend_share")).doubleValue(), 1e-9);
    Map<String, Row> weekday = new java.util.HashMap<>();
    CustomerFeatures.compute(inputs(), settings(), RUN, 365, FeatureContext.WEEKDAY)
        .collectAsList()
        .forEach(r -> weekday.put(r.getAs("customer_id"), r));
    assertFalse(weekday.containsKey("c2"), "c2 bought only on a Saturday");
    assertTrue(weekday.containsKey("c1"));
  }

  @Test
  void lookbackWindowExcludesOlderPurchases() {
    Map<String, Row> shortWindow = new java.util.HashMap<>();
    CustomerFeatures.compute(inputs(), settings(), RUN, 2, FeatureContext.ALL)
        .collectAsList()
        .forEach(r -> shortWindow.put(r.getAs("customer_id"), r));
    assertEquals(java.util.Set.of("c1"), shortWindow.keySet(), "window 2026-06-29..30");
    assertEquals(1L, ((Number) shortWindow.get("c1").getAs("frequency")).longValue());
  }

  @Test
  void severalViewsInOnePassGiveEachViewsOwnFeatures() {
    LocalDate sunday = LocalDate.parse("2026-06-28");
    LocalDate lastYear = LocalDate.parse("2025-06-01");
    List<CustomerFeatures.View> views =
        List.of(
            new CustomerFeatures.View(RUN, FeatureContext.ALL),
            new CustomerFeatures.View(RUN, FeatureContext.WEEKEND),
            new CustomerFeatures.View(sunday, FeatureContext.ALL),
            new CustomerFeatures.View(lastYear, FeatureContext.ALL));
    CustomerFeatures.ViewFeatures together =
        CustomerFeatures.computeViews(inputs(), settings(), 365, views).persist();
    try {
      for (int i :
          new int[] {1, 3}) { // another context, another date: the same rows as computed alone
        CustomerFeatures.View v = views.get(i);
        Dataset<Row> alone =
            CustomerFeatures.compute(inputs(), settings(), v.asOf(), 365, v.context());
        Dataset<Row> mine = together.rows(i);
        assertEquals(List.of(alone.columns()), List.of(mine.columns()), "columns of " + v);
        // A handful of rows: compared on the driver (exceptAll on rows this wide costs seconds
        // of planning and code generation per call).
        assertEquals(sortedText(alone), sortedText(mine), "rows of " + v);
      }
      // As of Sunday 2026-06-28: only T1 (Saturday) is in c1's window; c2's T4 too.
      Map<String, Row> sundayRows = new java.util.HashMap<>();
      together
          .rows(sunday, FeatureContext.ALL)
          .collectAsList()
          .forEach(r -> sundayRows.put(r.getAs("customer_id"), r));
      assertEquals(java.util.Set.of("c1", "c2"), sundayRows.keySet());
      assertEquals(1L, ((Number) sundayRows.get("c1").getAs("frequency")).longValue());
      assertEquals(
          1,
          ((Number) sundayRows.get("c1").getAs("recency_days")).intValue(),
          "T1 on the Saturday before");
      // As of 2025-06-01: only T0; age and tenure as of that date.
      List<Row> lastYearRows = together.rows(lastYear, FeatureContext.ALL).collectAsList();
      assertEquals(1, lastYearRows.size());
      Row c1 = lastYearRows.get(0);
      assertEquals(151, ((Number) c1.getAs("recency_days")).intValue(), "2025-01-01 to 2025-06-01");
      assertEquals(336, ((Number) c1.getAs("tenure_days")).intValue(), "signup 2024-06-30");
      assertEquals(45, ((Number) c1.getAs("age")).intValue());
      assertEquals(
          1.0, ((Number) c1.getAs("category_share_a")).doubleValue(), 1e-9, "T0 bought p1 only");
    } finally {
      together.unpersist();
    }
  }

  /**
   * A caller that reads a few columns (the journey's propensity model) gets the same values for
   * them from a narrower query: without category shares and with only those columns kept, the
   * category ranking, the share and distinct-product aggregations and their joins are gone.
   */
  @Test
  void aFewColumnsGiveTheSameValuesFromANarrowerQuery() {
    List<CustomerFeatures.View> views =
        List.of(
            new CustomerFeatures.View(RUN, FeatureContext.ALL),
            new CustomerFeatures.View(LocalDate.parse("2026-06-28"), FeatureContext.ALL));
    List<String> columns = List.of("frequency", "monetary", "recency_days", "tenure_days", "age");
    CustomerFeatures.ViewFeatures full =
        CustomerFeatures.computeViews(inputs(), settings(), 365, views);
    CustomerFeatures.ViewFeatures narrow =
        CustomerFeatures.computeViews(inputs(), settings().withoutCategoryShares(), 365, views)
            .select(columns);
    List<String> expected = new java.util.ArrayList<>(List.of("customer_id"));
    expected.addAll(columns);
    for (int i = 0; i < views.size(); i++) {
      Dataset<Row> mine = narrow.rows(i);
      assertEquals(expected, List.of(mine.columns()), "columns of " + views.get(i));
      assertEquals(
          sortedText(full.rows(i).selectExpr(expected.toArray(String[]::new))),
          sortedText(mine),
          "rows of " + views.get(i));
    }
    assertTrue(
        exchanges(narrow.all()) < exchanges(full.all()),
        "fewer shuffles: " + exchanges(narrow.all()) + " against " + exchanges(full.all()));
    assertFalse(
        narrow.all().queryExecution().optimizedPlan().toString().contains("category"),
        "no category column is computed");

    // One share among the columns: each view gives that share alone, as the full computation.
    List<String> withShare = List.of("frequency", "category_share_a");
    CustomerFeatures.ViewFeatures oneShare =
        CustomerFeatures.computeViews(inputs(), settings(), 365, views).select(withShare);
    for (int i = 0; i < views.size(); i++) {
      assertEquals(
          sortedText(full.rows(i).selectExpr("customer_id", "frequency", "category_share_a")),
          sortedText(oneShare.rows(i)),
          "rows of " + views.get(i));
    }
  }

  private static long exchanges(Dataset<Row> rows) {
    return shuffles(rows).size();
  }

  /** The inputs with the facts partitioned by customer, as a run keeps them. */
  static CustomerFeatures.Inputs partitioned(CustomerFeatures.Inputs in) {
    return new CustomerFeatures.Inputs(
        com.customerpath.common.io.CuratedTables.byCustomer(in.transactions()),
        in.products(),
        in.customers(),
        in.external());
  }

  /**
   * On facts partitioned by customer (as a run keeps them) every per-customer aggregation and join
   * of the three contexts reuses that partitioning: no exchange on the customer is left in the
   * plan, where the same query on unpartitioned facts has several. (The known answers of the tests
   * above are computed on partitioned facts; the other tests compute on unpartitioned ones.)
   */
  @Test
  void onFactsPartitionedByCustomerNoAggregationOrJoinShufflesThemAgain() {
    List<CustomerFeatures.View> views =
        List.of(
            new CustomerFeatures.View(RUN, FeatureContext.ALL),
            new CustomerFeatures.View(RUN, FeatureContext.WEEKDAY),
            new CustomerFeatures.View(RUN, FeatureContext.WEEKEND));
    Dataset<Row> before = CustomerFeatures.computeViews(inputs(), settings(), 365, views).all();
    Dataset<Row> after =
        CustomerFeatures.computeViews(partitioned(inputs()), settings(), 365, views).all();
    assertTrue(
        shufflesByCustomer(before) >= 3, "unpartitioned facts: each aggregation shuffles them");
    assertEquals(0, shufflesByCustomer(after), "partitioned facts: none");
  }

  /** Exchanges that hash-partition by the customer, besides the one that partitions the facts. */
  private static long shufflesByCustomer(Dataset<Row> rows) {
    return shuffles(rows).stream()
        .filter(
            e ->
                e.shuffleOrigin()
                        == org.apache.spark.sql.execution.exchange.ENSURE_REQUIREMENTS$.MODULE$
                    && e.outputPartitioning().toString().contains("customer_id"))
        .count();
  }

  /** The shuffles of the query's plan (before adaptive execution changes it). */
  private static List<org.apache.spark.sql.execution.exchange.ShuffleExchangeExec> shuffles(
      Dataset<Row> rows) {
    org.apache.spark.sql.execution.SparkPlan plan = rows.queryExecution().executedPlan();
    if (plan instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec adaptive) {
      plan = adaptive.initialPlan();
    }
    return scala.jdk.javaapi.CollectionConverters.asJava(
        plan.collect(
            new scala.runtime.AbstractPartialFunction<
                org.apache.spark.sql.execution.SparkPlan,
                org.apache.spark.sql.execution.exchange.ShuffleExchangeExec>() {
              @Override
              public boolean isDefinedAt(org.apache.spark.sql.execution.SparkPlan p) {
                return p instanceof org.apache.spark.sql.execution.exchange.ShuffleExchangeExec;
              }

              @Override
              public org.apache.spark.sql.execution.exchange.ShuffleExchangeExec apply(
                  org.apache.spark.sql.execution.SparkPlan p) {
                return (org.apache.spark.sql.execution.exchange.ShuffleExchangeExec) p;
              }
            }));
  }

  private static List<String> sortedText(Dataset<Row> rows) {
    return rows.collectAsList().stream().map(Row::toString).sorted().toList();
  }
}
