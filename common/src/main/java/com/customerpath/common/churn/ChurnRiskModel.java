package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.AGE;
import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.MONETARY;
import static com.customerpath.common.churn.RfmSummary.RECENCY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Churn risk and expected value per customer: BG/NBD for "still a customer?" and future purchase
 * counts, Gamma-Gamma for spend per purchase, both fitted on one {@link RfmSummary}.
 *
 * <p>{@link #score} keeps the input columns and adds {@code p_alive}, {@code churn_probability}
 * (1 - p_alive), {@code expected_purchases} (next {@code horizon} units), {@code
 * expected_avg_value} and {@code expected_value} = expected_purchases x expected_avg_value
 * (undiscounted).
 */
public final class ChurnRiskModel {
  public static final String P_ALIVE = BgNbd.P_ALIVE;
  public static final String CHURN_PROBABILITY = "churn_probability";
  public static final String EXPECTED_PURCHASES = BgNbd.EXPECTED_PURCHASES;
  public static final String EXPECTED_AVG_VALUE = GammaGamma.EXPECTED_AVG_VALUE;
  public static final String EXPECTED_VALUE = "expected_value";
  /** Columns {@link #score} adds, in order. */
  public static final List<String> OUTPUTS = List.of(P_ALIVE, CHURN_PROBABILITY,
      EXPECTED_PURCHASES, EXPECTED_AVG_VALUE, EXPECTED_VALUE);

  private final BgNbdParams bgNbd;
  private final GammaGammaParams gammaGamma;
  private final double horizon;

  public ChurnRiskModel(BgNbdParams bgNbd, GammaGammaParams gammaGamma, double horizon) {
    if (!(horizon >= 0) || Double.isInfinite(horizon)) {
      throw new IllegalArgumentException("horizon must be a finite number >= 0, got " + horizon);
    }
    this.bgNbd = bgNbd;
    this.gammaGamma = gammaGamma;
    this.horizon = horizon;
  }

  /**
   * Fits BG/NBD on every customer and Gamma-Gamma on those with frequency > 0 and a positive
   * average spend: the spend model is defined for positive values only (real data such as
   * CDNOW has repeat purchases of $0). Every customer is scored.
   *
   * @param summary output of {@link RfmSummary}: frequency, recency, age, monetary
   * @param horizon prediction horizon in the summary's time units (e.g. 52 weeks)
   */
  public static ChurnRiskModel fit(Dataset<Row> summary, double horizon, FitOptions options) {
    SummaryChecks.requireNumericColumns("churn risk model", summary,
        List.of(FREQUENCY, RECENCY, AGE, MONETARY));
    BgNbdParams bg = BgNbd.fit(summary, options);
    GammaGammaParams gg = GammaGamma.fit(summary.where(functions.col(FREQUENCY).equalTo(0)
        .or(functions.col(MONETARY).gt(0))), options);
    return new ChurnRiskModel(bg, gg, horizon);
  }

  public static ChurnRiskModel fit(Dataset<Row> summary, double horizon) {
    return fit(summary, horizon, FitOptions.defaults());
  }

  public BgNbdParams bgNbd() {
    return bgNbd;
  }

  public GammaGammaParams gammaGamma() {
    return gammaGamma;
  }

  public double horizon() {
    return horizon;
  }

  /** Input columns (minus any earlier scores, which are replaced) followed by {@link #OUTPUTS}. */
  public Dataset<Row> score(Dataset<Row> summary) {
    Dataset<Row> withPurchases = BgNbd.score(summary, bgNbd, horizon);
    Dataset<Row> scored = GammaGamma.score(withPurchases, gammaGamma)
        .withColumn(CHURN_PROBABILITY, lit(1.0).minus(col(P_ALIVE)))
        .withColumn(EXPECTED_VALUE, col(EXPECTED_PURCHASES).multiply(col(EXPECTED_AVG_VALUE)));
    List<Column> ordered = new ArrayList<>();
    for (String input : summary.columns()) {
      if (!OUTPUTS.contains(input)) {
        ordered.add(col(input));
      }
    }
    OUTPUTS.forEach(output -> ordered.add(col(output)));
    return scored.select(ordered.toArray(new Column[0]));
  }
}
