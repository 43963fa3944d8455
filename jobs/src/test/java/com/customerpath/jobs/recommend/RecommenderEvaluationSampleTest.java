package com.customerpath.jobs.recommend;

import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end on the bundled sample data's shared nightly run for 2026-06-30, then the
 * offline evaluation (cut-off 2026-05-01, whose personas it builds itself). The hybrid's NDCG@10
 * must beat global popularity by at least 20%.
 */
class RecommenderEvaluationSampleTest {
  static final LocalDate RUN = LocalDate.parse("2026-06-30");

  @Test
  void hybridBeatsGlobalPopularityOnTheSample() {
    // The shared nightly run of the sample data (SampleRun) provides the curated tables.
    JobContext ctx = com.customerpath.jobs.SampleRun.get().context;
    JobRunner.runStep(ctx, new RecommenderEvaluation());

    Map<String, Double> v = new HashMap<>();
    List<Row> rows = ctx.tables().read(RecommenderEvaluation.TABLE, RUN).collectAsList();
    rows.forEach(r -> v.put(r.getString(0) + "@" + r.getInt(1) + ":" + r.getString(2), r.getDouble(3)));
    assertEquals(3 * 2 * RecommenderEvaluation.METRICS.size(), rows.size());
    double hybrid = v.get("hybrid@10:ndcg");
    double popularity = v.get("global_popularity@10:ndcg");
    double als = v.get("als@10:ndcg");
    System.out.printf("sample NDCG@10: hybrid %.4f, global popularity %.4f, ALS %.4f%n", hybrid, popularity, als);
    assertTrue(hybrid >= 1.2 * popularity, "hybrid NDCG@10 " + hybrid + " vs popularity " + popularity);
    assertEquals(1.0, v.get("hybrid@10:served"), 1e-9);
    assertEquals(1.0, v.get("global_popularity@10:served"), 1e-9);
    assertTrue(v.get("als@10:served") < 1.0, "ALS alone cannot serve customers without history");
  }
}
