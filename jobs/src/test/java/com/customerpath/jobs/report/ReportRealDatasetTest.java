package com.customerpath.jobs.report;

import static com.customerpath.jobs.report.ReportPages.count;
import static com.customerpath.jobs.report.ReportPages.images;
import static com.customerpath.jobs.report.ReportPages.notes;
import static com.customerpath.jobs.report.ReportPages.row;
import static com.customerpath.jobs.report.ReportPages.section;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.NightlyPipeline;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The reports of the real datasets: CDNOW (nothing besides transactions: no events, products,
 * channels or reviews), Olist and Groceries. No section is empty or broken, and what the data lacks
 * is said in one line. Skipped with a message where ../shared/datasets is absent.
 */
@org.junit.jupiter.api.Tag(
    "extended") // bin/test --extended: real datasets and large generated data
class ReportRealDatasetTest {

  @Test
  void cdnowReportHasNoEmptyOrBrokenSection() {
    Path file = SparkTestSession.sharedDatasets().resolve("cdnow/CDNOW_master.txt");
    Assumptions.assumeTrue(
        Files.exists(file), "Skipped: real dataset " + file + " is absent (../shared/datasets)");
    Path output = SparkTestSession.tempDir("report-cdnow");
    JobContext ctx =
        new JobContext(
            LocalDate.parse("1998-06-30"),
            SampleRun.settings(
                "conf/examples/cdnow.conf",
                output,
                Map.of("customerpath.inputs.transactions.path", file.toString())),
            SparkTestSession.get());
    JobRunner.runAll(ctx, NightlyPipeline.steps());
    String page = ReportPages.read(output, "1998-06-30");
    everySectionShowsSomethingAndEveryPersona(ctx, page);
    List<String> journey = notes(section(page, "journey"));
    assertTrue(
        journey.contains(
            "Stages not observable in this data (no evidence source for them): aware, appeal, ask."),
        journey.toString());
    assertTrue(
        journey.contains(
            "No purchase action or brand advocacy ratio: both need the aware stage, which is not "
                + "observable here."),
        journey.toString());
    List<String> actions = notes(section(page, "actions"));
    assertTrue(
        actions.contains(
            "No recommender evaluation: run bin/evaluate-recommender --date 1998-06-30 to add one."),
        actions.toString());
  }

  /** Olist: several CSV files joined by the mapping, reviews as events, Brazilian state data. */
  @Test
  void olistReportHasNoEmptyOrBrokenSection() {
    Path dir = SparkTestSession.sharedDatasets().resolve("olist_sample_8k");
    Path brazil = SparkTestSession.sharedDatasets().resolve("external/brazil");
    Assumptions.assumeTrue(
        Files.exists(dir.resolve("olist_orders_dataset.csv")) && Files.isDirectory(brazil),
        "Skipped: real dataset " + dir + " is absent (../shared/datasets)");
    String date = "2018-10-17";
    JobContext ctx =
        run(
            "conf/examples/olist.conf",
            date,
            Map.of("olist", dir.toString(), "brazil", brazil.toString()),
            "report-olist");
    String page = ReportPages.read(Path.of(ctx.tables().root()), date);
    everySectionShowsSomethingAndEveryPersona(ctx, page);
  }

  /** Groceries: one line per member, day and product; no order id, price, events or channel. */
  @Test
  void groceriesReportHasNoEmptyOrBrokenSection() {
    Path file = SparkTestSession.sharedDatasets().resolve("groceries/Groceries_dataset.csv");
    Assumptions.assumeTrue(
        Files.exists(file), "Skipped: real dataset " + file + " is absent (../shared/datasets)");
    String date = "2015-12-30";
    JobContext ctx =
        run(
            "conf/examples/groceries.conf",
            date,
            Map.of("groceries", file.toString()),
            "report-groceries");
    String page = ReportPages.read(Path.of(ctx.tables().root()), date);
    everySectionShowsSomethingAndEveryPersona(ctx, page);
    List<String> journey = notes(section(page, "journey"));
    assertTrue(
        journey.stream().anyMatch(n -> n.startsWith("Stages not observable in this data")),
        "Groceries has no events: " + journey);
  }

  private static JobContext run(
      String conf, String date, Map<String, String> overrides, String name) {
    Path output = SparkTestSession.tempDir(name);
    JobContext ctx =
        new JobContext(
            LocalDate.parse(date),
            SampleRun.settings(conf, output, overrides),
            SparkTestSession.get());
    JobRunner.runAll(ctx, NightlyPipeline.steps());
    return ctx;
  }

  /**
   * Every section shows a chart or a table, no table is empty, every chart decodes, every note is
   * one line, the SOM says how many customers it placed and each persona has its row.
   */
  private static void everySectionShowsSomethingAndEveryPersona(JobContext ctx, String page) {
    for (String id : ReportPages.SECTIONS) {
      String s = section(page, id);
      assertTrue(
          s.contains("<img") || s.contains("<table"),
          "section " + id + " shows a chart or a table");
      assertFalse(
          s.matches("(?s).*<tbody>\\s*</tbody>.*"), "section " + id + " has no empty table");
      images(s); // every chart decodes
      notes(s)
          .forEach(
              n -> assertTrue(!n.contains("\n") && n.length() < 400, "a note is one line: " + n));
    }
    long customers = ctx.tables().read("customer_features", ctx.date()).count();
    assertTrue(
        notes(section(page, "som")).get(0).contains("(" + count(customers) + " customers placed)"),
        notes(section(page, "som")).toString());
    ctx.tables()
        .read("personas", ctx.date())
        .collectAsList()
        .forEach(p -> row(section(page, "personas"), p.getAs("persona_id").toString()));
  }
}
