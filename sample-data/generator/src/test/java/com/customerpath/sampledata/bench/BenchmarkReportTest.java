package com.customerpath.sampledata.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's incremental-night table: each step beside its full refresh, with the ratio. */
class BenchmarkReportTest {
  @Test
  void eachStepOfTheIncrementalNightIsSetBesideTheFullRefresh() {
    Map<String, Map<String, Double>> night = new LinkedHashMap<>();
    night.put("ingest", Map.of("seconds_ingest", 10.0, "jobs_ingest", 22.0));
    night.put("recommendations", Map.of("seconds_recommendations", 40.0));
    Map<String, Map<String, Double>> refresh = new LinkedHashMap<>();
    refresh.put("ingest", Map.of("seconds_ingest", 40.0, "jobs_ingest", 16.0));
    refresh.put("recommendations", Map.of("seconds_recommendations", 80.0));
    refresh.put("report", Map.of("seconds_report", 4.0));
    String table = Benchmark.nightAgainstRefresh(night, refresh);
    assertTrue(table.contains("| ingest | 10.0 | 22.0 | 40.0 | 16.0 | 0.25 |"), table);
    assertTrue(table.contains("| recommendations | 40.0 | n/a | 80.0 | n/a | 0.50 |"), table);
    assertTrue(table.contains("| report | n/a | n/a | 4.00 | n/a | n/a |"), table);
  }
}
