package com.customerpath.jobs.recommend;

import com.customerpath.common.churn.ChurnRiskModel;
import com.customerpath.common.churn.FitOptions;
import com.customerpath.common.churn.RfmSummary;
import com.customerpath.common.config.PipelineSettings.ChurnRiskSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import java.time.LocalDate;

import static org.apache.spark.sql.functions.col;

/** churn_risk: BG/NBD + Gamma-Gamma (common.churn) fitted on the run's purchases, distributed. */
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
    return model.score(summary).select("customer_id", "frequency", "recency", "age", "monetary",
        ChurnRiskModel.P_ALIVE, ChurnRiskModel.CHURN_PROBABILITY, ChurnRiskModel.EXPECTED_PURCHASES,
        ChurnRiskModel.EXPECTED_AVG_VALUE, ChurnRiskModel.EXPECTED_VALUE);
  }
}
