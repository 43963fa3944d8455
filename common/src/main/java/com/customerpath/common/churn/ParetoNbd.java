package com.customerpath.common.churn;

import org.apache.commons.math3.special.Gamma;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

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
  /** Extra starts for restarts (the default start is the other models'). */
  static final double[][] RESTART_POINTS = {
    {0.5, 5, 0.5, 5}, {2, 20, 2, 20}, {0.2, 1, 0.2, 1}, {5, 50, 1, 50}
  };

  /** Fitted parameters: purchase Gamma(r, alpha), dropout Gamma(s, beta). */
  public record Params(
      double r, double alpha, double s, double beta, double logLikelihood, int evaluations)
      implements java.io.Serializable {}

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
    return h == 0 ? 0.0 : expectedPurchasesIfAlive(p, h, x, t) * probabilityAlive(p, x, tx, t);
  }

  /** E[Y(h) | alive now, x, T]: the factor of {@link #expectedPurchases} before P(alive). */
  public static double expectedPurchasesIfAlive(Params p, double h, double x, double t) {
    if (h == 0) {
      return 0.0;
    }
    double ratio = Math.log((p.beta() + t + h) / (p.beta() + t));
    double s1 = p.s() - 1;
    double growth = Math.abs(s1) < 1e-9 ? ratio : (1 - Math.exp(-s1 * ratio)) / s1;
    return (p.r() + x) * (p.beta() + t) / (p.alpha() + t) * growth;
  }

  /**
   * {@link #expectedPurchasesIfAlive} as a SQL column (closed form: no UDF), null where an input is
   * null.
   */
  public static Column expectedPurchasesIfAliveColumn(Params p, double h, Column x, Column t) {
    if (h == 0) {
      return functions.when(x.isNotNull().and(t.isNotNull()), functions.lit(0.0));
    }
    Column bt = functions.lit(p.beta()).plus(t);
    Column ratio = functions.log(bt.plus(h).divide(bt));
    double s1 = p.s() - 1;
    Column growth =
        Math.abs(s1) < 1e-9
            ? ratio
            : functions.lit(1.0).minus(functions.exp(ratio.multiply(-s1))).divide(s1);
    return functions
        .lit(p.r())
        .plus(x)
        .multiply(bt)
        .divide(functions.lit(p.alpha()).plus(t))
        .multiply(growth);
  }

  /**
   * P(no purchase in the next h units | alive now, x, T): the customer either survives the h units
   * without buying, or drops out at some tau before h without buying first. With the rates'
   * posterior given alive, Gamma(r+x, alpha+T) and Gamma(s, beta+T), independent:
   * ((alpha+T)/(alpha+T+h))^(r+x) ((beta+T)/(beta+T+h))^s + integral_0^h s/(beta+T+tau)
   * ((beta+T)/(beta+T+tau))^s ((alpha+T)/(alpha+T+tau))^(r+x) dtau, the integral by Simpson's rule
   * (smooth and monotone integrand; 1,000 intervals give about 1e-10).
   */
  public static double probabilityNoPurchaseIfAlive(Params p, double h, double x, double t) {
    if (h <= 0) {
      return 1.0;
    }
    double a = p.alpha() + t;
    double b = p.beta() + t;
    double shape = p.r() + x;
    java.util.function.DoubleUnaryOperator dying =
        tau ->
            p.s()
                / (b + tau)
                * Math.exp(p.s() * Math.log(b / (b + tau)) + shape * Math.log(a / (a + tau)));
    int n = 1000;
    double step = h / n;
    double sum = dying.applyAsDouble(0) + dying.applyAsDouble(h);
    for (int i = 1; i < n; i++) {
      sum += (i % 2 == 1 ? 4 : 2) * dying.applyAsDouble(i * step);
    }
    double survives = Math.exp(shape * Math.log(a / (a + h)) + p.s() * Math.log(b / (b + h)));
    return survives + sum * step / 3;
  }

  /** P(at least one purchase in the next h units | x, t_x, T) = P(alive) (1 - P(none | alive)). */
  public static double probabilityPurchase(Params p, double h, double x, double tx, double t) {
    return probabilityAlive(p, x, tx, t) * (1 - probabilityNoPurchaseIfAlive(p, h, x, t));
  }

  /** The parameters as stored in a {@link PurchaseFit}: a and b hold s and beta. */
  static Params of(BgNbdParams stored) {
    return new Params(
        stored.r(),
        stored.alpha(),
        stored.a(),
        stored.b(),
        stored.logLikelihood(),
        stored.iterations());
  }

  /**
   * Fits on an {@link RfmSummary} (frequency, recency, age): one Spark job groups the customers to
   * distinct (x, t_x, T) with counts and validates them; BOBYQA then runs on the driver.
   */
  public static Params fit(Dataset<Row> summary, FitOptions options) {
    return of(PurchaseModel.PARETO_NBD.fit(summary, options).params());
  }
}
