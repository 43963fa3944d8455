package com.customerpath.jobs.recommend;

import com.customerpath.common.churn.BgNbd;
import com.customerpath.common.churn.ChurnRiskModel;
import com.customerpath.common.churn.FitOptions;
import com.customerpath.common.churn.RfmSummary;
import com.customerpath.common.config.PipelineSettings.ChurnRiskSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

import java.time.LocalDate;

import static org.apache.spark.sql.functions.col;

/**
 * churn_risk: BG/NBD + Gamma-Gamma (common.churn) fitted on the run's purchases, distributed.
 * When Gamma-Gamma's fitted q is <= 1 (infinite mean spend; it happens on the sample data) the
 * expected value per purchase is the customer's observed mean repeat-purchase value instead.
 */
public final class ChurnRisk {
  private ChurnRisk() {}

  /** Purchases (quantity > 0) as (customer_id, ts, amount) for the RFM summary. */
  public static Dataset<Row> purchases(Dataset<Row> transactions) {
    return transactions.filter(col("quantity").gt(0).and(col("customer_id").isNotNull()))
        .select(col("customer_id"), col("ts"),
            col("quantity").cast("double").multiply(col("unit_price").cast("double")).as("amount"));
  }

  /** customer_id, frequency, recency, age, monetary, p_alive, churn_probability, expected_purchases, expected_value. */
  public static Dataset<Row> score(Dataset<Row> transactions, LocalDate runDate, ChurnRiskSettings s) {
    Dataset<Row> summary = new RfmSummary(runDate, s.unitDays()).transform(purchases(transactions))
        .persist(StorageLevel.MEMORY_AND_DISK());
    double horizon = s.horizonDays() / s.unitDays();
    ChurnRiskModel model = ChurnRiskModel.fit(summary, horizon, FitOptions.distributed());
    Dataset<Row> scored;
    if (model.gammaGamma().q() > 1) {
      scored = model.score(summary);
    } else {
      // Gamma-Gamma fitted q <= 1: its mean spend per purchase is infinite. Fall back to the
      // customer's observed mean repeat-purchase value (the repeat buyers' mean for one-time buyers).
      Dataset<Row> bg = BgNbd.score(summary, model.bgNbd(), horizon);
      Dataset<Row> mean = summary.filter(col("frequency").gt(0)).agg(functions.avg("monetary").as("mean_monetary"));
      scored = bg.crossJoin(functions.broadcast(mean))
          .withColumn(ChurnRiskModel.EXPECTED_AVG_VALUE, functions.when(col("frequency").gt(0), col("monetary"))
              .otherwise(functions.coalesce(col("mean_monetary"), functions.lit(0.0))))
          .withColumn(ChurnRiskModel.CHURN_PROBABILITY, functions.lit(1.0).minus(col(ChurnRiskModel.P_ALIVE)))
          .withColumn(ChurnRiskModel.EXPECTED_VALUE,
              col(ChurnRiskModel.EXPECTED_PURCHASES).multiply(col(ChurnRiskModel.EXPECTED_AVG_VALUE)));
    }
    return scored.select("customer_id", "frequency", "recency", "age", "monetary",
        ChurnRiskModel.P_ALIVE, ChurnRiskModel.CHURN_PROBABILITY, ChurnRiskModel.EXPECTED_PURCHASES,
        ChurnRiskModel.EXPECTED_AVG_VALUE, ChurnRiskModel.EXPECTED_VALUE);
  }
}
