package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.AGE;
import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.RECENCY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Beta-geometric/NBD model (Fader, Hardie and Lee 2005, "Counting your customers the easy way")
 * on an {@link RfmSummary}: columns {@code frequency} x, {@code recency} t_x, {@code age} T.
 *
 * <p>Fitting groups the customers to distinct (x, t_x, T) triples with counts in Spark, then
 * maximises the log-likelihood over log(r, alpha, a, b) with BOBYQA on the driver; each
 * evaluation sums count * LL(x, t_x, T) over the triples (Spark treeAggregate, or a local loop
 * if the triples are few, see {@link FitOptions}).
 */
public final class BgNbd {
  public static final String MODEL = "BG/NBD";
  public static final String P_ALIVE = "p_alive";
  public static final String EXPECTED_PURCHASES = "expected_purchases";

  private static final double[] DEFAULT_START = {1, 1, 1, 1};
  /** Extra starts for restarts: low and high heterogeneity / dropout regimes. */
  private static final double[][] RESTART_POINTS = {
      {0.5, 5, 0.5, 3}, {2, 20, 2, 2}, {0.2, 1, 0.2, 0.5}, {5, 50, 5, 10}};

  private BgNbd() {}

  /** Fits with {@link FitOptions#defaults()}. */
  public static BgNbdParams fit(Dataset<Row> summary) {
    return fit(summary, FitOptions.defaults());
  }

  public static BgNbdParams fit(Dataset<Row> summary, FitOptions options) {
    validate(summary);
    try (GroupedLikelihood likelihood = GroupedLikelihood.group(summary,
        List.of(FREQUENCY, RECENCY, AGE), BgNbd::rowLogLikelihood, options.maxLocalRows())) {
      List<double[]> starts = MaximumLikelihood.starts(DEFAULT_START, RESTART_POINTS, options.restarts());
      MaximumLikelihood.Optimum optimum =
          MaximumLikelihood.maximise(likelihood::evaluate, starts, options.maxEvaluations());
      double[] p = optimum.params();
      return new BgNbdParams(p[0], p[1], p[2], p[3], optimum.logLikelihood(),
          optimum.evaluations());
    }
  }

  /** Total log-likelihood of {@code summary} at the given parameters (one Spark aggregate). */
  public static double logLikelihood(Dataset<Row> summary, double r, double alpha, double a,
      double b) {
    validate(summary);
    try (GroupedLikelihood likelihood = GroupedLikelihood.group(summary,
        List.of(FREQUENCY, RECENCY, AGE), BgNbd::rowLogLikelihood, 0)) {
      return likelihood.evaluate(new double[] {r, alpha, a, b});
    }
  }

  /**
   * Log-likelihood of one customer, FHL 2005 eq. (6) in logs:
   * LL = ln A1 + ln A2 + ln(exp(ln A3) + [x > 0] exp(ln A4)) with
   * ln A1 = lnG(r+x) - lnG(r) + r ln(alpha),
   * ln A2 = lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x),
   * ln A3 = -(r+x) ln(alpha+T),
   * ln A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+t_x).
   */
  public static double logLikelihood(double r, double alpha, double a, double b, double x,
      double recency, double age) {
    double lnA1 = Gamma.logGamma(r + x) - Gamma.logGamma(r) + r * Math.log(alpha);
    double lnA2 = Gamma.logGamma(a + b) + Gamma.logGamma(b + x) - Gamma.logGamma(b)
        - Gamma.logGamma(a + b + x);
    double lnA3 = -(r + x) * Math.log(alpha + age);
    if (x <= 0) {
      return lnA1 + lnA2 + lnA3;
    }
    double lnA4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + recency);
    double larger = Math.max(lnA3, lnA4);
    // log-sum-exp: A3 and A4 underflow separately for large x.
    return lnA1 + lnA2 + larger
        + Math.log(Math.exp(lnA3 - larger) + Math.exp(lnA4 - larger));
  }

  private static double rowLogLikelihood(double[] p, double[] row) {
    return logLikelihood(p[0], p[1], p[2], p[3], row[0], row[1], row[2]);
  }

  /**
   * P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), FHL 2005
   * eq. (11); 1 for x = 0 because the model lets customers drop out only right after a purchase.
   */
  public static double probabilityAlive(BgNbdParams p, double x, double recency, double age) {
    if (x <= 0) {
      return 1.0;
    }
    return 1.0 / (1.0 + oddsDead(p, x, recency, age));
  }

  private static double oddsDead(BgNbdParams p, double x, double recency, double age) {
    return p.a() / (p.b() + x - 1)
        * Math.exp((p.r() + x) * Math.log((p.alpha() + age) / (p.alpha() + recency)));
  }

  /**
   * E[Y(t) | x, t_x, T], FHL 2005 eq. (10):
   * [(a+b+x-1)/(a-1)] [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
   * divided by 1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x). Undefined at a = 1 exactly.
   */
  public static double expectedPurchases(BgNbdParams p, double t, double x, double recency,
      double age) {
    if (t == 0) {
      return 0.0;
    }
    double r = p.r();
    double alpha = p.alpha();
    double a = p.a();
    double b = p.b();
    double z = t / (alpha + age + t);
    double hyp = Hypergeometric.hyp2f1(r + x, b + x, a + b + x - 1, z);
    double discount = Math.exp((r + x) * Math.log((alpha + age) / (alpha + age + t)));
    double numerator = (a + b + x - 1) / (a - 1) * (1 - discount * hyp);
    double denominator = x > 0 ? 1 + oddsDead(p, x, recency, age) : 1;
    return numerator / denominator;
  }

  /** {@code p_alive} as a column expression (no UDF). */
  public static Column probabilityAliveColumn(BgNbdParams p, Column x, Column recency,
      Column age) {
    Column odds = lit(p.a()).divide(lit(p.b()).plus(x).minus(1))
        .multiply(pow(lit(p.alpha()).plus(age).divide(lit(p.alpha()).plus(recency)),
            lit(p.r()).plus(x)));
    return when(x.gt(0), lit(1.0).divide(lit(1.0).plus(odds))).otherwise(lit(1.0));
  }

  /** {@code expected_purchases} over the next {@code horizon} units (a UDF: 2F1 has no SQL form). */
  public static Column expectedPurchasesColumn(BgNbdParams p, double horizon, Column x,
      Column recency, Column age) {
    if (!(horizon >= 0) || Double.isInfinite(horizon)) {
      throw new IllegalArgumentException("horizon must be a finite number >= 0, got " + horizon);
    }
    UserDefinedFunction f = udf((UDF3<Double, Double, Double, Double>) (fx, ftx, fT) ->
        fx == null || ftx == null || fT == null ? null
            : expectedPurchases(p, horizon, fx, ftx, fT), DataTypes.DoubleType);
    return f.apply(x.cast("double"), recency.cast("double"), age.cast("double"));
  }

  /** Adds {@code p_alive} and {@code expected_purchases} (next {@code horizon} units). */
  public static Dataset<Row> score(Dataset<Row> summary, BgNbdParams p, double horizon) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, RECENCY, AGE));
    return summary
        .withColumn(P_ALIVE, probabilityAliveColumn(p, col(FREQUENCY), col(RECENCY), col(AGE)))
        .withColumn(EXPECTED_PURCHASES,
            expectedPurchasesColumn(p, horizon, col(FREQUENCY), col(RECENCY), col(AGE)));
  }

  static void validate(Dataset<Row> summary) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, RECENCY, AGE));
    Column x = col(FREQUENCY).cast("double");
    Column tx = col(RECENCY).cast("double");
    Column age = col(AGE).cast("double");
    SummaryChecks.require(MODEL, summary, List.of(
        SummaryChecks.notFinite(FREQUENCY),
        SummaryChecks.notFinite(RECENCY),
        SummaryChecks.notFinite(AGE),
        new SummaryChecks.Check(FREQUENCY, x.lt(0), "negative frequency"),
        new SummaryChecks.Check(FREQUENCY, x.notEqual(floor(x)),
            "a non-integer frequency (repeat purchase count)"),
        new SummaryChecks.Check(RECENCY, tx.lt(0), "negative recency"),
        new SummaryChecks.Check(RECENCY, tx.gt(age.plus(1e-9)), "recency greater than age"),
        new SummaryChecks.Check(AGE, age.lt(0), "negative age")));
  }
}
