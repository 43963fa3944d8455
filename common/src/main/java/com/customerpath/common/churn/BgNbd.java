package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.AGE;
import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.RECENCY;
import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Beta-geometric/NBD model (Fader, Hardie and Lee 2005, "Counting your customers the easy way") on
 * an {@link RfmSummary}: columns {@code frequency} x, {@code recency} t_x, {@code age} T.
 *
 * <p>Fitting groups the customers to distinct (x, t_x, T) triples with counts in one Spark job,
 * then maximises the log-likelihood over log(r, alpha, a, b) with BOBYQA on the driver; each
 * evaluation sums count * LL(x, t_x, T) over the collected triples (see {@link FitOptions}).
 */
public final class BgNbd {
  public static final String MODEL = "BG/NBD";
  public static final String P_ALIVE = "p_alive";
  public static final String EXPECTED_PURCHASES = "expected_purchases";

  private BgNbd() {}

  /** Fits with {@link FitOptions#defaults()}. */
  public static BgNbdParams fit(Dataset<Row> summary) {
    return fit(summary, FitOptions.defaults());
  }

  public static BgNbdParams fit(Dataset<Row> summary, FitOptions options) {
    return PurchaseModel.BG_NBD.fit(summary, options).params();
  }

  /** Total log-likelihood of {@code summary} at the given parameters (one Spark job). */
  public static double logLikelihood(
      Dataset<Row> summary, double r, double alpha, double a, double b) {
    return PurchaseModel.BG_NBD.logLikelihood(summary, r, alpha, a, b);
  }

  /** Log-likelihood of one customer, FHL 2005 eq. (6) in logs; see {@link PurchaseModel}. */
  public static double logLikelihood(
      double r, double alpha, double a, double b, double x, double recency, double age) {
    return PurchaseModel.BG_NBD.logLikelihood(r, alpha, a, b, x, recency, age);
  }

  /**
   * P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), FHL 2005 eq.
   * (11); 1 for x = 0 because the model lets customers drop out only right after a purchase.
   */
  public static double probabilityAlive(BgNbdParams p, double x, double recency, double age) {
    return PurchaseModel.BG_NBD.probabilityAlive(p, x, recency, age);
  }

  /** E[Y(t) | x, t_x, T], FHL 2005 eq. (10); see {@link PurchaseModel#expectedPurchases}. */
  public static double expectedPurchases(
      BgNbdParams p, double t, double x, double recency, double age) {
    return PurchaseModel.BG_NBD.expectedPurchases(p, t, x, recency, age);
  }

  /** {@code p_alive} as a column expression (no UDF). */
  public static Column probabilityAliveColumn(BgNbdParams p, Column x, Column recency, Column age) {
    return PurchaseModel.BG_NBD.probabilityAliveColumn(p, x, recency, age);
  }

  /**
   * {@code expected_purchases} over the next {@code horizon} units (a UDF: 2F1 has no SQL form).
   */
  public static Column expectedPurchasesColumn(
      PurchaseModel model, BgNbdParams p, double horizon, Column x, Column recency, Column age) {
    if (!(horizon >= 0) || Double.isInfinite(horizon)) {
      throw new IllegalArgumentException("horizon must be a finite number >= 0, got " + horizon);
    }
    return CustomerScoreColumn.of(
        (fx, ftx, fT) -> model.expectedPurchases(p, horizon, fx, ftx, fT), x, recency, age);
  }

  /** Adds {@code p_alive} and {@code expected_purchases} (next {@code horizon} units). */
  public static Dataset<Row> score(Dataset<Row> summary, BgNbdParams p, double horizon) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, RECENCY, AGE));
    return summary
        .withColumn(P_ALIVE, probabilityAliveColumn(p, col(FREQUENCY), col(RECENCY), col(AGE)))
        .withColumn(
            EXPECTED_PURCHASES,
            expectedPurchasesColumn(
                PurchaseModel.BG_NBD, p, horizon, col(FREQUENCY), col(RECENCY), col(AGE)));
  }
}
