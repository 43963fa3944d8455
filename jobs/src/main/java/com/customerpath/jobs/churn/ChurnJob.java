package com.customerpath.jobs.churn;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.churn.ChurnRiskModel;
import com.customerpath.common.churn.RfmSummary;
import com.customerpath.common.config.ChurnSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Step "churn" (after ingest; before recommendations, which reads its table): fits the configured
 * purchase model (MBG/NBD or BG/NBD) and Gamma-Gamma on the purchases of the look-back window and
 * writes churn_risk, one row per buyer. The fit runs on the driver over the grouped summary.
 */
public final class ChurnJob implements NightlyStep {
  public static final String TABLE = ChurnRiskModel.TABLE;

  /** Curated transactions, as written by ingest. */
  static final String TRANSACTIONS = CuratedTables.table("transactions");

  /**
   * The churn_risk rows, the fitted model and the persisted summary behind them (release it with
   * {@link #release()} once the rows are written).
   */
  public record Scored(Dataset<Row> table, ChurnRiskModel model, Dataset<Row> summary) {
    public void release() {
      summary.unpersist();
    }
  }

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new ChurnJob()));
  }

  @Override
  public String name() {
    return "churn";
  }

  /** Purchases (quantity > 0) as (customer_id, ts, amount) for the RFM summary. */
  public static Dataset<Row> purchases(Dataset<Row> transactions) {
    return transactions
        .filter(col("quantity").gt(0).and(col("customer_id").isNotNull()))
        .select(
            col("customer_id"),
            col("ts"),
            col("quantity").cast("double").multiply(col("unit_price").cast("double")).as("amount"));
  }

  /** Transactions of the {@code lookbackDays} days ending on {@code date}. */
  public static Dataset<Row> window(Dataset<Row> transactions, LocalDate date, int lookbackDays) {
    Column day = functions.to_date(col("ts"));
    return transactions.filter(
        day.geq(lit(java.sql.Date.valueOf(date.minusDays(lookbackDays - 1L))))
            .and(day.leq(lit(java.sql.Date.valueOf(date)))));
  }

  /**
   * Fits on the purchases up to {@code date} and scores every customer who bought: customer_id,
   * frequency, recency, age (units), monetary, then {@link ChurnRiskModel#OUTPUTS}, model,
   * horizon_days.
   */
  public static Scored score(Dataset<Row> transactions, LocalDate date, ChurnSettings s) {
    Dataset<Row> summary =
        new RfmSummary(date, s.unitDays())
            .transform(purchases(transactions))
            .persist(StorageLevel.MEMORY_AND_DISK());
    ChurnRiskModel model =
        ChurnRiskModel.fit(summary, s.horizonUnits(), s.model(), s.fit(), s.idle());
    Dataset<Row> table =
        model
            .score(summary)
            .withColumn("model", lit(s.model().configName()))
            .withColumn("horizon_days", lit(s.horizonDays()));
    return new Scored(table, model, summary);
  }

  @Override
  public StepResult run(JobContext ctx) {
    ChurnSettings s = ctx.settings().churn();
    LocalDate date = ctx.date();
    int lookbackDays = ctx.settings().run().lookbackDays();
    Dataset<Row> transactions =
        window(
            CuratedTables.readRecent(ctx.tables(), "transactions", date, lookbackDays),
            date,
            lookbackDays);
    Scored scored = score(transactions, date, s);
    StepResult result = new StepResult(name());
    result.written(TABLE, ctx.tables().write(TABLE, date, scored.table()));
    scored.release();
    ChurnRiskModel m = scored.model();
    // Figures are numbers: the model's name is in the figure's name, its log-likelihood beside it.
    result.metric("churn_model_" + s.model().configName().replace('-', '_'), 1);
    result.metric("churn_log_likelihood", m.bgNbd().logLikelihood());
    result.metric("churn_gamma_gamma_log_likelihood", m.gammaGamma().logLikelihood());
    result.metric("churn_gamma_gamma_fallback", m.gammaGammaUsable() ? 0 : 1);
    result.metric("churn_fit_grouped_rows", m.purchase().groupedRows());
    result.metric(
        "churn_typical_inter_purchase_days",
        m.purchase().typicalInterPurchaseTime() * s.unitDays());
    Column idleDays = col("age").minus(col("recency")).multiply(s.unitDays());
    Row f =
        ctx.tables()
            .read(TABLE, date)
            .agg(
                avg(ChurnRiskModel.P_ALIVE),
                sum(ChurnRiskModel.EXPECTED_VALUE),
                avg(when(col(ChurnRiskModel.IDLE_OVERDUE), 1.0).otherwise(0.0)),
                count(when(idleDays.gt(365), 1)),
                count(when(idleDays.gt(365).and(col(ChurnRiskModel.P_ALIVE).gt(0.9)), 1)))
            .first();
    result.metric("churn_mean_p_alive", f.isNullAt(0) ? 0 : f.getDouble(0));
    result.metric("churn_expected_value_total", f.isNullAt(1) ? 0 : f.getDouble(1));
    result.metric("churn_idle_overdue_share", f.isNullAt(2) ? 0 : f.getDouble(2));
    // The blind spot's figure: of the customers idle for over a year, the share still "safely
    // alive".
    long idleYear = f.getLong(3);
    result.metric("churn_idle_over_365_days", idleYear);
    result.metric(
        "churn_idle_over_365_days_p_alive_above_0_9_share",
        idleYear == 0 ? 0 : (double) f.getLong(4) / idleYear);
    return result;
  }
}
