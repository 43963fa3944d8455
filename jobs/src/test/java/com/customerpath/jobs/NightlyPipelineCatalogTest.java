package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.catalog.PipelineCatalog;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The nightly run is built from the catalog: every catalog step is a class that names itself alike.
 */
class NightlyPipelineCatalogTest {

  @Test
  void everyCatalogStepRunsInCatalogOrder() {
    List<String> names = NightlyPipeline.steps().stream().map(NightlyStep::name).toList();
    assertEquals(PipelineCatalog.stepNames(), names);
  }

  @Test
  void selectedStepsKeepTheCatalogOrderAndUnknownNamesAreRefused() {
    List<String> names =
        NightlyPipeline.steps(List.of("report", "ingest")).stream().map(NightlyStep::name).toList();
    assertEquals(List.of("ingest", "report"), names);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> NightlyPipeline.steps(List.of("featurs")));
    assertTrue(
        e.getMessage().contains("'featurs'") && e.getMessage().contains("features"),
        e.getMessage());
  }

  /**
   * A step's code does not use another step's package, by import or by a qualified name: shared
   * tables are named in the catalog, shared computations live in common or jobs/runtime, and the
   * evaluation commands get the steps they run from the catalog ({@link NightlyPipeline#step}).
   */
  @Test
  void noStepImportsAnotherStepsCode() throws Exception {
    Path jobs = SparkTestSession.projectRoot().resolve("jobs/src/main/java/com/customerpath/jobs");
    Pattern used = Pattern.compile("com\\.customerpath\\.jobs\\.(\\w+)\\.");
    List<String> found = new ArrayList<>();
    for (String step : PipelineCatalog.stepNames()) {
      String pkg = "recommendations".equals(step) ? "recommend" : step;
      try (var files = Files.walk(jobs.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = used.matcher(Files.readString(f));
          while (m.find()) {
            String other = m.group(1);
            if (!other.equals(pkg) && !other.equals("runtime")) {
              found.add(jobs.relativize(f) + " uses com.customerpath.jobs." + other);
            }
          }
        }
      }
    }
    assertEquals(List.of(), found);
  }
}
