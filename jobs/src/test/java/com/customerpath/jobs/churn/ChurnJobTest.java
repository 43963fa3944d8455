package com.customerpath.jobs.churn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.churn.ChurnRiskModel;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.SampleRun;
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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The churn step on the sample data: its table, its figures and how many Spark jobs it costs. */
class ChurnJobTest {

  @Test
  void writesChurnRiskInAFewSparkJobs() throws Exception {
    JobContext ctx = SampleRun.context(SparkTestSession.tempDir("churn-step"), Map.of());
    JobRunner.runAll(ctx, List.of(new IngestJob()));
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart event) {
            jobs.incrementAndGet();
          }
        };
    ctx.spark().sparkContext().listenerBus().waitUntilEmpty(60_000);
    ctx.spark().sparkContext().addSparkListener(counter);
    StepResult result = new ChurnJob().run(ctx);
    ctx.spark().sparkContext().listenerBus().waitUntilEmpty(60_000);
    ctx.spark().sparkContext().removeSparkListener(counter);
    System.out.println(
        "Churn step on the sample data: " + jobs.get() + " Spark jobs; " + result.figures());
    // Before (BG/NBD fitted with one treeAggregate per likelihood evaluation, same data and
    // steps: fit, score, write): 535 jobs. Now two grouping queries, the write and one figures
    // pass.
    assertTrue(jobs.get() <= 25, "Spark jobs of the churn step: " + jobs.get());

    Dataset<Row> table = ctx.tables().read(ChurnJob.TABLE, ctx.date());
    long buyers =
        ChurnJob.purchases(
                ChurnJob.window(
                    CuratedTables.read(ctx.tables(), "transactions", ctx.date()),
                    ctx.date(),
                    ctx.settings().run().lookbackDays()))
            .select("customer_id")
            .distinct()
            .count();
    assertEquals(buyers, table.count(), "one row per buyer of the window");
    assertEquals(buyers, result.rowsWritten().get(ChurnJob.TABLE));
    for (String c : ChurnRiskModel.OUTPUTS) {
      assertEquals(0, table.filter(table.col(c).isNull()).count(), "nulls in " + c);
    }
    assertEquals(
        0, table.filter("p_alive < 0 or p_alive > 1 or p_alive > p_alive_model + 1e-12").count());
    assertEquals(0, table.filter("p_purchase > p_alive + 1e-12").count(), "P(buys) <= P(alive)");
    assertEquals(1.0, result.metrics().get("churn_model_mbg_nbd"));
    assertTrue(result.metrics().get("churn_log_likelihood") < 0);
    assertEquals("mbg-nbd", table.first().getAs("model"));
  }
}
