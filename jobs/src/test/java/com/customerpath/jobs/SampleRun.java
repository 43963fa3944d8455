package com.customerpath.jobs;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
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

  private SampleRun(Path output, JobContext context) {
    this.output = output;
    this.context = context;
  }

  public static synchronized SampleRun get() {
    if (instance == null) {
      Path output = SparkTestSession.tempDir("sample-run");
      JobContext ctx = context(output, Map.of());
      JobRunner.runAll(ctx, NightlyPipeline.steps());
      instance = new SampleRun(output, ctx);
    }
    return instance;
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
