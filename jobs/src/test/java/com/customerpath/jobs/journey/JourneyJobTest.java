package com.customerpath.jobs.journey;

import static com.customerpath.testing.Fixtures.date;
import static com.customerpath.testing.Fixtures.rows;
import static com.customerpath.testing.Fixtures.ts;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.JourneySettings;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.testing.SparkTestSession;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Stage rules, window, out-of-order entry, transitions with conservation, funnel and Kaplan-Meier.
 */
class JourneyJobTest {
  static final LocalDate RUN = LocalDate.parse("2026-06-30");
  static final String EVENTS =
      "customer_id STRING, ts TIMESTAMP, event_type STRING, product_id STRING, "
          + "channel STRING, rating INT, session_id STRING";
  static final String TX =
      "transaction_id STRING, customer_id STRING, ts TIMESTAMP, quantity DOUBLE, unit_price DOUBLE";

  static JourneySettings journey(Map<String, String> extra) {
    Map<String, String> set =
        new HashMap<>(Map.of("customerpath.inputs.transactions.path", "tx.csv"));
    set.putAll(extra);
    return PipelineSettings.from(ConfigLoader.load(null, set)).journey();
  }

  static Object[] ev(String customer, String when, String type, Integer rating) {
    return new Object[] {customer, ts(when), type, null, "app", rating, "s"};
  }

  static Object[] tx(String id, String customer, String when, double qty) {
    return new Object[] {id, customer, ts(when), qty, 10.0};
  }

  static Dataset<Row> events() {
    return rows(
        EVENTS,
        ev("a", "2026-06-01 10:00:00", "ad_impression", null),
        ev("a", "2026-06-05 10:00:00", "product_view", null),
        ev("b", "2026-06-10 09:00:00", "search", null), // ask without aware or appeal
        ev("c", "2025-06-30 23:59:59", "review", 5), // one day before the window: ignored
        ev("c", "2026-06-20 08:00:00", "ad_impression", null),
        ev("d", "2025-07-01 00:00:00", "product_view", null), // first second of the window: counts
        ev("d", "2026-06-29 12:00:00", "review", 2), // a complaint, not advocacy
        ev("d", "2026-06-29 13:00:00", "review", 4)); // advocacy
  }

  static Dataset<Row> transactions() {
    return rows(
        TX,
        tx("t1", "e", "2026-06-01 10:00:00", 2),
        tx("t2", "e", "2026-06-11 10:00:00", 1), // repeat within 60 days: advocate
        tx("t3", "f", "2026-06-15 10:00:00", 1),
        tx("t4", "f", "2026-06-16 10:00:00", -1), // a return is not a purchase
        tx("t5", "g", "2026-06-20 10:00:00", -1)); // a return only: no stage
  }

  static Map<String, Row> byCustomer(Dataset<Row> ds) {
    return ds.collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("customer_id"), r -> r));
  }

  @Test
  void stagesFromRulesWindowAndOutOfOrderEntry() {
    JourneySettings s = journey(Map.of());
    Dataset<Row> evidence =
        JourneyStages.evidence(Optional.of(events()), transactions(), s.rules(), RUN);
    Dataset<Row> stages =
        JourneyJob.stages(
            JourneyStages.stagesAt(evidence, RUN, s.windowDays()),
            JourneyStages.complaints(Optional.of(events()), s.complaint()),
            rows("customer_id STRING, persona_id INT", new Object[] {"e", 3}),
            JourneyMetrics.noPrevious(SparkTestSession.get()),
            RUN,
            s.windowDays(),
            "aware,appeal,ask,act,advocate");
    Map<String, Row> got = byCustomer(stages);
    assertEquals(List.of("a", "b", "c", "d", "e", "f"), got.keySet().stream().sorted().toList());
    assertEquals("appeal", got.get("a").getAs("stage"));
    assertEquals(date("2026-06-05"), got.get("a").getAs("stage_since"));
    assertEquals(25, got.get("a").<Integer>getAs("days_in_stage"));
    assertEquals("ask", got.get("b").getAs("stage"), "an ask without aware is ask");
    assertNull(got.get("b").getAs("first_aware"));
    assertEquals(
        "aware", got.get("c").getAs("stage"), "the 5-star review before the window does not count");
    assertEquals("advocate", got.get("d").getAs("stage"));
    assertEquals(
        date("2025-07-01"), got.get("d").getAs("first_appeal"), "the window's first day counts");
    assertEquals(1L, got.get("d").<Long>getAs("complaints"));
    assertTrue(got.get("d").<Boolean>getAs("complaint"));
    assertEquals("advocate", got.get("e").getAs("stage"), "repeat purchase within 60 days");
    assertEquals(date("2026-06-11"), got.get("e").getAs("stage_since"));
    assertEquals(date("2026-06-01"), got.get("e").getAs("first_act"));
    assertEquals(3, got.get("e").<Integer>getAs("persona_id"));
    assertEquals(
        "act", got.get("f").getAs("stage"), "a return after one order is no repeat purchase");
    assertNull(got.get("a").getAs("previous_stage"), "first run: no previous stage");
  }

  @Test
  void transactionsOnlyObservesActAndAdvocate() {
    JourneySettings s = journey(Map.of());
    assertEquals("act,advocate", JourneyStages.observableStages(s.rules(), false));
    assertEquals("aware,appeal,ask,act,advocate", JourneyStages.observableStages(s.rules(), true));
    Dataset<Row> evidence =
        JourneyStages.evidence(Optional.empty(), transactions(), s.rules(), RUN);
    Dataset<Row> stages =
        JourneyStages.stagesAt(evidence, RUN, s.windowDays())
            .withColumn("persona_id", org.apache.spark.sql.functions.lit(null).cast("int"));
    assertEquals(
        Map.of("e", "advocate", "f", "act"),
        byCustomer(stages).entrySet().stream()
            .collect(
                Collectors.toMap(Map.Entry::getKey, e -> e.getValue().<String>getAs("stage"))));
    Map<String, Row> funnel =
        JourneyMetrics.funnel(stages, RUN, "act,advocate").collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getAs("stage"), r -> r));
    assertNull(funnel.get("aware").getAs("customers_reached"), "unobservable: null, not 0");
    assertNull(funnel.get("ask").getAs("conversion_to_next"));
    assertEquals(2L, funnel.get("act").<Long>getAs("customers_reached"));
    assertEquals(0.5, funnel.get("act").<Double>getAs("conversion_to_next"), 1e-9);
    assertNull(
        funnel.get("act").getAs("purchase_action_ratio"), "needs aware, which is not observable");
    assertEquals("act,advocate", funnel.get("act").getAs("observable_stages"));
  }

  @Test
  void conditionOnUnknownColumnNamesTheRuleKey() {
    JourneySettings s =
        journey(
            Map.of("customerpath.journey.rules.advocate-positive-review.condition", "stars >= 4"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JourneyStages.evidence(Optional.of(events()), transactions(), s.rules(), RUN));
    assertTrue(
        e.getMessage().contains("customerpath.journey.rules.advocate-positive-review"),
        e.getMessage());
    assertTrue(e.getMessage().contains("stars >= 4"), e.getMessage());
  }

  @Test
  void configErrorsNameTheKey() {
    ConfigError stage =
        assertThrows(
            ConfigError.class,
            () -> journey(Map.of("customerpath.journey.rules.aware-touch.stage", "awake")));
    assertTrue(
        stage.getMessage().contains("'customerpath.journey.rules.aware-touch.stage'"),
        stage.getMessage());
    ConfigError cond =
        assertThrows(
            ConfigError.class,
            () -> journey(Map.of("customerpath.journey.rules.aware-touch.condition", "rating >=")));
    assertTrue(
        cond.getMessage().contains("'customerpath.journey.rules.aware-touch.condition'"),
        cond.getMessage());
    ConfigError window =
        assertThrows(
            ConfigError.class, () -> journey(Map.of("customerpath.journey.window-days", "0")));
    assertTrue(
        window.getMessage().contains("'customerpath.journey.window-days'"), window.getMessage());
    assertTrue(
        journey(Map.of("customerpath.journey.rules.advocate-repeat-purchase.enabled", "false"))
            .rules()
            .stream()
            .noneMatch(r -> r.name().equals("advocate-repeat-purchase")),
        "enabled = false drops a rule");
  }

  static final String STAGE_ROWS = "customer_id STRING, stage STRING, persona_id INT";

  @Test
  void transitionsConserveEveryPreviousCustomer() {
    Dataset<Row> previous =
        rows(
            STAGE_ROWS,
            new Object[] {"p1", "aware", null},
            new Object[] {"p2", "ask", null},
            new Object[] {"p3", "act", 1},
            new Object[] {"p5", "act", 1});
    Dataset<Row> current =
        rows(
            STAGE_ROWS,
            new Object[] {"p1", "appeal", null},
            new Object[] {"p2", "ask", null},
            new Object[] {"p4", "aware", null},
            new Object[] {"p5", "advocate", 1});
    Map<String, Row> all =
        JourneyMetrics.transitions(previous, current).collectAsList().stream()
            .filter(r -> r.getAs("persona_id").equals("all"))
            .collect(
                Collectors.toMap(r -> r.getAs("from_stage") + ">" + r.getAs("to_stage"), r -> r));
    assertEquals(
        List.of("act>advocate", "act>lapsed", "ask>ask", "aware>appeal", "new>aware"),
        all.keySet().stream().sorted().toList());
    assertEquals(0.5, all.get("act>lapsed").<Double>getAs("probability"), 1e-9);
    long fromPrevious =
        all.values().stream()
            .filter(r -> !r.getAs("from_stage").equals("new"))
            .mapToLong(r -> r.getAs("customers"))
            .sum();
    long toCurrent =
        all.values().stream()
            .filter(r -> !r.getAs("to_stage").equals("lapsed"))
            .mapToLong(r -> r.getAs("customers"))
            .sum();
    assertEquals(
        previous.count(), fromPrevious, "every previous customer is in exactly one transition");
    assertEquals(current.count(), toCurrent, "every current customer is in exactly one transition");
    List<Row> persona1 =
        JourneyMetrics.transitions(previous, current)
            .filter("persona_id = '1'")
            .orderBy("to_stage")
            .collectAsList();
    assertEquals(2, persona1.size(), "the lapsed customer keeps the previous run's persona");
    assertEquals("advocate", persona1.get(0).getAs("to_stage"));
    assertEquals("lapsed", persona1.get(1).getAs("to_stage"));
  }

  @Test
  void firstRunEveryoneIsNew() {
    Dataset<Row> current =
        rows(STAGE_ROWS, new Object[] {"p1", "appeal", null}, new Object[] {"p2", "ask", 2});
    List<Row> t =
        JourneyMetrics.transitions(JourneyMetrics.noPrevious(SparkTestSession.get()), current)
            .filter("persona_id = 'all'")
            .collectAsList();
    assertEquals(2, t.size());
    assertTrue(t.stream().allMatch(r -> r.getAs("from_stage").equals("new")));
    assertEquals(2L, t.stream().mapToLong(r -> r.<Long>getAs("customers")).sum());
  }

  static final String FIRSTS =
      "customer_id STRING, persona_id INT, first_aware DATE, first_appeal DATE, "
          + "first_ask DATE, first_act DATE, first_advocate DATE";

  @Test
  void funnelRatiosAndCensoredTimeToNext() {
    Dataset<Row> stages =
        rows(
            FIRSTS,
            new Object[] {
              "c1",
              1,
              date("2026-06-01"),
              date("2026-06-03"),
              date("2026-06-04"),
              date("2026-06-10"),
              null
            },
            new Object[] {"c2", 1, date("2026-06-01"), date("2026-06-11"), null, null, null},
            new Object[] {"c3", null, date("2026-06-20"), null, null, null, null},
            new Object[] {"c4", null, date("2026-06-25"), null, null, null, null});
    Map<String, Row> all = new HashMap<>();
    Map<String, Row> p1 = new HashMap<>();
    for (Row r :
        JourneyMetrics.funnel(stages, RUN, "aware,appeal,ask,act,advocate").collectAsList()) {
      (r.getAs("persona_id").equals("all") ? all : p1).put(r.getAs("stage"), r);
    }
    assertEquals(4L, all.get("aware").<Long>getAs("customers_reached"));
    assertEquals(0.5, all.get("aware").<Double>getAs("conversion_to_next"), 1e-9);
    assertEquals(0.5, all.get("appeal").<Double>getAs("conversion_to_next"), 1e-9);
    assertEquals(1.0, all.get("ask").<Double>getAs("conversion_to_next"), 1e-9);
    assertEquals(0.0, all.get("act").<Double>getAs("conversion_to_next"), 1e-9);
    assertEquals(0L, all.get("advocate").<Long>getAs("customers_reached"));
    assertNull(all.get("advocate").getAs("conversion_to_next"), "no stage after advocate");
    assertEquals(0.25, all.get("aware").<Double>getAs("purchase_action_ratio"), 1e-9);
    assertEquals(0.0, all.get("advocate").<Double>getAs("brand_advocacy_ratio"), 1e-9);
    // aware -> appeal: c1 moved after 2 days, c2 after 10; c3 censored at 10 days (06-20 .. 06-30),
    // c4 at 5. KM: S(2) = 3/4; at 10 two are at risk, one moves: S(10) = 3/4 * 1/2 = 3/8 <= 1/2,
    // so the median is 10 (dropping the censored would give 2 or 6); S never reaches 0.1: p90 null.
    assertEquals(10, all.get("aware").<Integer>getAs("median_days_to_next"));
    assertNull(all.get("aware").getAs("p90_days_to_next"));
    assertEquals(2L, p1.get("aware").<Long>getAs("customers_reached"));
    assertEquals(1.0, p1.get("aware").<Double>getAs("conversion_to_next"), 1e-9);
    assertEquals(
        10, p1.get("aware").<Integer>getAs("p90_days_to_next"), "both moved: 2 and 10 days");
  }

  @Test
  void kaplanMeierMedianWithCensoring() {
    // times 1 (event), 2 (censored), 3 (2 events), 4 (censored), 5 (event)
    KaplanMeier km =
        new KaplanMeier().add(1, 1, 0).add(2, 0, 1).add(3, 2, 0).add(4, 0, 1).add(5, 1, 0);
    // S(1) = 5/6; at 3: 4 at risk, 2 events: S(3) = 5/6 * 2/4 = 0.4167 -> median 3
    assertEquals(3, km.quantile(0.5));
    // at 5: 1 at risk, 1 event: S(5) = 0 -> p90 5
    assertEquals(5, km.quantile(0.9));
    assertNull(new KaplanMeier().add(4, 0, 3).quantile(0.5), "all censored: no median");
  }

  @Test
  void propensityLabelsAndExcludesAdvocates() {
    JourneySettings s = journey(Map.of());
    Dataset<Row> evidence =
        JourneyStages.evidence(Optional.of(events()), transactions(), s.rules(), RUN);
    LocalDate snapshot = LocalDate.parse("2026-06-02");
    Dataset<Row> features = rows("customer_id STRING, frequency DOUBLE", new Object[] {"e", 1.0});
    Map<String, Row> labelled =
        byCustomer(
            JourneyPropensity.snapshotRows(
                evidence,
                List.of(snapshot),
                s.windowDays(),
                30,
                d -> features,
                List.of("frequency"),
                rows("customer_id STRING, persona_id INT", new Object[] {"e", 0})));
    // at 06-02: a aware (appeal on 06-05: moves), d appeal since 2025-07-01 (advocate 06-29:
    // moves),
    // e act (repeat purchase 06-11 = advocate: moves)
    assertEquals(List.of("a", "d", "e"), labelled.keySet().stream().sorted().toList());
    assertEquals(1.0, labelled.get("a").<Double>getAs("label"));
    assertEquals(1.0, labelled.get("e").<Double>getAs("label"));
    assertEquals(1.0, labelled.get("e").<Double>getAs("cf_frequency"));
    assertEquals(0.0, labelled.get("a").<Double>getAs("cf_frequency"), "prospects are null-filled");
    assertEquals(1.0, labelled.get("a").<Double>getAs("n30_aware"));
    Map<String, Row> late =
        byCustomer(
            JourneyPropensity.snapshotRows(
                evidence,
                List.of(RUN),
                s.windowDays(),
                30,
                d -> features,
                List.of("frequency"),
                rows("customer_id STRING, persona_id INT")));
    assertTrue(!late.containsKey("d") && !late.containsKey("e"), "advocates are not scored");
    assertEquals(0.0, late.get("a").<Double>getAs("label"));
  }

  /**
   * The aggregates' windows are whole days ending on the as-of date: the stage window (windowDays),
   * the 30- and 90-day counts and the label's horizon after it, each bound checked a second inside
   * and a second outside. The same at one date alone and among several.
   */
  @Test
  void snapshotAggregatesCountWholeDaysEndingOnTheAsOfDate() {
    Dataset<Row> evidence =
        rows(
            "customer_id STRING, ts TIMESTAMP, stage_rank INT",
            new Object[] {"x", ts("2026-06-30 23:59:59"), 0}, // the as-of day's last second
            new Object[] {"x", ts("2026-06-01 00:00:00"), 0}, // the 30 days' first second
            new Object[] {"x", ts("2026-05-31 23:59:59"), 0}, // before the 30 days: 90 only
            new Object[] {"x", ts("2026-04-02 00:00:00"), 2}, // the 90 days' first second
            new Object[] {"x", ts("2026-04-01 23:59:59"), 1}, // before the 90 days
            new Object[] {"x", ts("2025-07-01 00:00:00"), 1}, // the 365-day window's first day
            new Object[] {"x", ts("2025-06-30 23:59:59"), 3}, // before the window: no act
            new Object[] {"x", ts("2026-07-01 00:00:00"), 1}, // after the as-of date: the label's
            new Object[] {"x", ts("2026-07-30 23:59:59"), 3}, // the horizon's last second
            new Object[] {"x", ts("2026-07-31 00:00:00"), 4}); // after the horizon
    LocalDate asOf = LocalDate.parse("2026-06-30");
    for (List<LocalDate> dates : List.of(List.of(asOf), List.of(asOf.minusDays(45), asOf))) {
      Row x =
          JourneyPropensity.snapshotAggregates(evidence, dates, 365, 30)
              .filter(col("snapshot").equalTo(date("2026-06-30")))
              .first();
      String at = dates.size() + " date(s): ";
      assertEquals(2, x.<Integer>getAs("stage_rank"), at + "ask, in the window; act before it");
      assertEquals(date("2026-05-31"), x.getAs("first_aware"), at + "first aware");
      assertEquals(date("2025-07-01"), x.getAs("first_appeal"), at + "the window's first day");
      assertEquals(date("2026-04-02"), x.getAs("first_ask"), at + "first ask");
      assertNull(x.getAs("first_act"), at + "act before the window");
      assertEquals(2.0, x.<Double>getAs("n30_aware"), at + "aware in the last 30 days");
      assertEquals(3.0, x.<Double>getAs("n90_aware"), at + "aware in the last 90 days");
      assertEquals(1.0, x.<Double>getAs("n90_ask"), at + "ask on the 90 days' first day");
      assertEquals(0.0, x.<Double>getAs("n90_appeal"), at + "appeal before the 90 days");
      assertEquals(3, x.<Integer>getAs("later_rank"), at + "act within the horizon, not advocate");
    }
  }

  /** The snapshots of a training run come from one pass: the same rows as each date alone. */
  @Test
  void snapshotRowsOfSeveralDatesEqualEachDateAlone() {
    JourneySettings s = journey(Map.of());
    Dataset<Row> evidence =
        JourneyStages.evidence(Optional.of(events()), transactions(), s.rules(), RUN);
    Dataset<Row> personas = rows("customer_id STRING, persona_id INT", new Object[] {"e", 0});
    List<LocalDate> dates =
        List.of(LocalDate.parse("2026-06-02"), LocalDate.parse("2026-06-10"), RUN);
    java.util.function.Function<LocalDate, Dataset<Row>> featuresAt =
        d ->
            rows(
                "customer_id STRING, frequency DOUBLE",
                new Object[] {"e", (double) d.getDayOfMonth()});
    Dataset<Row> together =
        JourneyPropensity.snapshotRows(
            evidence, dates, s.windowDays(), 30, featuresAt, List.of("frequency"), personas);
    Dataset<Row> alone = null;
    for (LocalDate d : dates) {
      Dataset<Row> one =
          JourneyPropensity.snapshotRows(
              evidence, List.of(d), s.windowDays(), 30, featuresAt, List.of("frequency"), personas);
      alone = alone == null ? one : alone.unionByName(one);
    }
    assertTrue(together.count() >= 6, "rows at three dates: " + together.count());
    assertEquals(alone.count(), together.count());
    assertEquals(0, together.exceptAll(alone).count(), "the same rows");
    List<Row> e = together.filter(col("customer_id").equalTo("e")).collectAsList();
    assertEquals(2, e.size(), "e below advocate at two of the dates");
    for (Row r : e) {
      assertEquals(
          (double) r.<java.sql.Date>getAs(JourneyPropensity.SNAPSHOT).toLocalDate().getDayOfMonth(),
          r.<Double>getAs("cf_frequency"),
          "each date joins its own features");
    }
  }

  /**
   * The rules block for the Olist example (orders = act, review >= 4 = advocate, <= 2 = complaint).
   */
  static final Map<String, String> OLIST =
      Map.of(
          "customerpath.journey.window-days", "800",
          "customerpath.journey.rules.aware-touch.enabled", "false",
          "customerpath.journey.rules.appeal-interest.enabled", "false",
          "customerpath.journey.rules.ask-research.enabled", "false",
          "customerpath.journey.rules.advocate-share.enabled", "false",
          "customerpath.journey.rules.advocate-repeat-purchase.enabled", "false");

  @Test
  void olistMappingOrdersActReviewsAdvocateOrComplain() {
    JourneySettings s = journey(OLIST);
    assertEquals("act,advocate", JourneyStages.observableStages(s.rules(), true));
    LocalDate run = LocalDate.parse("2018-10-17");
    Dataset<Row> events =
        rows(
            EVENTS,
            ev("u1", "2017-03-01 10:00:00", "purchase", null),
            ev("u1", "2017-03-12 00:00:00", "review", 5),
            ev("u2", "2018-01-01 10:00:00", "purchase", null),
            ev("u2", "2018-01-15 00:00:00", "review", 1),
            ev("u3", "2018-09-01 10:00:00", "purchase", null),
            ev("u3", "2018-09-10 00:00:00", "review", 3));
    Dataset<Row> tx =
        rows(
            TX,
            tx("o1", "u1", "2017-03-01 10:00:00", 1),
            tx("o2", "u2", "2018-01-01 10:00:00", 1),
            tx("o3", "u3", "2018-09-01 10:00:00", 1),
            tx("o4", "u3", "2018-09-20 10:00:00", 1));
    Dataset<Row> evidence = JourneyStages.evidence(Optional.of(events), tx, s.rules(), run);
    Map<String, Row> got =
        byCustomer(
            JourneyJob.stages(
                JourneyStages.stagesAt(evidence, run, s.windowDays()),
                JourneyStages.complaints(Optional.of(events), s.complaint()),
                rows("customer_id STRING, persona_id INT"),
                JourneyMetrics.noPrevious(SparkTestSession.get()),
                run,
                s.windowDays(),
                "act,advocate"));
    assertEquals("advocate", got.get("u1").getAs("stage"));
    assertEquals("act", got.get("u2").getAs("stage"));
    assertTrue(got.get("u2").<Boolean>getAs("complaint"));
    assertEquals(
        "act", got.get("u3").getAs("stage"), "a 3-star review is neither; repeat purchase is off");
    assertEquals(0L, got.get("u3").<Long>getAs("complaints"));
  }

  @Test
  void evidenceInLookBackKeepsTheWindowsRowsNumberedOverTheWholeHistory() {
    JourneySettings s = journey(Map.of());
    // Look-back of 30 days ending 2026-06-30: from 2026-06-01. h bought on 2026-04-20 and again on
    // 2026-06-10 (51 days later: a repeat within 60 days, advocate), k only on 2026-05-31.
    Dataset<Row> tx =
        rows(
            TX,
            tx("h1", "h", "2026-04-20 10:00:00", 1),
            tx("h2", "h", "2026-06-10 10:00:00", 1),
            tx("k1", "k", "2026-05-31 23:59:59", 1));
    Map<String, Long> byStage =
        JourneyStages.evidenceInLookBack(Optional.empty(), tx, s.rules(), RUN, 30)
            .collectAsList()
            .stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.getAs("customer_id") + ":" + r.getAs("stage"), Collectors.counting()));
    // h's April order is outside (no row of it), its June order is a purchase and a repeat; k's
    // order is one second before the look-back: nothing of k.
    assertEquals(Map.of("h:act", 1L, "h:advocate", 1L), byStage);
  }
}
