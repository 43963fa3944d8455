package com.customerpath.jobs.report;

import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.RunSteps;
import com.customerpath.jobs.runtime.StepResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Report: folds every step's figures of the date (counts read / accepted / quarantined per source,
 * rows written per table, seconds per step, model quality) into one run_manifest row, with the
 * config fingerprint and code version; then writes the run's HTML report, {@code <output
 * root>/report/dt=D/index.html}, one self-contained page (charts embedded).
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

  /**
   * One row: run facts, then one column per figure, named as recorded. The figures of one run are a
   * few hundred (name, value) pairs: they are gathered on the driver (one Spark job) rather than
   * pivoted by Spark (a shuffle per pivot).
   */
  public static Dataset<Row> manifest(
      Dataset<Row> runSteps, String runDate, String fingerprint, String codeVersion) {
    java.util.TreeMap<String, Double> figures = new java.util.TreeMap<>();
    for (Row r : runSteps.select("figure", "value").collectAsList()) {
      figures.putIfAbsent(r.getString(0), r.isNullAt(1) ? null : r.getDouble(1));
    }
    StructType schema =
        new StructType()
            .add("run_date", DataTypes.StringType, false)
            .add("reported_at", DataTypes.TimestampType, false)
            .add("config_fingerprint", DataTypes.StringType, false)
            .add("code_version", DataTypes.StringType, false);
    List<Object> values =
        new ArrayList<>(
            List.of(
                runDate,
                new java.sql.Timestamp(System.currentTimeMillis()),
                fingerprint,
                codeVersion));
    for (java.util.Map.Entry<String, Double> f : figures.entrySet()) {
      schema = schema.add(f.getKey(), DataTypes.DoubleType, true);
      values.add(f.getValue());
    }
    return runSteps
        .sparkSession()
        .createDataFrame(List.of(RowFactory.create(values.toArray())), schema);
  }

  public static String codeVersion() {
    String v = ReportJob.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  public StepResult run(JobContext ctx) {
    // The runner's figures are read by the driver, and the manifest (one row built on the driver)
    // is written by it (Tables.write).
    Dataset<Row> steps = ctx.tables().readSmall(RunSteps.TABLE, ctx.date());
    Dataset<Row> manifest =
        manifest(steps, ctx.date().toString(), ctx.settings().configFingerprint(), codeVersion());
    StepResult result =
        new StepResult(name())
            .written(MANIFEST, ctx.tables().write(MANIFEST, ctx.date(), manifest));
    List<ReportPage.Section> sections = RunReport.sections(ctx);
    String html =
        ReportPage.render(
            "Customer Path nightly report, dt=" + ctx.date(),
            "Output "
                + ctx.tables().root()
                + " · generated "
                + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
            sections);
    String path = reportPath(ctx.tables(), ctx.date());
    writeFile(ctx, path, html);
    result.metric(
        "report_charts",
        sections.stream()
            .flatMap(s -> s.blocks().stream())
            .mapToInt(b -> (b.chart() != null ? 1 : 0) + (b.gallery() ? b.charts().size() : 0))
            .sum());
    result.metric("report_bytes", html.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    return result;
  }

  /** Where the run's HTML report is: {@code <output root>/report/dt=D/index.html}. */
  public static String reportPath(
      com.customerpath.common.io.Tables tables, java.time.LocalDate date) {
    return tables.partitionPath(REPORT, date) + "/" + REPORT_FILE;
  }

  /** Writes beside the file and renames it into place, so a reader never sees half a page. */
  private static void writeFile(JobContext ctx, String path, String content) {
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(path);
    org.apache.hadoop.fs.Path staged =
        new org.apache.hadoop.fs.Path(
            target.getParent(), "_" + REPORT_FILE + "." + java.util.UUID.randomUUID());
    try {
      org.apache.hadoop.fs.FileSystem fs =
          target.getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
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
      throw new IllegalStateException(
          "Cannot write the run report " + path + ": " + e.getMessage(), e);
    }
  }
}
