package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.AGE;
import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.RECENCY;
import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The Pareto/NBD model (Schmittlein, Morrison and Colombo 1987): purchase rates are Gamma(r, alpha)
 * across customers and, unlike BG/NBD, a customer may drop out at any time, not only right after a
 * purchase: lifetimes are exponential with rates Gamma(s, beta). Formulas from Fader and Hardie, "A
 * Note on Deriving the Pareto/NBD Model and Related Expressions" (2005).
 *
 * <p>Its likelihood needs, per customer, a difference of two Gauss hypergeometric terms A0 (below)
 * at z = |alpha - beta| / (max(alpha, beta) + t): small near the optimum of real data (CDNOW: z
 * below 0.1), close to 1 only far from it, where a term that does not converge in {@link
 * Hypergeometric#MAX_TERMS} makes the point invalid for the optimizer. Fitted on the driver over
 * the distinct (x, t_x, T) rows, like {@link PurchaseModel}.
 */
public final class ParetoNbd {
  private static final double[] DEFAULT_START = {1, 1, 1, 1};
  private static final double[][] RESTART_POINTS = {
    {0.5, 5, 0.5, 5}, {2, 20, 2, 20}, {0.2, 1, 0.2, 1}, {5, 50, 1, 50}
  };

  /** Fitted parameters: purchase Gamma(r, alpha), dropout Gamma(s, beta). */
  public record Params(
      double r, double alpha, double s, double beta, double logLikelihood, int evaluations) {}

  private ParetoNbd() {}

  /**
   * ln A0 with A0 = 2F1(r+s+x, b2; r+s+x+1; z(t_x)) / (m+t_x)^(r+s+x) - 2F1(..., z(T)) /
   * (m+T)^(r+s+x), m = max(alpha, beta); for alpha >= beta, b2 = s+1 and z(t) = (alpha-beta) /
   * (alpha+t), else b2 = r+x and z(t) = (beta-alpha)/(beta+t). -infinity when A0 = 0 (t_x = T).
   */
  static double logA0(
      double r, double alpha, double s, double beta, double x, double tx, double t) {
    double m = Math.max(alpha, beta);
    double b2 = alpha >= beta ? s + 1 : r + x;
    double a = r + s + x;
    double diff = Math.abs(alpha - beta);
    double f1 = Hypergeometric.hyp2f1(a, b2, a + 1, diff / (m + tx));
    double f2 = Hypergeometric.hyp2f1(a, b2, a + 1, diff / (m + t));
    // Both terms scaled by (m + t_x)^(r+s+x): the second is f2 ((m+t_x)/(m+T))^(r+s+x) <= f2.
    double inner = f1 - f2 * Math.exp(a * (Math.log(m + tx) - Math.log(m + t)));
    return inner > 0 ? Math.log(inner) - a * Math.log(m + tx) : Double.NEGATIVE_INFINITY;
  }

  /**
   * One customer's log-likelihood: lnG(r+x) - lnG(r) + r ln(alpha) + s ln(beta) + ln[
   * (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0 ]. NaN where 2F1 does not converge.
   */
  public static double logLikelihood(
      double r, double alpha, double s, double beta, double x, double tx, double t) {
    double lnA0;
    try {
      lnA0 = logA0(r, alpha, s, beta, x, tx, t);
    } catch (ArithmeticException notConverged) {
      return Double.NaN;
    }
    double lnL1 = -(r + x) * Math.log(alpha + t) - s * Math.log(beta + t);
    double lnL2 = Math.log(s / (r + s + x)) + lnA0;
    double larger = Math.max(lnL1, lnL2);
    return Gamma.logGamma(r + x)
        - Gamma.logGamma(r)
        + r * Math.log(alpha)
        + s * Math.log(beta)
        + larger
        + Math.log(Math.exp(lnL1 - larger) + Math.exp(lnL2 - larger));
  }

  /** P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0). */
  public static double probabilityAlive(Params p, double x, double tx, double t) {
    double lnOdds =
        Math.log(p.s() / (p.r() + p.s() + x))
            + (p.r() + x) * Math.log(p.alpha() + t)
            + p.s() * Math.log(p.beta() + t)
            + logA0(p.r(), p.alpha(), p.s(), p.beta(), x, tx, t);
    return 1.0 / (1.0 + Math.exp(lnOdds));
  }

  /**
   * E[Y(h) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+h))^(s-1)]
   * P(alive); at s = 1 the bracket over (s-1) is its limit ln((beta+T+h)/(beta+T)).
   */
  public static double expectedPurchases(Params p, double h, double x, double tx, double t) {
    if (h == 0) {
      return 0.0;
    }
    double ratio = Math.log((p.beta() + t + h) / (p.beta() + t));
    double s1 = p.s() - 1;
    double growth = Math.abs(s1) < 1e-9 ? ratio : (1 - Math.exp(-s1 * ratio)) / s1;
    return (p.r() + x) * (p.beta() + t) / (p.alpha() + t) * growth * probabilityAlive(p, x, tx, t);
  }

  /**
   * Fits on an {@link RfmSummary} (frequency, recency, age): one Spark job groups the customers to
   * distinct (x, t_x, T) with counts and validates them; BOBYQA then runs on the driver.
   */
  public static Params fit(Dataset<Row> summary, FitOptions options) {
    SummaryChecks.requireNumericColumns("Pareto/NBD", summary, List.of(FREQUENCY, RECENCY, AGE));
    double res = options.timeResolution();
    List<Column> keys =
        List.of(
            col(FREQUENCY), PurchaseModel.bin(col(RECENCY), res), PurchaseModel.bin(col(AGE), res));
    GroupedLikelihood likelihood =
        GroupedLikelihood.group(
            "Pareto/NBD",
            summary,
            keys,
            PurchaseModel.checks(),
            (p, row) -> logLikelihood(p[0], p[1], p[2], p[3], row[0], row[1], row[2]));
    MaximumLikelihood.Optimum optimum =
        MaximumLikelihood.maximise(
            likelihood::evaluate,
            MaximumLikelihood.starts(DEFAULT_START, RESTART_POINTS, options.restarts()),
            options.maxEvaluations());
    double[] p = optimum.params();
    return new Params(p[0], p[1], p[2], p[3], optimum.logLikelihood(), optimum.evaluations());
  }
}
