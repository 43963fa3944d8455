package com.customerpath.jobs;

import com.customerpath.common.catalog.PipelineCatalog;
import com.customerpath.common.catalog.PipelineCatalog.StepSpec;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole nightly run for one date: the steps of {@link PipelineCatalog}, in its order, in one
 * Spark session; {@code --job NAME} (repeatable) runs only those steps.
 */
public final class NightlyPipeline {
  private NightlyPipeline() {}

  /** Every step, in the order they run. */
  public static List<NightlyStep> steps() {
    return steps(PipelineCatalog.stepNames());
  }

  /**
   * One step by its catalog name: tools that run an upstream step (the evaluations run ingest,
   * features and personas when their outputs are missing) get it here, so no step imports another.
   */
  public static NightlyStep step(String name) {
    return steps(List.of(name)).get(0);
  }

  /** The named steps (catalog names), in the catalog's order. */
  public static List<NightlyStep> steps(List<String> names) {
    names.forEach(PipelineCatalog::step); // an unknown name fails naming the known ones
    List<NightlyStep> out = new ArrayList<>();
    for (StepSpec spec : PipelineCatalog.steps()) {
      if (names.contains(spec.name())) {
        out.add(instantiate(spec));
      }
    }
    return out;
  }

  private static NightlyStep instantiate(StepSpec spec) {
    try {
      NightlyStep step =
          (NightlyStep) Class.forName(spec.className()).getDeclaredConstructor().newInstance();
      if (!step.name().equals(spec.name())) {
        throw new IllegalStateException(
            "Step class "
                + spec.className()
                + " calls itself '"
                + step.name()
                + "' but the catalog names it '"
                + spec.name()
                + "'");
      }
      return step;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "Cannot create step '" + spec.name() + "' from class " + spec.className() + ": " + e, e);
    }
  }

  public static void main(String[] args) {
    List<String> rest = new ArrayList<>();
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--job") && i + 1 < args.length) {
        jobs.add(args[++i]);
      } else {
        rest.add(args[i]);
      }
    }
    List<NightlyStep> steps;
    try {
      steps = jobs.isEmpty() ? steps() : steps(jobs);
    } catch (IllegalArgumentException e) {
      System.err.println("ERROR: " + e.getMessage());
      System.exit(2);
      return;
    }
    JobRunner.main(rest.toArray(String[]::new), steps);
  }
}
