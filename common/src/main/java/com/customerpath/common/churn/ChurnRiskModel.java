package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.AGE;
import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.MONETARY;
import static com.customerpath.common.churn.RfmSummary.RECENCY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Churn risk and expected value per customer: a {@link PurchaseModel} (BG/NBD, MBG/NBD or
 * Pareto/NBD) for "still a customer?" and future purchase counts, Gamma-Gamma for spend per
 * purchase, both fitted on one {@link RfmSummary}, plus an optional {@link IdleRule}.
 *
 * <p>{@link #score} keeps the input columns and adds {@code p_alive}, {@code churn_probability} (1
 * - p_alive), {@code expected_purchases} (next {@code horizon} units), {@code expected_avg_value},
 * {@code expected_value} = expected_purchases x expected_avg_value (undiscounted), {@code
 * p_purchase} (at least one purchase in the horizon), {@code p_alive_model} (before the idle rule)
 * and {@code idle_overdue}.
 */
public final class ChurnRiskModel {
  /** The pipeline table of the scores (step "churn"). */
  public static final String TABLE = "churn_risk";

  public static final String P_ALIVE = BgNbd.P_ALIVE;
  public static final String CHURN_PROBABILITY = "churn_probability";
  public static final String EXPECTED_PURCHASES = BgNbd.EXPECTED_PURCHASES;
  public static final String EXPECTED_AVG_VALUE = GammaGamma.EXPECTED_AVG_VALUE;
  public static final String EXPECTED_VALUE = "expected_value";
  public static final String P_PURCHASE = "p_purchase";
  public static final String P_ALIVE_MODEL = "p_alive_model";
  public static final String IDLE_OVERDUE = "idle_overdue";

  /** Columns {@link #score} adds, in order. */
  public static final List<String> OUTPUTS =
      List.of(
          P_ALIVE,
          CHURN_PROBABILITY,
          EXPECTED_PURCHASES,
          EXPECTED_AVG_VALUE,
          EXPECTED_VALUE,
          P_PURCHASE,
          P_ALIVE_MODEL,
          IDLE_OVERDUE);

  /**
   * Customers idle for longer than {@code multiple} times their usual inter-purchase time (t_x / x;
   * for one-time buyers the population's typical one, {@link PurchaseFit#typicalInterPurchaseTime})
   * are "overdue": their P(alive) is capped at {@code cap}, so they are never reported as safely
   * alive. Expected purchases and P(purchase) scale with P(alive). {@code multiple} = 0 turns the
   * rule off.
   */
  public record IdleRule(double multiple, double cap) {
    public static final IdleRule OFF = new IdleRule(0, 1);

    public IdleRule {
      if (!(multiple >= 0) || Double.isInfinite(multiple)) {
        throw new IllegalArgumentException("idle multiple must be >= 0, got " + multiple);
      }
      if (!(cap > 0 && cap <= 1)) {
        throw new IllegalArgumentException("idle cap must be in (0, 1], got " + cap);
      }
    }
  }

  private final PurchaseFit purchase;
  private final GammaGammaParams gammaGamma;
  private final double repeatBuyersMeanSpend;
  private final double horizon;
  private final IdleRule idle;

  public ChurnRiskModel(
      PurchaseFit purchase,
      GammaGammaParams gammaGamma,
      double repeatBuyersMeanSpend,
      double horizon,
      IdleRule idle) {
    if (!(horizon >= 0) || Double.isInfinite(horizon)) {
      throw new IllegalArgumentException("horizon must be a finite number >= 0, got " + horizon);
    }
    this.purchase = purchase;
    this.gammaGamma = gammaGamma;
    this.repeatBuyersMeanSpend = repeatBuyersMeanSpend;
    this.horizon = horizon;
    this.idle = idle;
  }

  /**
   * Fits the purchase model on every customer and Gamma-Gamma on those with frequency > 0 and a
   * positive average spend: the spend model is defined for positive values only (real data such as
   * CDNOW has repeat purchases of $0). Every customer is scored. Two Spark jobs (one grouping per
   * model); the optimizers run on the driver.
   *
   * @param summary output of {@link RfmSummary}: frequency, recency, age, monetary
   * @param horizon prediction horizon in the summary's time units (e.g. 52 weeks)
   */
  public static ChurnRiskModel fit(
      Dataset<Row> summary,
      double horizon,
      PurchaseModel model,
      FitOptions options,
      IdleRule idle) {
    SummaryChecks.requireNumericColumns(
        "churn risk model", summary, List.of(FREQUENCY, RECENCY, AGE, MONETARY));
    PurchaseFit purchase = model.fit(summary, options);
    GammaGamma.Fit gg =
        GammaGamma.fitWithMean(
            summary.where(col(FREQUENCY).equalTo(0).or(col(MONETARY).gt(0))), options);
    return new ChurnRiskModel(purchase, gg.params(), gg.repeatBuyersMeanSpend(), horizon, idle);
  }

  /** BG/NBD, no idle rule. */
  public static ChurnRiskModel fit(Dataset<Row> summary, double horizon, FitOptions options) {
    return fit(summary, horizon, PurchaseModel.BG_NBD, options, IdleRule.OFF);
  }

  public static ChurnRiskModel fit(Dataset<Row> summary, double horizon) {
    return fit(summary, horizon, FitOptions.defaults());
  }

  public PurchaseFit purchase() {
    return purchase;
  }

  public BgNbdParams bgNbd() {
    return purchase.params();
  }

  public GammaGammaParams gammaGamma() {
    return gammaGamma;
  }

  public double horizon() {
    return horizon;
  }

  /**
   * Whether Gamma-Gamma's mean is usable (q > 1). If not (an infinite mean spend; it happens on
   * small or heavy-tailed data) {@code expected_avg_value} is the customer's observed mean repeat
   * spend, and the repeat buyers' mean for one-time buyers.
   */
  public boolean gammaGammaUsable() {
    return gammaGamma.q() > 1;
  }

  /** Input columns (minus any earlier scores, which are replaced) followed by {@link #OUTPUTS}. */
  public Dataset<Row> score(Dataset<Row> summary) {
    SummaryChecks.requireNumericColumns(
        "churn risk model", summary, List.of(FREQUENCY, RECENCY, AGE, MONETARY));
    Column x = col(FREQUENCY).cast("double");
    Column m = col(MONETARY).cast("double");
    Dataset<Row> purchases = scorePurchases(summary, purchase, horizon, idle);
    Column avgValue;
    if (gammaGammaUsable()) {
      avgValue = GammaGamma.expectedAverageValueColumn(gammaGamma, x, m);
    } else {
      avgValue =
          when(x.gt(0), m)
              .otherwise(lit(Double.isFinite(repeatBuyersMeanSpend) ? repeatBuyersMeanSpend : 0.0));
    }
    Dataset<Row> scored =
        purchases
            .withColumn(EXPECTED_AVG_VALUE, avgValue)
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

  /**
   * The purchase model's scores alone (no spend model): adds p_alive_model, p_alive (after the idle
   * rule), idle_overdue, churn_probability, expected_purchases and p_purchase over {@code horizon}
   * units.
   */
  public static Dataset<Row> scorePurchases(
      Dataset<Row> summary, PurchaseFit purchase, double horizon, IdleRule idle) {
    PurchaseModel model = purchase.model();
    BgNbdParams p = purchase.params();
    Column x = col(FREQUENCY).cast("double");
    Column tx = col(RECENCY).cast("double");
    Column age = col(AGE).cast("double");
    // P(alive) is a column of its own, read by what follows: for Pareto/NBD it is a UDF (2F1),
    // and written inline it would be evaluated once per use.
    Column pModel = col(P_ALIVE_MODEL);
    Column pAlive = pModel;
    Column overdue = lit(false);
    double typical = purchase.typicalInterPurchaseTime();
    if (idle.multiple() > 0) {
      Column gap =
          when(x.gt(0), tx.divide(x))
              .otherwise(Double.isFinite(typical) && typical > 0 ? lit(typical) : lit(null));
      Column idleTime = age.minus(tx);
      Column threshold = gap.multiply(idle.multiple());
      overdue =
          when(gap.isNotNull().and(gap.gt(0)).and(idleTime.gt(threshold)), true).otherwise(false);
      pAlive = when(overdue, least(pModel, lit(idle.cap()))).otherwise(pModel);
    }
    // P(no purchase in the horizon | alive now).
    Column noPurchase;
    Column expected;
    if (model == PurchaseModel.PARETO_NBD) { // it may also drop out before buying again
      ParetoNbd.Params q = ParetoNbd.of(p);
      noPurchase =
          CustomerScoreColumn.of(
              (xv, txv, tv) -> ParetoNbd.probabilityNoPurchaseIfAlive(q, horizon, xv, tv),
              x,
              tx,
              age);
      // E[Y] = P(alive) x E[Y | alive]; the conditional part is closed form (no 2F1).
      expected =
          ParetoNbd.expectedPurchasesIfAliveColumn(q, horizon, x, age).multiply(col(P_ALIVE));
    } else {
      noPurchase =
          pow(
              lit(p.alpha()).plus(age).divide(lit(p.alpha() + horizon).plus(age)),
              lit(p.r()).plus(x));
      // E[Y] = P(alive) x E[Y | alive]: the idle rule scales it with P(alive).
      expected =
          BgNbd.expectedPurchasesColumn(model, p, horizon, x, tx, age)
              .multiply(col(P_ALIVE))
              .divide(greatest(col(P_ALIVE_MODEL), lit(Double.MIN_NORMAL)));
    }
    return summary
        .withColumn(P_ALIVE_MODEL, model.probabilityAliveColumn(p, x, tx, age))
        .withColumn(P_ALIVE, pAlive)
        .withColumn(IDLE_OVERDUE, overdue)
        .withColumn(CHURN_PROBABILITY, lit(1.0).minus(col(P_ALIVE)))
        .withColumn(EXPECTED_PURCHASES, expected)
        .withColumn(P_PURCHASE, col(P_ALIVE).multiply(lit(1.0).minus(noPurchase)));
  }
}
