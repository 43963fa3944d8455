package com.customerpath.jobs.personas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.StepResult;
import com.customerpath.testing.SparkTestSession;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

/**
 * The personas step on the sample data's features costs a bounded number of Spark jobs: k is chosen
 * on the driver from the SOM codebook, not by one distributed k-means per k.
 */
class PersonasJobCountTest {

  @Test
  void thePersonasStepRunsFewSparkJobs() {
    // Its own output root with tonight's features only (no previous night); no full pipeline
    // needed.
    JobContext ctx = SampleRun.context(SparkTestSession.tempDir("personas-jobs"), Map.of());
    JobRunner.runAll(ctx, List.of(new IngestJob(), new FeaturesJob()));
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart jobStart) {
            jobs.incrementAndGet();
          }
        };
    ctx.spark().sparkContext().addSparkListener(counter);
    StepResult result;
    try {
      result = new PersonasJob().run(ctx);
    } finally {
      ctx.spark().sparkContext().removeSparkListener(counter);
    }
    System.out.printf(
        "Spark jobs of the personas step on the sample data: %d (k %s)%n",
        jobs.get(), result.metrics().get("personas_k_selected"));
    // 175 on main's sample run (event log) when each k ran MLlib k-means and ClusteringEvaluator;
    // 71 after: the SOM's passes (one per epoch) and the table writes make most of them.
    assertTrue(jobs.get() <= 80, "personas step ran " + jobs.get() + " Spark jobs");
    assertEquals(6.0, result.metrics().get("personas_k_selected"));
  }
}
