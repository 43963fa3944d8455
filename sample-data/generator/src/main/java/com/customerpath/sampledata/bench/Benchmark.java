package com.customerpath.sampledata.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * bin/benchmark: on one generated data set, in one run, the whole nightly pipeline step by step, a
 * plain Spark baseline on the same inputs, the same at half the size, an incremental night against
 * a full refresh, and the SOM epoch against an MLlib k-means iteration. Prints a Markdown report
 * and appends it to docs/benchmarks.md.
 *
 * <p>Each measured program runs in its own JVM (a child process, as a user would start it through
 * bin/), so JVM and Spark start-up count for the pipeline and the baseline alike and one run's heap
 * cannot help the next. Wall time, CPU time and peak resident memory of each child are sampled from
 * the OS; the pipeline's per-step figures are read from its {@code _run_steps} table.
 */
public final class Benchmark {
  /** Per-step figures of the run's _run_steps, by name prefix + "_" + step; n/a when absent. */
  private static final String[][] STEP_COLUMNS = {
    {"seconds", "wall s"},
    {"jobs", "Spark jobs"},
    {"stages", "stages"},
    {"input_bytes", "input MB"},
    {"peak_heap_mb", "peak heap MB"},
    {"driver_only_seconds", "no-job s"}
  };

  record Options(
      Path root,
      Path work,
      long customers,
      long lines,
      long events,
      int days,
      LocalDate date,
      String driverMemory,
      long somRows,
      boolean half,
      Path report,
      String note) {
    static Options parse(String[] args) {
      Path root = Paths.get(".").toAbsolutePath().normalize();
      Path work = Paths.get("/tmp/customer-path-bench");
      long customers = 50_000;
      long lines = 1_000_000;
      Long events = null;
      int days = 365;
      LocalDate date = LocalDate.parse("2026-06-30");
      String memory = "4g";
      long somRows = 200_000;
      boolean half = true;
      Path report = null;
      String note = "";
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--no-half")) {
          half = false;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("Missing value after " + a);
        }
        String v = args[++i];
        switch (a) {
          case "--root" -> root = Paths.get(v).toAbsolutePath();
          case "--work" -> work = Paths.get(v).toAbsolutePath();
          case "--customers" -> customers = Long.parseLong(v);
          case "--lines" -> lines = Long.parseLong(v);
          case "--events" -> events = Long.parseLong(v);
          case "--days" -> days = Integer.parseInt(v);
          case "--date" -> date = LocalDate.parse(v);
          case "--driver-memory" -> memory = v;
          case "--som-rows" -> somRows = Long.parseLong(v);
          case "--report" -> report = Paths.get(v).toAbsolutePath();
          case "--note" -> note = v;
          default ->
              throw new IllegalArgumentException(
                  "Unknown argument "
                      + a
                      + "; expected --customers, "
                      + "--lines, --events, --days, --date, --driver-memory, --som-rows, --work, --report, --note or --no-half");
        }
      }
      return new Options(
          root,
          work,
          customers,
          lines,
          events == null ? 2 * lines : events,
          days,
          date,
          memory,
          somRows,
          half,
          report == null ? root.resolve("docs/benchmarks.md") : report,
          note);
    }
  }

  /** What the OS saw of one child process. */
  record Measured(
      String name, int exit, double wallSeconds, double cpuSeconds, long peakRssMb, Path log) {
    boolean ok() {
      return exit == 0;
    }
  }

  private final Options o;
  private final Path logs;

  private Benchmark(Options options) {
    this.o = options;
    this.logs = options.work().resolve("logs");
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ERROR: " + e.getMessage());
      System.exit(2);
      return;
    }
    String report = new Benchmark(options).run();
    System.out.println();
    System.out.println(report);
    Files.writeString(
        options.report(),
        report,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    System.out.println("Appended to " + options.report());
  }

  /** One measured size: its data set, the pipeline and the baseline on it. */
  record SizeRun(
      String label,
      Path data,
      Path output,
      Measured generate,
      Measured pipeline,
      Measured baseline,
      Properties dataset) {}

  String run() throws Exception {
    Files.createDirectories(logs);
    String loadAtStart = Files.readString(Paths.get("/proc/loadavg")).trim();
    ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);

    SizeRun full = size("full", o.customers(), o.lines(), o.events());
    SizeRun half =
        o.half()
            ? size("half", Math.max(1, o.customers() / 2), o.lines() / 2, o.events() / 2)
            : null;

    // Incremental night: the day after the full run, on top of its history and outputs.
    Measured incremental = null;
    Measured refresh = null;
    Measured append = null;
    Map<String, Map<String, Double>> incrementalSteps = Map.of();
    Map<String, Map<String, Double>> refreshSteps = Map.of();
    if (full.pipeline().ok() && incrementalSupported()) {
      LocalDate next = o.date().plusDays(1);
      append =
          child(
              "append-day",
              o.root().resolve("bin/generate-data").toString(),
              "--out",
              full.data().toString(),
              "--customers",
              Long.toString(o.customers()),
              "--lines",
              Long.toString(o.lines()),
              "--events",
              Long.toString(o.events()),
              "--days",
              Integer.toString(o.days()),
              "--end-date",
              o.date().toString(),
              "--append-days",
              "1");
      if (append.ok()) {
        // Read the day folders through a {date} template: a normal night reads only its own
        // delivery, a full refresh every folder (without the template both read everything).
        String[] dated = datedInputs(full.data());
        incremental = pipeline("incremental-night", full.data(), full.output(), next, dated);
        // Read before the refresh replaces the night's _run_steps partition.
        incrementalSteps = runSteps(full.output(), next);
        refresh =
            pipeline(
                "full-refresh",
                full.data(),
                full.output(),
                next,
                concat(dated, new String[] {"--full-refresh"}));
        refreshSteps = runSteps(full.output(), next);
      }
    }

    Measured som =
        child(
            "som",
            o.root().resolve("bin/benchmark-som").toString(),
            "--rows",
            Long.toString(o.somRows()));
    Map<String, Double> somFigures = somFigures(som.log());

    Map<String, Map<String, Double>> fullSteps = runSteps(full);
    Map<String, Map<String, Double>> halfSteps = half == null ? Map.of() : runSteps(half);
    return markdown(
        started,
        loadAtStart,
        full,
        half,
        fullSteps,
        halfSteps,
        append,
        incremental,
        refresh,
        incrementalSteps,
        refreshSteps,
        som,
        somFigures);
  }

  private SizeRun size(String label, long customers, long lines, long events) throws Exception {
    Path data = o.work().resolve("data-" + label);
    Path output = o.work().resolve("out-" + label);
    deleteRecursively(output);
    Measured gen =
        child(
            "generate-" + label,
            o.root().resolve("bin/generate-data").toString(),
            "--out",
            data.toString(),
            "--customers",
            Long.toString(customers),
            "--lines",
            Long.toString(lines),
            "--events",
            Long.toString(events),
            "--days",
            Integer.toString(o.days()),
            "--end-date",
            o.date().toString());
    if (!gen.ok()) {
      throw new IllegalStateException(
          "Generating the " + label + " data set failed; see " + gen.log());
    }
    Measured pipeline = pipeline("pipeline-" + label, data, output, o.date());
    Measured baseline =
        child(
            "baseline-" + label,
            "java",
            "-Xmx" + o.driverMemory(),
            "@" + jvmOptionsFile(),
            "-Dlog4j2.configurationFile=" + o.root().resolve("conf/log4j2.properties"),
            "-cp",
            System.getProperty("java.class.path"),
            Baseline.class.getName(),
            "--data",
            data.toString(),
            "--out",
            o.work().resolve("baseline-" + label).toString(),
            "--date",
            o.date().toString());
    Properties dataset = new Properties();
    try (var in = Files.newBufferedReader(data.resolve("dataset.properties"))) {
      dataset.load(in);
    }
    dataset.setProperty("bytes", Long.toString(bytes(data)));
    return new SizeRun(label, data, output, gen, pipeline, baseline, dataset);
  }

  private Measured pipeline(String name, Path data, Path output, LocalDate date, String... extra)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                o.root().resolve("bin/customer-path").toString(),
                "--conf",
                data.resolve("generated.conf").toString(),
                "--date",
                date.toString(),
                "--set",
                "customerpath.output.root=" + output));
    cmd.addAll(List.of(extra));
    return child(name, Map.of("CP_DRIVER_MEMORY", o.driverMemory()), cmd.toArray(String[]::new));
  }

  /** --set arguments pointing transactions and events at their dt={date} delivery folders. */
  static String[] datedInputs(Path data) {
    return new String[] {
      "--set",
      "customerpath.inputs.transactions.path=" + data.resolve("transactions") + "/dt={date}",
      "--set",
      "customerpath.inputs.events.path=" + data.resolve("events") + "/dt={date}"
    };
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * The benchmark runs the incremental night and the full refresh when the launcher lists
   * --full-refresh, else reports n/a.
   */
  private boolean incrementalSupported() throws Exception {
    Measured help =
        child("launcher-help", o.root().resolve("bin/customer-path").toString(), "--help");
    return help.ok() && Files.readString(help.log()).contains("--full-refresh");
  }

  private Measured child(String name, String... command) throws Exception {
    return child(name, Map.of(), command);
  }

  /** Runs a child process to its end, sampling its CPU time and peak resident memory. */
  private Measured child(String name, Map<String, String> env, String... command) throws Exception {
    Path log = logs.resolve(name + ".log");
    System.out.printf(Locale.ROOT, "[%s] %s: %s%n", clock(), name, String.join(" ", command));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(o.root().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().putIfAbsent("MAVEN_ARGS", "-o");
    long t0 = System.nanoTime();
    Process p = pb.start();
    long peakKb = 0;
    Duration cpu = Duration.ZERO;
    // The bin/ scripts exec java, so the child's pid is the JVM's.
    while (!p.waitFor(500, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      peakKb = Math.max(peakKb, vmHwmKb(p.pid()));
      cpu = p.info().totalCpuDuration().orElse(cpu);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    Measured m =
        new Measured(name, p.exitValue(), wall, cpu.toMillis() / 1000.0, peakKb / 1024, log);
    System.out.printf(
        Locale.ROOT,
        "[%s] %s: exit %d, %.1f s wall, %.1f s CPU, peak RSS %d MB%n",
        clock(),
        name,
        m.exit(),
        m.wallSeconds(),
        m.cpuSeconds(),
        m.peakRssMb());
    return m;
  }

  private static String clock() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("HH:mm:ss"));
  }

  private static long vmHwmKb(long pid) {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      // the process ended between two samples
    }
    return 0;
  }

  /** The child JVMs' flags (Spark on Java 17), from the parent pom like the bin/ scripts. */
  private Path jvmOptionsFile() throws IOException {
    Path file = o.work().resolve("jvm-options.txt");
    String pom = Files.readString(o.root().resolve("pom.xml"));
    int from = pom.indexOf("<spark.jvm.opens>") + "<spark.jvm.opens>".length();
    Files.writeString(
        file, pom.substring(from, pom.indexOf("</spark.jvm.opens>", from)).replace(' ', '\n'));
    return file;
  }

  /** Figures of SomBenchmark's output: seconds per SOM epoch and per k-means iteration. */
  private static Map<String, Double> somFigures(Path log) throws IOException {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(log)) {
      String[][] keys = {
        {"SOM epoch:", "som_epoch_s"},
        {"k-means iteration (row):", "kmeans_row_s"},
        {"k-means iteration (block):", "kmeans_block_s"},
        {"SOM epoch / fastest k-means iteration:", "ratio"}
      };
      for (String[] k : keys) {
        if (line.startsWith(k[0])) {
          out.put(k[1], Double.parseDouble(line.substring(k[0].length()).trim().split("\\s+")[0]));
        }
      }
    }
    return out;
  }

  /**
   * step -> figure -> value, from the run's _run_steps table (dt = the run date), in step order.
   */
  private Map<String, Map<String, Double>> runSteps(SizeRun size) {
    return runSteps(size.output(), o.date());
  }

  /** As above, for the night of the given date under an output root. */
  private Map<String, Map<String, Double>> runSteps(Path output, LocalDate date) {
    Path table = output.resolve("_run_steps").resolve("dt=" + date);
    Map<String, Map<String, Double>> steps = new LinkedHashMap<>();
    if (!Files.isDirectory(table)) {
      return steps;
    }
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("benchmark-report")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    List<Row> rows =
        spark
            .read()
            .parquet(table.toString())
            .withColumn(
                "first",
                functions
                    .min("recorded_at")
                    .over(org.apache.spark.sql.expressions.Window.partitionBy("step")))
            .orderBy("first", "figure")
            .select("step", "figure", "value")
            .collectAsList();
    for (Row r : rows) {
      steps
          .computeIfAbsent(r.getString(0), s -> new LinkedHashMap<>())
          .put(r.getString(1), r.isNullAt(2) ? null : r.getDouble(2));
    }
    return steps;
  }

  private String markdown(
      ZonedDateTime started,
      String load,
      SizeRun full,
      SizeRun half,
      Map<String, Map<String, Double>> fullSteps,
      Map<String, Map<String, Double>> halfSteps,
      Measured append,
      Measured incremental,
      Measured refresh,
      Map<String, Map<String, Double>> incrementalSteps,
      Map<String, Map<String, Double>> refreshSteps,
      Measured som,
      Map<String, Double> somFigures) {
    StringBuilder md = new StringBuilder();
    Properties d = full.dataset();
    md.append(
        String.format(
            Locale.ROOT,
            "%n## %s UTC: %s customers, %s transaction lines, %s events%n%n",
            started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
            d.getProperty("customers"),
            d.getProperty("rows_transactions"),
            d.getProperty("rows_events")));
    if (!o.note().isBlank()) {
      md.append("*").append(o.note()).append("*\n\n");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "- machine: %d cores, %s memory; load average at start %s%n",
            Runtime.getRuntime().availableProcessors(),
            memTotal(),
            load));
    md.append(
        String.format(
            Locale.ROOT,
            "- Java %s, Spark %s, local mode, driver heap %s (pipeline and baseline)%n",
            System.getProperty("java.version"),
            org.apache.spark.package$.MODULE$.SPARK_VERSION(),
            o.driverMemory()));
    md.append(
        String.format(
            Locale.ROOT,
            "- data set: %s days to %s, %s products, %.1f MB Parquet; half size: %s%n",
            d.getProperty("days"),
            d.getProperty("end_date"),
            d.getProperty("rows_products"),
            Double.parseDouble(d.getProperty("bytes")) / 1e6,
            half == null
                ? "not run"
                : half.dataset().getProperty("customers")
                    + " customers, "
                    + half.dataset().getProperty("rows_transactions")
                    + " lines, "
                    + half.dataset().getProperty("rows_events")
                    + " events"));
    md.append("- command: `bin/benchmark --customers ")
        .append(o.customers())
        .append(" --lines ")
        .append(o.lines())
        .append(" --events ")
        .append(o.events())
        .append(" --days ")
        .append(o.days())
        .append("`; logs in `")
        .append(logs)
        .append("`\n\n");

    md.append(
        "Pipeline step by step (full size; figures from the run's `_run_steps`, n/a = not recorded):\n\n");
    md.append("| step | ");
    for (String[] c : STEP_COLUMNS) {
      md.append(c[1]).append(" | ");
    }
    md.append("rows in | rows out |\n|---|");
    md.append("---:|".repeat(STEP_COLUMNS.length + 2)).append('\n');
    for (Map.Entry<String, Map<String, Double>> s : fullSteps.entrySet()) {
      String step = s.getKey();
      Map<String, Double> f = s.getValue();
      md.append("| ").append(step).append(" | ");
      for (String[] c : STEP_COLUMNS) {
        Double v = f.get(c[0] + "_" + step);
        if (v != null && c[0].equals("input_bytes")) {
          v = v / 1e6;
        }
        md.append(fmt(v)).append(" | ");
      }
      md.append(fmt(sum(f, "", "_read", step)))
          .append(" | ")
          .append(fmt(sum(f, "rows_", "", step)))
          .append(" |\n");
    }
    if (fullSteps.isEmpty()) {
      md.append("| (no _run_steps: the pipeline failed, see ")
          .append(full.pipeline().log())
          .append(") |\n");
    }

    md.append("\n| measure | full | half | full / half |\n|---|---:|---:|---:|\n");
    row(
        md,
        "generate data: wall s",
        full.generate().wallSeconds(),
        half == null ? null : half.generate().wallSeconds());
    row(
        md,
        "generate data: CPU s",
        full.generate().cpuSeconds(),
        half == null ? null : half.generate().cpuSeconds());
    row(
        md,
        "pipeline: wall s (process"
            + status(full.pipeline(), half == null ? null : half.pipeline())
            + ")",
        full.pipeline().wallSeconds(),
        half == null ? null : half.pipeline().wallSeconds());
    row(
        md,
        "pipeline: sum of steps s",
        stepSeconds(fullSteps),
        half == null ? null : stepSeconds(halfSteps));
    row(
        md,
        "pipeline: CPU s",
        full.pipeline().cpuSeconds(),
        half == null ? null : half.pipeline().cpuSeconds());
    row(
        md,
        "pipeline: peak RSS MB",
        (double) full.pipeline().peakRssMb(),
        half == null ? null : (double) half.pipeline().peakRssMb());
    row(
        md,
        "baseline: wall s (process"
            + status(full.baseline(), half == null ? null : half.baseline())
            + ")",
        full.baseline().wallSeconds(),
        half == null ? null : half.baseline().wallSeconds());
    row(
        md,
        "baseline: CPU s",
        full.baseline().cpuSeconds(),
        half == null ? null : half.baseline().cpuSeconds());
    Double rFull = full.pipeline().wallSeconds() / full.baseline().wallSeconds();
    Double rHalf =
        half == null ? null : half.pipeline().wallSeconds() / half.baseline().wallSeconds();
    md.append(
        String.format(
            Locale.ROOT,
            "| **pipeline / baseline** (wall; target <= 4) | %s | %s | |%n",
            fmt(rFull),
            fmt(rHalf)));
    md.append(
        String.format(
            Locale.ROOT,
            "| pipeline / baseline (CPU) | %s | %s | |%n",
            fmt(full.pipeline().cpuSeconds() / full.baseline().cpuSeconds()),
            half == null
                ? "n/a"
                : fmt(half.pipeline().cpuSeconds() / half.baseline().cpuSeconds())));
    md.append(
        String.format(
            Locale.ROOT,
            "%n- **twice the data** (full / half pipeline wall time; target <= 2.1): %s%n",
            half == null
                ? "n/a"
                : fmt(full.pipeline().wallSeconds() / half.pipeline().wallSeconds())));
    if (incremental == null) {
      md.append("- **incremental night vs full refresh** (target <= 1/3): n/a: ")
          .append(
              append == null
                  ? "the launcher has no --full-refresh (incremental ingest not on this build)"
                  : "appending the new day failed, see " + append.log())
          .append('\n');
    } else {
      md.append(
          String.format(
              Locale.ROOT,
              "- **incremental night vs full refresh** (one new day on top of the history; target <= 0.33): "
                  + "%.1f s / %.1f s = %s (exit %d / %d)%n",
              incremental.wallSeconds(),
              refresh.wallSeconds(),
              fmt(incremental.wallSeconds() / refresh.wallSeconds()),
              incremental.exit(),
              refresh.exit()));
    }
    if (!incrementalSteps.isEmpty() && !refreshSteps.isEmpty()) {
      md.append(nightAgainstRefresh(incrementalSteps, refreshSteps));
    }
    if (somFigures.containsKey("ratio")) {
      md.append(
          String.format(
              Locale.ROOT,
              "- **SOM epoch vs MLlib k-means iteration** (%d rows, bin/benchmark-som defaults otherwise): SOM epoch "
                  + "%.3f s, k-means iteration %.3f s (row) / %.3f s (block), ratio %s (target <= 0.5)%n",
              o.somRows(),
              somFigures.get("som_epoch_s"),
              somFigures.get("kmeans_row_s"),
              somFigures.get("kmeans_block_s"),
              fmt(somFigures.get("ratio"))));
    } else {
      md.append("- SOM epoch vs MLlib k-means iteration: n/a (exit ")
          .append(som.exit())
          .append(", see ")
          .append(som.log())
          .append(")\n");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "- driver heap target (10M lines <= 8 GB): peak heap %s MB (from "
                + "_run_steps), peak RSS of the driver process %d MB at this size%n",
            fmt(maxFigure(fullSteps, "peak_heap_mb_")),
            full.pipeline().peakRssMb()));
    return md.toString();
  }

  /**
   * The incremental night and the full refresh of the same date step by step: where a normal night
   * still pays for the whole history.
   */
  static String nightAgainstRefresh(
      Map<String, Map<String, Double>> night, Map<String, Map<String, Double>> refresh) {
    StringBuilder md =
        new StringBuilder(
            "\n  | step | incremental s | jobs | full refresh s | jobs | incremental / refresh |\n"
                + "  |---|---:|---:|---:|---:|---:|\n");
    for (String step : refresh.keySet()) {
      Map<String, Double> n = night.getOrDefault(step, Map.of());
      Map<String, Double> r = refresh.get(step);
      Double ns = n.get("seconds_" + step);
      Double rs = r.get("seconds_" + step);
      md.append("  | ")
          .append(step)
          .append(" | ")
          .append(fmt(ns))
          .append(" | ")
          .append(fmt(n.get("jobs_" + step)))
          .append(" | ")
          .append(fmt(rs))
          .append(" | ")
          .append(fmt(r.get("jobs_" + step)))
          .append(" | ")
          .append(fmt(ns == null || rs == null || rs == 0 ? null : ns / rs))
          .append(" |\n");
    }
    return md.append('\n').toString();
  }

  private static String status(Measured full, Measured half) {
    boolean ok = full.ok() && (half == null || half.ok());
    return ok ? "" : ", FAILED: exit " + full.exit() + (half == null ? "" : " / " + half.exit());
  }

  private static void row(StringBuilder md, String name, Double full, Double half) {
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(fmt(full))
        .append(" | ")
        .append(fmt(half))
        .append(" | ")
        .append(full == null || half == null || half == 0 ? "n/a" : fmt(full / half))
        .append(" |\n");
  }

  private static Double stepSeconds(Map<String, Map<String, Double>> steps) {
    if (steps.isEmpty()) {
      return null;
    }
    double s = 0;
    for (Map.Entry<String, Map<String, Double>> e : steps.entrySet()) {
      Double v = e.getValue().get("seconds_" + e.getKey());
      s += v == null ? 0 : v;
    }
    return s;
  }

  private static Double maxFigure(Map<String, Map<String, Double>> steps, String prefix) {
    Double max = null;
    for (Map.Entry<String, Map<String, Double>> e : steps.entrySet()) {
      Double v = e.getValue().get(prefix + e.getKey());
      if (v != null) {
        max = max == null ? v : Math.max(max, v);
      }
    }
    return max;
  }

  /** Sum of the step's figures named prefix*suffix (rows_<table>, <source>_read); null when none. */
  private static Double sum(
      Map<String, Double> figures, String prefix, String suffix, String step) {
    Double total = null;
    for (Map.Entry<String, Double> e : figures.entrySet()) {
      String k = e.getKey();
      boolean match =
          suffix.isEmpty()
              ? k.startsWith(prefix)
              : k.endsWith(suffix) && !k.contains("quarantined");
      if (match && e.getValue() != null) {
        total = (total == null ? 0 : total) + e.getValue();
      }
    }
    return total;
  }

  private static String fmt(Double v) {
    if (v == null || v.isNaN() || v.isInfinite()) {
      return "n/a";
    }
    if (v == Math.rint(v) && Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,d", v.longValue());
    }
    return String.format(
        Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
  }

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return String.format(
              Locale.ROOT, "%.1f GB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1048576.0);
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return Runtime.getRuntime().maxMemory() / 1048576 + " MB (JVM max)";
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
