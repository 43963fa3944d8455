package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.AGE;
import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.RECENCY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.special.Gamma;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The purchase ("buy till you die") models with parameters (r, alpha, a, b): purchase rates are
 * Gamma(r, alpha) across customers, the probability of dropping out is Beta(a, b).
 *
 * <ul>
 *   <li>{@link #BG_NBD} (Fader, Hardie and Lee 2005): a customer may drop out right after each
 *       repeat purchase, so a customer without a repeat purchase (x = 0) is always "alive".
 *   <li>{@link #MBG_NBD} (Batislam, Denizel and Filiztekin 2007): a customer may also drop out
 *       right after the first purchase, so P(alive) of one-time buyers falls with the time since
 *       it.
 * </ul>
 *
 * <p>Pareto/NBD, whose dropout can happen at any time, has parameters of another shape (r, alpha,
 * s, beta): {@link ParetoNbd}.
 */
public enum PurchaseModel {
  BG_NBD("BG/NBD", "bg-nbd", 0),
  MBG_NBD("MBG/NBD", "mbg-nbd", 1),
  /** {@link ParetoNbd}: dropout at any time; its (s, beta) are stored in the a and b slots. */
  PARETO_NBD("Pareto/NBD", "pareto-nbd", 0);

  private static final double[] DEFAULT_START = {1, 1, 1, 1};

  /** Extra starts for restarts: low and high heterogeneity / dropout regimes. */
  private static final double[][] RESTART_POINTS = {
    {0.5, 5, 0.5, 3}, {2, 20, 2, 2}, {0.2, 1, 0.2, 0.5}, {5, 50, 5, 10}
  };

  private final String label;
  private final String configName;

  /** 0 for BG/NBD, 1 for MBG/NBD: MBG/NBD counts the first purchase as a dropout opportunity. */
  private final int shift;

  PurchaseModel(String label, String configName, int shift) {
    this.label = label;
    this.configName = configName;
    this.shift = shift;
  }

  /** Name as printed in docs and errors ("BG/NBD"). */
  public String label() {
    return label;
  }

  /** Name in config ("bg-nbd"). */
  public String configName() {
    return configName;
  }

  /** The model named {@code name} in config ("bg-nbd", "mbg-nbd"). */
  public static PurchaseModel fromConfigName(String name) {
    for (PurchaseModel m : values()) {
      if (m.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "Unknown purchase model '"
            + name
            + "', expected one of "
            + Arrays.stream(values()).map(PurchaseModel::configName).toList());
  }

  /**
   * One customer's log-likelihood. BG/NBD (FHL 2005 eq. 6): lnG(r+x) - lnG(r) + r ln(alpha) + ln
   * B(a, b+x)/B(a, b) + ln((alpha+T)^-(r+x) + [x > 0] a/(b+x-1) (alpha+t_x)^-(r+x)). MBG/NBD
   * (Batislam et al. 2007): B(a, b+x+1)/B(a, b) and a/(b+x) (alpha+t_x)^-(r+x) for every x.
   */
  public double logLikelihood(
      double r, double alpha, double a, double b, double x, double recency, double age) {
    if (this == PARETO_NBD) {
      return ParetoNbd.logLikelihood(r, alpha, a, b, x, recency, age);
    }
    return logLikelihood(countTerms(r, alpha, a, b, x), r, alpha, a, b, x, recency, age);
  }

  /** lnA1 + lnA2 of BG/NBD and MBG/NBD: the terms of x and the parameters (six log-gammas). */
  private double countTerms(double r, double alpha, double a, double b, double x) {
    double lnA1 = Gamma.logGamma(r + x) - Gamma.logGamma(r) + r * Math.log(alpha);
    double lnA2 =
        Gamma.logGamma(a + b)
            + Gamma.logGamma(b + x + shift)
            - Gamma.logGamma(b)
            - Gamma.logGamma(a + b + x + shift);
    return lnA1 + lnA2;
  }

  /** The log-likelihood given its count terms (lnA1 + lnA2). */
  private double logLikelihood(
      double countTerms,
      double r,
      double alpha,
      double a,
      double b,
      double x,
      double recency,
      double age) {
    double lnA3 = -(r + x) * Math.log(alpha + age);
    if (x <= 0 && shift == 0) {
      return countTerms + lnA3;
    }
    double lnA4 = Math.log(a) - Math.log(b + x - 1 + shift) - (r + x) * Math.log(alpha + recency);
    double larger = Math.max(lnA3, lnA4);
    // log-sum-exp: A3 and A4 underflow separately for large x.
    return countTerms + larger + Math.log(Math.exp(lnA3 - larger) + Math.exp(lnA4 - larger));
  }

  /** A grouped row's log-likelihood, row = (x, t_x, T): the count terms once per x. */
  GroupedLikelihood.RowLogLikelihood rowLogLikelihood() {
    if (this == PARETO_NBD) {
      return (p, row) -> logLikelihood(p[0], p[1], p[2], p[3], row[0], row[1], row[2]);
    }
    return GroupedLikelihood.cachingFirstKey(
        (p, x) -> countTerms(p[0], p[1], p[2], p[3], x),
        (p, row, terms) -> logLikelihood(terms, p[0], p[1], p[2], p[3], row[0], row[1], row[2]));
  }

  /** Odds of being dead: a/(b+x-1+shift) ((alpha+T)/(alpha+t_x))^(r+x); 0 for BG/NBD with x = 0. */
  double oddsDead(BgNbdParams p, double x, double recency, double age) {
    if (x <= 0 && shift == 0) {
      return 0.0;
    }
    return p.a()
        / (p.b() + x - 1 + shift)
        * Math.exp((p.r() + x) * Math.log((p.alpha() + age) / (p.alpha() + recency)));
  }

  /** P(alive | x, t_x, T) = 1 / (1 + odds of being dead). */
  public double probabilityAlive(BgNbdParams p, double x, double recency, double age) {
    if (this == PARETO_NBD) {
      return ParetoNbd.probabilityAlive(ParetoNbd.of(p), x, recency, age);
    }
    return 1.0 / (1.0 + oddsDead(p, x, recency, age));
  }

  /**
   * E[Y(t) | x, t_x, T] = (a+b+x-1+s)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+s;
   * a+b+x-1+s; t/(alpha+T+t))] P(alive), with s = 0 (BG/NBD, FHL 2005 eq. 10) or 1 (MBG/NBD).
   * Undefined at a = 1 exactly.
   */
  public double expectedPurchases(BgNbdParams p, double t, double x, double recency, double age) {
    if (t == 0) {
      return 0.0;
    }
    if (this == PARETO_NBD) {
      return ParetoNbd.expectedPurchases(ParetoNbd.of(p), t, x, recency, age);
    }
    double r = p.r();
    double alpha = p.alpha();
    double a = p.a();
    double b = p.b();
    double z = t / (alpha + age + t);
    double hyp = Hypergeometric.hyp2f1(r + x, b + x + shift, a + b + x - 1 + shift, z);
    double discount = Math.exp((r + x) * Math.log((alpha + age) / (alpha + age + t)));
    double numerator = (a + b + x - 1 + shift) / (a - 1) * (1 - discount * hyp);
    return numerator * probabilityAlive(p, x, recency, age);
  }

  /**
   * P(at least one purchase in the next t units | x, t_x, T) = P(alive) (1 -
   * ((alpha+T)/(alpha+T+t))^(r+x)): a customer alive now can only drop out after a purchase, so "no
   * purchase in t" given alive is E[exp(-lambda t)] over the posterior Gamma(r+x, alpha+T) of the
   * rate.
   */
  public double probabilityPurchase(BgNbdParams p, double t, double x, double recency, double age) {
    if (this == PARETO_NBD) {
      return ParetoNbd.probabilityPurchase(ParetoNbd.of(p), t, x, recency, age);
    }
    double none = Math.exp((p.r() + x) * Math.log((p.alpha() + age) / (p.alpha() + age + t)));
    return probabilityAlive(p, x, recency, age) * (1 - none);
  }

  /** {@code p_alive} as a column: an expression, a UDF for Pareto/NBD (2F1 per customer). */
  public Column probabilityAliveColumn(BgNbdParams p, Column x, Column recency, Column age) {
    if (this == PARETO_NBD) { // 2F1 per customer: a UDF
      ParetoNbd.Params q = ParetoNbd.of(p);
      return CustomerScoreColumn.of(
          (xv, txv, tv) -> ParetoNbd.probabilityAlive(q, xv, txv, tv), x, recency, age);
    }
    Column odds =
        lit(p.a())
            .divide(lit(p.b() - 1 + shift).plus(x))
            .multiply(
                pow(
                    lit(p.alpha()).plus(age).divide(lit(p.alpha()).plus(recency)),
                    lit(p.r()).plus(x)));
    Column alive = lit(1.0).divide(lit(1.0).plus(odds));
    return shift == 0 ? when(x.gt(0), alive).otherwise(lit(1.0)) : alive;
  }

  /**
   * Fits on an {@link RfmSummary} (frequency, recency, age): one Spark job groups the customers to
   * distinct (x, t_x, T) with counts and validates them; BOBYQA then runs on the driver.
   */
  public PurchaseFit fit(Dataset<Row> summary, FitOptions options) {
    SummaryChecks.requireNumericColumns(label, summary, List.of(FREQUENCY, RECENCY, AGE));
    double res = options.timeResolution();
    List<Column> keys = List.of(col(FREQUENCY), bin(col(RECENCY), res), bin(col(AGE), res));
    GroupedLikelihood likelihood =
        GroupedLikelihood.group(label, summary, keys, checks(), rowLogLikelihood());
    List<double[]> starts =
        MaximumLikelihood.starts(
            DEFAULT_START,
            this == PARETO_NBD ? ParetoNbd.RESTART_POINTS : RESTART_POINTS,
            options.restarts());
    MaximumLikelihood.Optimum optimum =
        MaximumLikelihood.maximise(likelihood::evaluate, starts, options.maxEvaluations());
    double[] p = optimum.params();
    BgNbdParams params =
        new BgNbdParams(p[0], p[1], p[2], p[3], optimum.logLikelihood(), optimum.evaluations());
    return new PurchaseFit(
        this,
        params,
        typicalInterPurchaseTime(likelihood.rows()),
        likelihood.distinctRows(),
        (long) likelihood.customers());
  }

  /** Total log-likelihood of {@code summary} at the given parameters (exact keys). */
  public double logLikelihood(Dataset<Row> summary, double r, double alpha, double a, double b) {
    SummaryChecks.requireNumericColumns(label, summary, List.of(FREQUENCY, RECENCY, AGE));
    GroupedLikelihood likelihood =
        GroupedLikelihood.group(
            label,
            summary,
            List.of(col(FREQUENCY), col(RECENCY), col(AGE)),
            checks(),
            rowLogLikelihood());
    return likelihood.evaluate(new double[] {r, alpha, a, b});
  }

  /**
   * Rounds to multiples of {@code resolution} (0 = unchanged); monotone, so t_x <= T stays true.
   */
  static Column bin(Column c, double resolution) {
    Column d = c.cast("double");
    return resolution > 0 ? round(d.divide(resolution)).multiply(resolution) : d;
  }

  /**
   * Weighted median over repeat buyers of their mean inter-purchase time t_x / x: the population's
   * typical gap between purchases, used for one-time buyers by the idle rule.
   */
  static double typicalInterPurchaseTime(double[][] rows) {
    List<double[]> gaps = new ArrayList<>();
    double total = 0;
    for (double[] row : rows) {
      if (row[0] > 0) {
        gaps.add(new double[] {row[1] / row[0], row[3]});
        total += row[3];
      }
    }
    if (gaps.isEmpty()) {
      return Double.NaN;
    }
    gaps.sort(Comparator.comparingDouble(g -> g[0]));
    double seen = 0;
    for (double[] g : gaps) {
      seen += g[1];
      if (seen >= total / 2) {
        return g[0];
      }
    }
    return gaps.get(gaps.size() - 1)[0];
  }

  /** The rules every (x, t_x, T) summary row must meet, for every purchase model. */
  static List<SummaryChecks.Check> checks() {
    Column x = col(FREQUENCY).cast("double");
    Column tx = col(RECENCY).cast("double");
    Column age = col(AGE).cast("double");
    return List.of(
        SummaryChecks.notFinite(FREQUENCY),
        SummaryChecks.notFinite(RECENCY),
        SummaryChecks.notFinite(AGE),
        new SummaryChecks.Check(FREQUENCY, x.lt(0), "negative frequency"),
        new SummaryChecks.Check(
            FREQUENCY, x.notEqual(floor(x)), "a non-integer frequency (repeat purchase count)"),
        new SummaryChecks.Check(RECENCY, tx.lt(0), "negative recency"),
        new SummaryChecks.Check(RECENCY, tx.gt(age.plus(1e-9)), "recency greater than age"),
        new SummaryChecks.Check(AGE, age.lt(0), "negative age"));
  }
}
