package com.customerpath.jobs.personas;

import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.StepResult;
import com.customerpath.testing.SparkTestSession;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The personas step on the sample data's features costs a bounded number of Spark jobs: k is
 * chosen on the driver from the SOM codebook, not by one distributed k-means per k.
 */
class PersonasJobCountTest {

  @Test
  void thePersonasStepRunsFewSparkJobs() throws IOException {
    JobContext sample = SampleRun.get().context;
    // A fresh output root holding only tonight's features: no previous night, nothing else.
    Path root = SparkTestSession.tempDir("personas-jobs");
    for (String table : new String[] {FeaturesJob.TABLE, FeaturesJob.CONTEXT_TABLE}) {
      copy(Path.of(sample.tables().partitionPath(table, SampleRun.DATE)),
          root.resolve(table).resolve("dt=" + SampleRun.DATE));
    }
    JobContext ctx = SampleRun.context(root, Map.of());
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter = new SparkListener() {
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
    System.out.printf("Spark jobs of the personas step on the sample data: %d (k %s)%n", jobs.get(),
        result.metrics().get("personas_k_selected"));
    assertTrue(jobs.get() <= 60, "personas step ran " + jobs.get() + " Spark jobs");
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
