package com.customerpath.common.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The catalog is consistent, and the files generated from it are up to date. */
class PipelineCatalogTest {

  @Test
  void stepsComeAfterTheirDependenciesAndReadWrittenTables() {
    PipelineCatalog.validate();
    Set<String> owners = new HashSet<>();
    for (PipelineCatalog.TableSpec t : PipelineCatalog.tables()) {
      assertTrue(owners.add(t.name()), "table written by two steps: " + t.name());
      assertTrue(!t.description().isBlank(), "table without a description: " + t.name());
    }
  }

  @Test
  void unknownStepNamesTheKnownOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PipelineCatalog.step("persona"));
    assertTrue(
        e.getMessage().contains("'persona'") && e.getMessage().contains("personas"),
        e.getMessage());
  }

  @Test
  void airflowTaskListIsGeneratedFromTheCatalog() throws Exception {
    Path json =
        SparkTestSession.projectRoot().resolve("airflow-dags/customer_path/pipeline_steps.json");
    assertEquals(
        PipelineCatalog.stepsJson(),
        Files.readString(json),
        json
            + " is out of date; replace it with PipelineCatalog.stepsJson():\n"
            + PipelineCatalog.stepsJson());
  }

  @Test
  void architecturePictureIsGeneratedFromTheCatalog() throws Exception {
    Path doc = SparkTestSession.projectRoot().resolve("docs/architecture.md");
    String text = Files.readString(doc);
    String block = text.substring(text.indexOf("```mermaid\n") + "```mermaid\n".length());
    block = block.substring(0, block.indexOf("```"));
    assertEquals(
        PipelineCatalog.mermaid(),
        block,
        doc
            + " is out of date; its mermaid block must be PipelineCatalog.mermaid():\n"
            + PipelineCatalog.mermaid());
  }
}
