package com.customerpath.jobs.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a step did: rows written per table and named figures (counts, model quality, seconds). */
public final class StepResult {
  private final String step;
  private final Map<String, Long> rowsWritten = new LinkedHashMap<>();
  private final Map<String, Double> metrics = new LinkedHashMap<>();

  public StepResult(String step) {
    this.step = step;
  }

  public String step() {
    return step;
  }

  public StepResult written(String table, long rows) {
    rowsWritten.put(table, rows);
    return this;
  }

  public StepResult metric(String name, double value) {
    metrics.put(name, value);
    return this;
  }

  public Map<String, Long> rowsWritten() {
    return Collections.unmodifiableMap(rowsWritten);
  }

  public Map<String, Double> metrics() {
    return Collections.unmodifiableMap(metrics);
  }

  /** Every figure as a flat name -> value map, as stored in run_steps and the manifest. */
  public Map<String, Double> figures() {
    Map<String, Double> all = new LinkedHashMap<>();
    rowsWritten.forEach((t, n) -> all.put("rows_" + t, n.doubleValue()));
    all.putAll(metrics);
    return all;
  }
}
