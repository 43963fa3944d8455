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
 * The report of a real dataset with little besides transactions (CDNOW: no events, products,
 * channels or reviews): no section is empty or broken, and what the data lacks is said in one line.
 * Skipped with a message where ../shared/datasets is absent.
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
    ctx.tables()
        .read("personas", ctx.date())
        .collectAsList()
        .forEach(p -> row(section(page, "personas"), p.getAs("persona_id").toString()));
    List<String> actions = notes(section(page, "actions"));
    assertTrue(
        actions.contains(
            "No recommender evaluation: run bin/evaluate-recommender --date 1998-06-30 to add one."),
        actions.toString());
  }
}
