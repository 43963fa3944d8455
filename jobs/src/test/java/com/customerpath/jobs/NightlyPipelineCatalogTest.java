package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.catalog.PipelineCatalog;
import com.customerpath.jobs.runtime.NightlyStep;
import java.util.List;
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
}
