package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.FeatureSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.features.CustomerFeatures.View;
import com.customerpath.common.features.FeatureContext;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.features.FeatureStateStoreTest;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.journey.JourneyJob;
import com.customerpath.jobs.journey.JourneyPropensity;
import com.customerpath.jobs.journey.JourneyStages;
import com.customerpath.jobs.runtime.JobContext;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * With a look-back shorter than the history (the sample's year of lines, a 120-day window), a night
 * keeps the window's lines only and reads the columns it needs of the lines before it: the
 * features' first purchase and usual region, the journey's order numbers and the next-best action's
 * buyers are those of the whole history.
 */
class HistoryLongerThanTheWindowTest {
  private static final LocalDate NIGHT = SampleRun.DATE;
  private static final LocalDate EVE = NIGHT.minusDays(1);
  private static final int LOOKBACK = 120;

  /**
   * The shared sample night's output, read with a 120-day look-back and the repeat-purchase rule on
   * (conf/local.conf turns it off), so that the orders' numbering shows in the evidence.
   */
  private static JobContext context() {
    return SampleRun.context(
        Path.of(SampleRun.get().context.tables().root()),
        Map.of(
            "customerpath.run.lookback-days",
            String.valueOf(LOOKBACK),
            "customerpath.journey.rules.advocate-repeat-purchase.enabled",
            "true"));
  }

  /**
   * Extended phase (two feature aggregations of the sample, about 30 s): the default run keeps the
   * journey's cheaper comparison below.
   */
  @Test
  @Tag("extended")
  void theWindowsLinesAndTheLinesBeforeItGiveTheFeaturesOfTheWholeHistory() {
    JobContext ctx = context();
    FeatureSettings settings = ctx.settings().features();
    LocalDate windowStart = NIGHT.minusDays(LOOKBACK - 1L);

    CustomerFeatures.Inputs split = FeaturesJob.inputs(ctx);
    assertTrue(split.earlier().isPresent(), "the sample's history is longer than 120 days");
    Dataset<Row> whole = CuratedTables.read(ctx.tables(), "transactions", NIGHT);
    Dataset<Row> before = CuratedTables.readBefore(ctx.tables(), "transactions", windowStart);
    long recent = split.transactions().count();
    assertEquals(whole.count(), recent + before.count(), "every line once, window or before");
    assertEquals(
        0,
        split.transactions().filter(functions.to_date(functions.col("ts")).lt(windowStart)).count(),
        "no line before the window is kept");
    // The next-best action's buyers (a customer who ever bought is no prospect).
    Dataset<Row> channels =
        CuratedTables.readHistory(
            ctx.tables(), "transactions", NIGHT, LOOKBACK, "customer_id", "channel");
    assertEquals(0, whole.select("customer_id", "channel").exceptAll(channels).count());
    assertEquals(whole.count(), channels.count(), "a few columns of the whole history");
    assertTrue(
        whole.select("customer_id").distinct().count()
            > split.transactions().select("customer_id").distinct().count(),
        "some customers bought before the window only");

    CustomerFeatures.Inputs all = wholeHistory(ctx, split);
    List<View> night = List.of(new View(NIGHT, FeatureContext.ALL));
    Map<String, List<Object>> expected = rows(window(all, settings, night).rows());
    Map<String, List<Object>> actual = rows(window(split, settings, night).rows());
    FeatureStateStoreTest.assertSameRows(expected, actual);
    // Not a vacuous comparison: from the window's lines alone no first purchase is before it.
    long earlyBuyers =
        actual.values().stream()
            .filter(
                values ->
                    values.stream()
                        .map(String::valueOf)
                        .anyMatch(
                            v ->
                                v.startsWith("first_purchase_date=")
                                    && v.compareTo("first_purchase_date=" + windowStart) < 0))
            .count();
    assertTrue(earlyBuyers > 100, earlyBuyers + " customers first bought before the window");
  }

  /**
   * Carried over from the eve (aggregated from the whole history), the night's rows are those of
   * the whole history again: the customers whose lines changed are aggregated from the window's
   * lines and the earlier ones. Extended phase: two more feature aggregations of the sample.
   */
  @Test
  @Tag("extended")
  void featuresCarriedOverFromTheEveAreThoseOfTheWholeHistory() {
    JobContext ctx = context();
    FeatureSettings settings = ctx.settings().features();
    CustomerFeatures.Inputs split = FeaturesJob.inputs(ctx);
    CustomerFeatures.Inputs all = wholeHistory(ctx, split);
    List<View> night = List.of(new View(NIGHT, FeatureContext.ALL));
    Map<String, List<Object>> expected = rows(window(all, settings, night).rows());
    Dataset<Row> eve = window(all, settings, List.of(new View(EVE, FeatureContext.ALL))).rows();
    Dataset<Row> changedDayLines =
        CuratedTables.readEventDates(
            ctx.tables(),
            "transactions",
            CustomerFeatures.changedLineDays(EVE, NIGHT, LOOKBACK).stream()
                .map(LocalDate::toString)
                .toList());
    CustomerFeatures.FeatureWindow updating = window(split, settings, night);
    FeatureStateStoreTest.assertSameRows(
        expected, rows(updating.rowsUpdating(eve, EVE, changedDayLines)));
    updating.release();
  }

  /**
   * The orders' journey evidence (purchase numbers and days since the previous purchase, over the
   * journey's 365-day look-back) from the window's lines and the orders' columns before it is that
   * of the whole history; from the window's lines alone it is not.
   */
  @Test
  void theOrdersBeforeTheWindowStillNumberTheJourneysPurchases() {
    JobContext ctx = context();
    var rules = ctx.settings().journey().rules();
    int journeyLookBack = JourneyPropensity.lookbackDays(ctx.settings().journey().windowDays());
    assertTrue(journeyLookBack > LOOKBACK, "the journey looks back further than the run");
    String[] orderColumns = JourneyStages.ORDER_COLUMNS.toArray(String[]::new);
    Dataset<Row> whole = CuratedTables.read(ctx.tables(), "transactions", NIGHT);
    Dataset<Row> expected =
        JourneyStages.evidenceInLookBack(Optional.empty(), whole, rules, NIGHT, journeyLookBack)
            .cache();
    Dataset<Row> actual =
        JourneyStages.evidenceInLookBack(
            Optional.empty(),
            CuratedTables.readHistory(ctx.tables(), "transactions", NIGHT, LOOKBACK, orderColumns),
            rules,
            NIGHT,
            journeyLookBack);
    Dataset<Row> windowOnly =
        JourneyStages.evidenceInLookBack(
            Optional.empty(),
            CuratedTables.readRecent(ctx.tables(), "transactions", NIGHT, LOOKBACK)
                .select(
                    JourneyStages.ORDER_COLUMNS.stream()
                        .map(functions::col)
                        .toArray(org.apache.spark.sql.Column[]::new)),
            rules,
            NIGHT,
            journeyLookBack);
    long repeats = expected.filter("rule = 'advocate-repeat-purchase'").count();
    assertTrue(repeats > 100, repeats + " repeat purchases within 60 days");
    assertEquals(0, expected.exceptAll(actual).count(), "no evidence lost");
    assertEquals(0, actual.exceptAll(expected).count(), "no evidence added");
    assertTrue(
        expected.exceptAll(windowOnly).count() > 0,
        "the window's orders alone lose the orders between 120 and 365 days back");
    expected.unpersist();
  }

  /**
   * A night that trains the propensity model reads its snapshots' windows (further back than the
   * run's) and the earlier lines' columns: the snapshots' features are those of the whole history.
   * Extended phase: four snapshot dates aggregated twice.
   */
  @Test
  @Tag("extended")
  void theSnapshotsFeaturesOfATrainingNightAreThoseOfTheWholeHistory() {
    JobContext ctx = context();
    FeatureSettings settings = ctx.settings().features().withoutCategoryShares();
    List<LocalDate> snapshots =
        JourneyPropensity.snapshots(NIGHT, ctx.settings().journey().propensity());
    CustomerFeatures.Inputs split = JourneyJob.snapshotInputs(ctx, snapshots, null);
    assertTrue(split.earlier().isPresent(), "lines before the earliest snapshot's window");
    CustomerFeatures.Inputs all = wholeHistory(ctx, split);
    List<View> views = snapshots.stream().map(d -> new View(d, FeatureContext.ALL)).toList();
    Map<String, List<Object>> expected = rows(window(all, settings, views).rows());
    assertTrue(expected.size() > 1000, expected.size() + " customer snapshots");
    FeatureStateStoreTest.assertSameRows(expected, rows(window(split, settings, views).rows()));
  }

  private static CustomerFeatures.FeatureWindow window(
      CustomerFeatures.Inputs in, FeatureSettings settings, List<View> views) {
    return CustomerFeatures.window(in, settings, LOOKBACK, views);
  }

  /** The split inputs' products, customers and externals with every line of the history. */
  private static CustomerFeatures.Inputs wholeHistory(
      JobContext ctx, CustomerFeatures.Inputs split) {
    return new CustomerFeatures.Inputs(
        CuratedTables.read(ctx.tables(), "transactions", NIGHT),
        split.products(),
        split.customers(),
        split.external());
  }

  /** Rows by customer and view index, each as its column=value texts. */
  private static Map<String, List<Object>> rows(Dataset<Row> df) {
    Map<String, List<Object>> out = new TreeMap<>();
    for (Row r : df.collectAsList()) {
      List<Object> values = new ArrayList<>();
      for (String c : df.columns()) {
        values.add(c + "=" + r.getAs(c));
      }
      out.put(r.getAs("customer_id") + "|" + r.getAs(CustomerFeatures.VIEW), values);
    }
    return out;
  }
}
