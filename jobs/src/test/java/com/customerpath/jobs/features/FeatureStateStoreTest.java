package com.customerpath.jobs.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.features.CustomerFeatures.View;
import com.customerpath.common.features.FeatureContext;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A night that carries the previous night's per-customer aggregates over writes the features a
 * night that aggregates every customer writes; it does not carry them over when a day it read has
 * other lines now, or when what the aggregates depend on changed.
 */
public class FeatureStateStoreTest {
  private static final LocalDate NIGHT = SampleRun.DATE;
  private static final LocalDate EVE = NIGHT.minusDays(1);

  /** Extended phase: two features steps on a copy of the night, about 45 s. */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void carriedOverFeaturesAreThoseOfAFullAggregation() throws Exception {
    Path copy = SampleRun.copyOfTheNight("feature-state");
    FileUtils.deleteDirectory(copy.resolve(FeatureStateStore.DIRECTORY).toFile());
    // The eve reads the same product and customer snapshots as the night.
    for (String snapshot : List.of("products", "customers")) {
      Path dir = copy.resolve("curated").resolve(snapshot);
      assertTrue(Files.isDirectory(dir.resolve("dt=" + NIGHT)), dir + " has the night's snapshot");
      FileUtils.copyDirectory(
          dir.resolve("dt=" + NIGHT).toFile(), dir.resolve("dt=" + EVE).toFile());
    }
    JobContext night = SampleRun.context(copy, Map.of());
    JobContext eve = new JobContext(EVE, night.settings(), night.spark(), night.tables());

    Map<String, Double> first = JobRunner.runStep(eve, new FeaturesJob()).metrics();
    assertEquals(0.0, first.get("features_carried_over"), "nothing kept before the eve");
    // An older night's aggregates (only the newest before tonight is read) are removed.
    Files.createDirectories(
        copy.resolve(FeatureStateStore.DIRECTORY).resolve("dt=" + EVE.minusDays(5)));
    Map<String, Double> carried = JobRunner.runStep(night, new FeaturesJob()).metrics();
    assertEquals(1.0, carried.get("features_carried_over"));
    assertEquals(1.0, carried.get("features_state_age_days"));
    assertEquals(
        List.of(EVE.toString(), NIGHT.toString()),
        night.tables().partitionValues(FeatureStateStore.DIRECTORY, "dt"),
        "tonight's aggregates and the eve's are kept, older ones removed");
    Map<String, List<Object>> carriedFeatures = rows(night, FeaturesJob.TABLE);
    Map<String, List<Object>> carriedContexts = rows(night, FeaturesJob.CONTEXT_TABLE);

    // The sample's last day has buyers, so some customers were aggregated again, most carried.
    int lookback = night.settings().run().lookbackDays();
    Dataset<Row> windowScan =
        CustomerFeatures.customersWithChangedLines(
            FeaturesJob.inputs(night).transactions(), EVE, NIGHT, lookback);
    long changed = windowScan.count();
    assertTrue(
        changed > 0 && changed < carriedFeatures.size() / 2,
        changed + " of " + carriedFeatures.size() + " customers aggregated again");
    // The night finds them among the changed days' partitions alone: the same customers.
    List<LocalDate> days = CustomerFeatures.changedLineDays(EVE, NIGHT, lookback);
    assertEquals(
        List.of(EVE.minusDays(lookback - 1L), NIGHT), days, "the day that left, the new day");
    Dataset<Row> changedDayLines =
        CuratedTables.readEventDates(
            night.tables(), "transactions", days.stream().map(LocalDate::toString).toList());
    assertEquals(
        ids(windowScan),
        ids(CustomerFeatures.customersWithChangedLines(changedDayLines, EVE, NIGHT, lookback)));

    // The shared sample night aggregated every customer from the same lines (nothing was kept
    // before it), as a full refresh would: the carried-over night gives the same rows.
    SampleRun shared = SampleRun.get();
    assertEquals(0.0, shared.stepFigures.get("features").get("features_carried_over"));
    assertSameRows(rows(shared.context, FeaturesJob.TABLE), carriedFeatures);
    assertSameRows(rows(shared.context, FeaturesJob.CONTEXT_TABLE), carriedContexts);

    // The same settings and data as the eve's aggregates: carried over, unless a full refresh.
    FeatureStateStore.Summary tonight = summary(night, night.settings().features());
    assertTrue(FeatureStateStore.previous(night.tables(), NIGHT, tonight, false).carriesOver());
    FeatureStateStore.Decision refresh =
        FeatureStateStore.previous(night.tables(), NIGHT, tonight, true);
    assertFalse(refresh.carriesOver());
    assertEquals("a full refresh", refresh.reason());
    // Other category columns: aggregated again.
    FeatureStateStore.Summary otherCategories =
        summary(night, night.settings().features().withoutCategoryShares());
    FeatureStateStore.Decision decision =
        FeatureStateStore.previous(night.tables(), NIGHT, otherCategories, false);
    assertFalse(decision.carriesOver());
    assertTrue(
        decision.reason().contains("categories") && decision.reason().contains("columns"),
        "the reason names what differs: " + decision.reason());
    assertFalse(decision.reason().contains("timezone"), decision.reason());

    // A day the eve read is written again (late lines): aggregated again, and the reason says so.
    Path day =
        copy.resolve(CuratedTables.table("transactions"))
            .resolve(CuratedTables.EVENT_DATE + "=" + EVE.minusDays(3));
    Path file;
    try (var files = Files.list(day)) {
      file = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().get();
    }
    Files.move(file, day.resolve("part-late-" + file.getFileName()));
    decision =
        FeatureStateStore.previous(
            night.tables(), NIGHT, summary(night, night.settings().features()), false);
    assertFalse(decision.carriesOver());
    assertTrue(decision.reason().contains(EVE.minusDays(3).toString()), decision.reason());
  }

  private static java.util.Set<String> ids(Dataset<Row> customers) {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    customers.collectAsList().forEach(r -> ids.add(r.getString(0)));
    return ids;
  }

  private static FeatureStateStore.Summary summary(
      JobContext ctx, com.customerpath.common.config.FeatureSettings settings) {
    CustomerFeatures.Inputs in = FeaturesJob.inputs(ctx);
    List<View> views =
        List.of(
            new View(NIGHT, FeatureContext.ALL),
            new View(NIGHT, FeatureContext.WEEKDAY),
            new View(NIGHT, FeatureContext.WEEKEND));
    int lookback = ctx.settings().run().lookbackDays();
    return FeatureStateStore.summarize(
        ctx.tables(),
        NIGHT,
        in,
        CustomerFeatures.window(in, settings, lookback, views),
        settings,
        lookback,
        views);
  }

  /** A table's rows of the night by customer (and context), each as its list of values. */
  static Map<String, List<Object>> rows(JobContext ctx, String table) {
    Dataset<Row> df = ctx.tables().read(table, ctx.date());
    boolean byContext = List.of(df.columns()).contains("context");
    Map<String, List<Object>> out = new TreeMap<>();
    for (Row r : df.collectAsList()) {
      String key = r.getAs("customer_id") + (byContext ? "|" + r.getAs("context") : "");
      List<Object> values = new ArrayList<>();
      for (String c : df.columns()) {
        values.add(c + "=" + r.getAs(c));
      }
      out.put(key, values);
    }
    return out;
  }

  /**
   * The same keys and values; doubles equal to 1e-9 of their size (sums of the same lines in
   * another order differ in the last digits).
   */
  public static void assertSameRows(
      Map<String, List<Object>> expected, Map<String, List<Object>> actual) {
    assertEquals(expected.keySet(), actual.keySet(), "the same customers");
    for (String key : expected.keySet()) {
      List<Object> e = expected.get(key);
      List<Object> a = actual.get(key);
      assertEquals(e.size(), a.size(), key);
      for (int i = 0; i < e.size(); i++) {
        String ev = (String) e.get(i);
        String av = (String) a.get(i);
        if (ev.equals(av)) {
          continue;
        }
        String name = ev.substring(0, ev.indexOf('='));
        double x = Double.parseDouble(ev.substring(name.length() + 1));
        double y = Double.parseDouble(av.substring(av.indexOf('=') + 1));
        assertEquals(x, y, 1e-9 * Math.max(1.0, Math.abs(x)), key + " " + name);
      }
    }
  }
}
