package com.customerpath.jobs.churn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.churn.ChurnRiskModel;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.runtime.JobContext;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The churn step on the sample data: its table, its figures and how many Spark jobs it costs. */
class ChurnJobTest {

  @Test
  void writesChurnRiskInAFewSparkJobs() {
    // The shared sample night ran the churn step; its figures are the step's result.
    SampleRun run = SampleRun.get();
    JobContext ctx = run.context;
    Map<String, Double> result = run.stepFigures.get("churn");
    double jobs = result.get("jobs_churn");
    System.out.println("Churn step on the sample data: " + (long) jobs + " Spark jobs; " + result);
    // Before (BG/NBD fitted with one treeAggregate per likelihood evaluation, same data and
    // steps: fit, score, write): 535 jobs. Now two grouping queries, the write and one figures
    // pass.
    assertTrue(jobs <= 25, "Spark jobs of the churn step: " + jobs);

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
    assertEquals((double) buyers, result.get("rows_" + ChurnJob.TABLE));
    for (String c : ChurnRiskModel.OUTPUTS) {
      assertEquals(0, table.filter(table.col(c).isNull()).count(), "nulls in " + c);
    }
    assertEquals(
        0, table.filter("p_alive < 0 or p_alive > 1 or p_alive > p_alive_model + 1e-12").count());
    assertEquals(0, table.filter("p_purchase > p_alive + 1e-12").count(), "P(buys) <= P(alive)");
    assertEquals(1.0, result.get("churn_model_mbg_nbd"));
    assertTrue(result.get("churn_log_likelihood") < 0);
    assertEquals("mbg-nbd", table.first().getAs("model"));
  }

  /**
   * churn.model = pareto-nbd on the same night's purchases: every buyer scored, in range. Extended
   * phase (the sample step with a setting the sample night does not use); ParetoNbdTest fits the
   * model itself in the default phase.
   */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void paretoNbdScoresEveryBuyerOfTheSampleNightWhenChosen() {
    SampleRun run = SampleRun.get();
    JobContext ctx = run.context;
    com.customerpath.common.config.ChurnSettings pareto =
        SampleRun.settings(
                "conf/local.conf",
                com.customerpath.testing.SparkTestSession.tempDir("churn-pareto"),
                Map.of("customerpath.churn.model", "pareto-nbd"))
            .churn();
    Dataset<Row> transactions =
        ChurnJob.window(
            CuratedTables.read(ctx.tables(), "transactions", ctx.date()),
            ctx.date(),
            ctx.settings().run().lookbackDays());
    ChurnJob.Scored scored = ChurnJob.score(transactions, ctx.date(), pareto);
    Dataset<Row> table = scored.table().cache();
    Dataset<Row> nightly = ctx.tables().read(ChurnJob.TABLE, ctx.date());
    assertEquals(nightly.count(), table.count(), "the same buyers as the night's MBG/NBD table");
    for (String c : ChurnRiskModel.OUTPUTS) {
      assertEquals(0, table.filter(table.col(c).isNull()).count(), "nulls in " + c);
    }
    assertEquals(
        0,
        table
            .filter(
                "p_alive < 0 or p_alive > 1 or p_purchase < 0 or p_purchase > p_alive + 1e-12"
                    + " or expected_purchases < 0")
            .count());
    assertEquals("pareto-nbd", table.first().getAs("model"));
    assertTrue(scored.model().bgNbd().logLikelihood() < 0);
    System.out.println(
        "Pareto/NBD on the sample night: "
            + scored.model().bgNbd()
            + ", mean p_alive "
            + table.agg(org.apache.spark.sql.functions.avg("p_alive")).first().getDouble(0));
    table.unpersist();
    scored.release();
  }
}
