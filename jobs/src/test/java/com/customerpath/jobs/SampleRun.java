package com.customerpath.jobs;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.StepResult;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The nightly pipeline run once per test JVM on the bundled sample data (conf/local.conf), into a
 * temporary output root; end-to-end tests read its tables instead of each running it.
 */
public final class SampleRun {
  public static final LocalDate DATE = LocalDate.parse("2026-06-30");
  private static SampleRun instance;

  public final Path output;
  public final JobContext context;

  /** Each step's figures from the shared run (jobs_, stages_, seconds_<step> and its metrics). */
  public final Map<String, Map<String, Double>> stepFigures;

  private boolean evaluated;

  private SampleRun(Path output, JobContext context, List<StepResult> results) {
    this.output = output;
    this.context = context;
    Map<String, Map<String, Double>> figures = new java.util.LinkedHashMap<>();
    results.forEach(r -> figures.put(r.step(), Map.copyOf(r.figures())));
    this.stepFigures = Map.copyOf(figures);
  }

  public static synchronized SampleRun get() {
    if (instance == null) {
      Path output = SparkTestSession.tempDir("sample-run");
      JobContext ctx = context(output, Map.of());
      List<StepResult> results = JobRunner.runAll(ctx, NightlyPipeline.steps());
      instance = new SampleRun(output, ctx, results);
    }
    return instance;
  }

  /**
   * The shared run with the offline recommender evaluation added (as bin/evaluate-recommender adds
   * it), run once per JVM: the report and evaluation tests read the same table.
   */
  public static synchronized SampleRun withRecommenderEvaluation() {
    SampleRun run = get();
    if (!run.evaluated) {
      com.customerpath.jobs.runtime.JobRunner.runStep(
          run.context, new com.customerpath.jobs.recommend.RecommenderEvaluation());
      run.evaluated = true;
    }
    return run;
  }

  /** A context on conf/local.conf with inputs read from the project root and the given output. */
  public static JobContext context(Path output, Map<String, String> overrides) {
    return new JobContext(
        DATE, settings("conf/local.conf", output, overrides), SparkTestSession.get());
  }

  public static PipelineSettings settings(
      String confFile, Path output, Map<String, String> overrides) {
    Path root = SparkTestSession.projectRoot();
    Map<String, String> set = new HashMap<>(overrides);
    set.put("customerpath.input-root", root.toString());
    set.put("customerpath.output.root", output.toString());
    return PipelineSettings.from(ConfigLoader.load(root.resolve(confFile).toString(), set));
  }

  /**
   * A copy of the shared night's output root under a new temporary folder: a test that runs a step
   * again (a kept model's reuse branch) writes there, not into the shared run.
   */
  public static Path copyOfTheNight(String name) throws java.io.IOException {
    Path original = Path.of(get().context.tables().root());
    Path copy = SparkTestSession.tempDir(name);
    try (var files = Files.walk(original)) {
      for (Path f : files.toList()) {
        Path target = copy.resolve(original.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return copy;
  }

  /** Rows of a CSV file of the sample data's truth/ folder, without the header. */
  public static List<String[]> truth(String file) {
    try {
      List<String> lines =
          Files.readAllLines(
              SparkTestSession.projectRoot().resolve("sample-data/truth").resolve(file));
      return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("Cannot read sample-data/truth/" + file, e);
    }
  }
}
