package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

/**
 * Counts the Spark jobs of the recommendations step on the sample data's shared run (a
 * SparkListener; no UI needed): the step is run again on the same inputs and its jobs counted.
 */
class RecommendationsJobCountTest {
  /**
   * Spark jobs the recommendations step may launch on the sample data (churn has its own step).
   * Measured 314 on main after the merge (the blend's validation fits ALS a second time): the bound
   * catches an action inside a per-customer or per-product loop, which would add thousands.
   */
  static final int MAX_JOBS = 400;

  static final AtomicInteger churnJobs = new AtomicInteger();

  static int countJobs(Runnable r) {
    AtomicInteger jobs = new AtomicInteger();
    churnJobs.set(0);
    SparkListener l =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            jobs.incrementAndGet();
            if (scala.jdk.javaapi.CollectionConverters.asJava(start.stageInfos()).stream()
                .anyMatch(
                    st ->
                        st.details().contains("churn")
                            || st.details().contains("GroupedLikelihood"))) {
              churnJobs.incrementAndGet();
            }
          }
        };
    var sc = SampleRun.get().context.spark().sparkContext();
    sc.addSparkListener(l);
    try {
      r.run();
      // Events are delivered asynchronously: wait until the bus is empty.
      sc.listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not drain in 60 s", e);
    } finally {
      sc.removeSparkListener(l);
    }
    return jobs.get();
  }

  @Test
  void recommendationsStepLaunchesFewSparkJobs() {
    JobContext ctx = SampleRun.get().context;
    int jobs = countJobs(() -> JobRunner.runStep(ctx, new RecommendationsJob()));
    System.out.printf(
        "recommendations step: %d Spark jobs, %d of them churn fitting%n", jobs, churnJobs.get());
    // Any churn-fitting job would be a regression (churn is its own step): counted apart, printed.
    int own = jobs - churnJobs.get();
    assertTrue(
        own <= MAX_JOBS,
        "recommendations step launched "
            + own
            + " Spark jobs besides churn, expected <= "
            + MAX_JOBS);
  }
}
