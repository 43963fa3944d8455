package com.customerpath.jobs.report;

import static com.customerpath.jobs.report.ReportPages.count;
import static com.customerpath.jobs.report.ReportPages.images;
import static com.customerpath.jobs.report.ReportPages.notes;
import static com.customerpath.jobs.report.ReportPages.row;
import static com.customerpath.jobs.report.ReportPages.section;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.Tables;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.recommend.RecommenderEvaluation;
import com.customerpath.jobs.runtime.JobRunner;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The report of the shared sample run: every section is there, and its figures are the run's, read
 * back here from the tables (not from the report code).
 */
class ReportSampleTest {
  private static SampleRun run;
  private static Tables tables;
  private static String page;

  @BeforeAll
  static void render() {
    run = SampleRun.get();
    tables = run.context.tables();
    page = ReportPages.read(run.output, SampleRun.DATE.toString()); // the nightly run wrote it
  }

  private static String table(String html, String caption) {
    return ReportPages.table(html, caption);
  }

  private static Dataset<Row> table(String name) {
    return tables.read(name, SampleRun.DATE);
  }

  @Test
  void runHealthShowsSourcesQuarantineReasonsTablesAndSteps() {
    String health = section(page, "health");
    Row manifest = table("run_manifest").first();
    for (String source : List.of("transactions", "events", "customers", "products")) {
      long accepted =
          com.customerpath.common.io.CuratedTables.read(tables, source, SampleRun.DATE).count();
      long quarantined = table("quarantine/" + source).count();
      List<String> r = row(table(health, "Rows read, accepted and quarantined per source"), source);
      assertEquals(count(accepted + quarantined), r.get(1), source + " read");
      assertEquals(count(accepted), r.get(2), source + " accepted");
      assertEquals(count(quarantined), r.get(3), source + " quarantined");
      if (quarantined > 0) {
        Row top =
            table("quarantine/" + source)
                .groupBy("reason")
                .count()
                .orderBy(col("count").desc(), col("reason"))
                .first();
        assertTrue(
            r.get(5).startsWith(top.getString(0) + " " + count(top.getLong(1))),
            source + ": the top quarantine reason first, got " + r.get(5));
      }
    }
    for (String t :
        List.of(
            "customer_features",
            "personas",
            "journey_stages",
            "next_best_action",
            "recommendations")) {
      assertEquals(
          count(table(t).count()),
          row(table(health, "Rows written per table"), t).get(1),
          "rows of " + t);
    }
    for (String step : List.of("ingest", "features", "personas", "journey", "recommendations")) {
      double seconds = manifest.<Double>getAs("seconds_" + step);
      assertEquals(
          String.format(java.util.Locale.ROOT, "%.1f", seconds),
          row(table(health, "Steps"), step).get(1),
          "seconds of " + step);
    }
    assertTrue(images(health).contains("Seconds per step"));
  }

  @Test
  void somMapsOnTheConfiguredGrid() {
    String som = section(page, "som");
    long placed =
        table("customer_personas").filter("context = 'all' and som_row is not null").count();
    long units =
        table("customer_personas")
            .filter("context = 'all'")
            .select("som_row", "som_col")
            .distinct()
            .count();
    var s = run.context.settings().personas().som();
    String note = notes(som).get(0);
    assertTrue(
        note.startsWith(
            s.rows()
                + " x "
                + s.cols()
                + " "
                + s.topology()
                + " map; "
                + units
                + " of "
                + s.rows() * s.cols()
                + " units hold customers ("
                + count(placed)
                + " customers placed)"),
        note);
    List<String> charts = images(som);
    assertTrue(charts.stream().anyMatch(c -> c.startsWith("U-matrix")), "U-matrix in " + charts);
    assertTrue(
        notes(som).stream()
            .anyMatch(
                n -> n.startsWith("The U-matrix is the mean distance from each unit's codebook")),
        "U-matrix from the stored map's codebook: " + notes(som));
    assertTrue(charts.stream().anyMatch(c -> c.startsWith("Hit map")), "hit map in " + charts);
    assertTrue(
        charts.stream().anyMatch(c -> c.startsWith("Units by persona")),
        "persona map in " + charts);
  }

  @Test
  void personasWithSizesNamesRepresentativesAndProfiles() {
    String personas = section(page, "personas");
    List<Row> rows = table("personas").orderBy("persona_id").collectAsList();
    List<String> charts = images(personas);
    for (Row p : rows) {
      int id = p.getAs("persona_id");
      List<String> r = row(personas, Integer.toString(id));
      assertEquals(p.getAs("persona_name"), r.get(1), "name of persona " + id);
      long customers =
          table("customer_personas").filter("context = 'all' and persona_id = " + id).count();
      assertEquals(count(customers), r.get(2), "customers of persona " + id);
      assertEquals(
          p.getAs("representative_customer_id"), r.get(4), "representative of persona " + id);
      assertTrue(
          charts.contains(id + " · " + p.getAs("persona_name")),
          "profile chart of persona " + id + " in " + charts);
    }
    assertTrue(charts.contains("Customers per persona"));
    // One run in the output root: nothing to migrate from, said in one line.
    long all = table("customer_personas").filter("context = 'all'").count();
    assertTrue(
        notes(personas)
            .contains(
                "No migration matrix: no previous run to migrate from; all "
                    + count(all)
                    + " customers are new tonight."),
        notes(personas).toString());
  }

  @Test
  void journeyFunnelTransitionsAndRatios() {
    String journey = section(page, "journey");
    Row act = table("journey_funnel").filter("persona_id = 'all' and stage = 'act'").first();
    Row aware = table("journey_funnel").filter("persona_id = 'all' and stage = 'aware'").first();
    List<String> all = row(journey, "all customers");
    assertTrue(
        all.contains(
            count(act.<Long>getAs("customers_reached"))
                + " ("
                + String.format(
                    java.util.Locale.ROOT, "%.1f%%", 100 * act.<Double>getAs("conversion_to_next"))
                + ")"),
        "act reached and its conversion in " + all);
    assertEquals(
        count(aware.<Long>getAs("customers_reached")), all.get(1).split(" ")[0], "aware reached");
    assertEquals(
        String.format(java.util.Locale.ROOT, "%.3f", act.<Double>getAs("purchase_action_ratio")),
        all.get(all.size() - 2),
        "purchase action ratio");
    assertEquals(
        String.format(java.util.Locale.ROOT, "%.3f", act.<Double>getAs("brand_advocacy_ratio")),
        all.get(all.size() - 1),
        "brand advocacy ratio");
    for (Row p : table("personas").collectAsList()) {
      row(journey, p.getAs("persona_id") + " · " + p.getAs("persona_name"));
    }
    List<String> charts = images(journey);
    assertTrue(
        charts.stream().anyMatch(c -> c.startsWith("Funnel per persona")), charts.toString());
    assertTrue(charts.stream().anyMatch(c -> c.startsWith("Stage transitions")), charts.toString());
  }

  @Test
  void actionsChannelSplitAndPainPoints() {
    String actions = section(page, "actions");
    long total = table("next_best_action").count();
    for (Row c : table("next_best_action").groupBy("channel").count().collectAsList()) {
      List<String> r = row(actions, c.getString(0));
      assertEquals(count(c.getLong(1)), r.get(1), "customers of channel " + c.getString(0));
      assertEquals(
          String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * c.getLong(1) / total), r.get(2));
    }
    long flagged = table("pain_points").count();
    if (flagged > 0) {
      assertTrue(
          actions.contains("Pain points by persona (" + count(flagged) + " customers flagged)"),
          "pain points");
    }
    Row recs =
        table("recommendations").selectExpr("count(*)", "count(distinct customer_id)").first();
    assertTrue(
        notes(actions)
            .contains(
                String.format(
                    "Recommendations: %s rows for %s customers, %s distinct products.",
                    count(recs.getLong(0)),
                    count(recs.getLong(1)),
                    count(table("recommendations").select("product_id").distinct().count()))),
        notes(actions).toString());
    assertTrue(images(actions).stream().anyMatch(c -> c.startsWith("Next-best actions")));
    if (!tables.exists(RecommenderEvaluation.TABLE, SampleRun.DATE)) {
      assertTrue(
          notes(actions)
              .contains(
                  "No recommender evaluation: run bin/evaluate-recommender --date "
                      + SampleRun.DATE
                      + " to add one."),
          "the nightly report says how to add the evaluation: " + notes(actions));
    }
  }

  /**
   * The offline evaluation (as bin/evaluate-recommender adds it; minutes on the sample data, so in
   * the extended phase), then the report rendered again: its figures are the table's.
   */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void evaluationFiguresAfterTheOfflineEvaluation() {
    SampleRun.withRecommenderEvaluation();
    JobRunner.runStep(run.context, new ReportJob());
    String actions = section(ReportPages.read(run.output, SampleRun.DATE.toString()), "actions");
    for (Row e :
        table(RecommenderEvaluation.TABLE)
            .filter("metric = 'ndcg' and view = 'all' and segment = 'all'")
            .collectAsList()) {
      List<String> r = row(actions, "ndcg@" + e.getAs("k"));
      assertTrue(
          r.contains(String.format(java.util.Locale.ROOT, "%.4f", e.<Double>getAs("value"))),
          e.getAs("model") + " ndcg@" + e.getAs("k") + " in " + r);
    }
    assertTrue(images(actions).contains("Recommender evaluation by model"));
  }

  @Test
  void everySectionHasContent() {
    for (String id : ReportPages.SECTIONS) {
      String s = section(page, id);
      assertTrue(
          s.contains("<img") || s.contains("<table"),
          "section " + id + " shows a chart or a table");
    }
  }
}
