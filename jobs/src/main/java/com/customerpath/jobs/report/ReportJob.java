package com.customerpath.jobs.report;

import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.RunSteps;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Report: folds every step's figures of the date (counts read / accepted / quarantined per
 * source, rows written per table, seconds per step, model quality) into one run_manifest row,
 * with the config fingerprint and code version; then writes the run's HTML report,
 * {@code <output root>/report/dt=D/index.html}, one self-contained page (charts embedded).
 */
public final class ReportJob implements NightlyStep {
  public static final String MANIFEST = "run_manifest";
  /** Folder of the HTML reports, beside the tables: report/dt=D/index.html. */
  public static final String REPORT = "report";
  public static final String REPORT_FILE = "index.html";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new ReportJob()));
  }

  @Override
  public String name() {
    return "report";
  }

  /** One row: run facts, then one column per figure, named as recorded (pure transform). */
  public static Dataset<Row> manifest(Dataset<Row> runSteps, String runDate, String fingerprint, String codeVersion) {
    List<String> figures = runSteps.select("figure").distinct().orderBy("figure").collectAsList().stream()
        .map(r -> r.getString(0)).toList(); // figure names only: a few dozen strings
    Dataset<Row> pivoted = runSteps.groupBy().pivot("figure", new ArrayList<>(figures)).agg(functions.first("value"));
    List<Column> cols = new ArrayList<>(List.of(
        lit(runDate).as("run_date"),
        functions.current_timestamp().as("reported_at"),
        lit(fingerprint).as("config_fingerprint"),
        lit(codeVersion).as("code_version")));
    for (String f : figures) {
      cols.add(col("`" + f + "`"));
    }
    return pivoted.select(cols.toArray(Column[]::new));
  }

  public static String codeVersion() {
    String v = ReportJob.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  public StepResult run(JobContext ctx) {
    Dataset<Row> steps = ctx.tables().read(RunSteps.TABLE, ctx.date());
    Dataset<Row> manifest = manifest(steps, ctx.date().toString(), ctx.settings().configFingerprint(), codeVersion());
    StepResult result = new StepResult(name())
        .written(MANIFEST, ctx.tables().write(MANIFEST, ctx.date(), manifest.coalesce(1)));
    List<ReportPage.Section> sections = RunReport.sections(ctx);
    String html = ReportPage.render("Customer Path nightly report, dt=" + ctx.date(),
        "Output " + ctx.tables().root() + " · generated " + java.time.Instant.now().truncatedTo(
            java.time.temporal.ChronoUnit.SECONDS), sections);
    String path = reportPath(ctx.tables(), ctx.date());
    writeFile(ctx, path, html);
    result.metric("report_charts", sections.stream().flatMap(s -> s.blocks().stream())
        .mapToInt(b -> (b.chart() != null ? 1 : 0) + (b.gallery() ? b.charts().size() : 0)).sum());
    result.metric("report_bytes", html.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    return result;
  }

  /** Where the run's HTML report is: {@code <output root>/report/dt=D/index.html}. */
  public static String reportPath(com.customerpath.common.io.Tables tables, java.time.LocalDate date) {
    return tables.partitionPath(REPORT, date) + "/" + REPORT_FILE;
  }

  /** Writes beside the file and renames it into place, so a reader never sees half a page. */
  private static void writeFile(JobContext ctx, String path, String content) {
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(path);
    org.apache.hadoop.fs.Path staged = new org.apache.hadoop.fs.Path(target.getParent(),
        "_" + REPORT_FILE + "." + java.util.UUID.randomUUID());
    try {
      org.apache.hadoop.fs.FileSystem fs = target.getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
      if (fs instanceof org.apache.hadoop.fs.ChecksumFileSystem checksummed) {
        fs = checksummed.getRawFileSystem(); // no .crc file beside the page
      }
      try (var out = fs.create(staged, true)) {
        out.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      fs.delete(target, false);
      if (!fs.rename(staged, target)) {
        throw new java.io.IOException("cannot rename " + staged + " to " + target);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("Cannot write the run report " + path + ": " + e.getMessage(), e);
    }
  }
}
