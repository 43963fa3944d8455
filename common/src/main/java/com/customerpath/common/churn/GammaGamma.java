package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.MONETARY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and
 * Hardie 2013, "The Gamma-Gamma model of monetary value") on an {@link RfmSummary}: columns {@code
 * frequency} x and {@code monetary} m_x, the mean value of the x repeat transactions. Only
 * customers with x > 0 inform the fit. Fitted like {@link BgNbd}: distinct (x, m_x) pairs with
 * counts collected by one Spark job, BOBYQA over log(p, q, v) on the driver.
 */
public final class GammaGamma {
  public static final String MODEL = "Gamma-Gamma";
  public static final String EXPECTED_AVG_VALUE = "expected_avg_value";

  private static final double[] DEFAULT_START = {1, 1, 1};
  private static final double[][] RESTART_POINTS = {{5, 3, 15}, {1, 5, 50}, {20, 10, 5}};

  private GammaGamma() {}

  public static GammaGammaParams fit(Dataset<Row> summary) {
    return fit(summary, FitOptions.defaults());
  }

  /**
   * One Spark job groups the summary by (x, binned m_x) and validates it; BOBYQA then runs on the
   * driver over the groups with x > 0.
   */
  public static GammaGammaParams fit(Dataset<Row> summary, FitOptions options) {
    return fitWithMean(summary, options).params();
  }

  /** The fit and the repeat buyers' mean spend per purchase (from the same grouping). */
  record Fit(GammaGammaParams params, double repeatBuyersMeanSpend) {}

  static Fit fitWithMean(Dataset<Row> summary, FitOptions options) {
    GroupedLikelihood likelihood = group(summary, options.spendPrecision());
    if (Arrays.stream(likelihood.rows()).noneMatch(row -> row[0] > 0)) {
      throw new IllegalArgumentException(
          "Cannot fit "
              + MODEL
              + " on '"
              + FREQUENCY
              + "': no customer has a repeat purchase (frequency > 0)");
    }
    List<double[]> starts =
        MaximumLikelihood.starts(DEFAULT_START, RESTART_POINTS, options.restarts());
    MaximumLikelihood.Optimum optimum =
        MaximumLikelihood.maximise(likelihood::evaluate, starts, options.maxEvaluations());
    double[] p = optimum.params();
    double spend = 0;
    double buyers = 0;
    for (double[] row : likelihood.rows()) {
      if (row[0] > 0) {
        spend += row[1] * row[2];
        buyers += row[2];
      }
    }
    return new Fit(
        new GammaGammaParams(p[0], p[1], p[2], optimum.logLikelihood(), optimum.evaluations()),
        buyers > 0 ? spend / buyers : Double.NaN);
  }

  /** Total log-likelihood of the customers with x > 0 at (p, q, v), one Spark job. */
  public static double logLikelihood(Dataset<Row> summary, double p, double q, double v) {
    return group(summary, 0).evaluate(new double[] {p, q, v});
  }

  /** Groups every row (so validation sees all of them); rows with x = 0 add nothing. */
  private static GroupedLikelihood group(Dataset<Row> summary, double spendPrecision) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, MONETARY));
    Column x = col(FREQUENCY).cast("double");
    Column m = col(MONETARY).cast("double");
    Column key = when(x.gt(0), bin(m, spendPrecision)).otherwise(lit(0.0));
    return GroupedLikelihood.group(
        MODEL,
        summary,
        List.of(x, key),
        checks(),
        GroupedLikelihood.cachingFirstKey(
            (params, count) -> count > 0 ? countTerms(params[0], params[1], params[2], count) : 0.0,
            (params, row, terms) ->
                row[0] > 0
                    ? logLikelihood(terms, params[0], params[1], params[2], row[0], row[1])
                    : 0.0));
  }

  /** Rounds a positive spend to the nearest of the log-spaced values (1 + precision)^k. */
  static Column bin(Column m, double precision) {
    if (precision <= 0) {
      return m;
    }
    double step = Math.log1p(precision);
    return when(m.gt(0), exp(round(log(m).divide(step)).multiply(step))).otherwise(m);
  }

  /**
   * Log density of the mean spend m_x of x transactions: lnG(px+q) - lnG(px) - lnG(q) + q ln v +
   * (px-1) ln m_x + px ln x - (px+q) ln(v + x m_x).
   */
  public static double logLikelihood(double p, double q, double v, double x, double monetary) {
    return logLikelihood(countTerms(p, q, v, x), p, q, v, x, monetary);
  }

  /** lnG(px+q) - lnG(px) - lnG(q) + q ln v + px ln x: the terms of x and the parameters. */
  private static double countTerms(double p, double q, double v, double x) {
    double px = p * x;
    return Gamma.logGamma(px + q)
        - Gamma.logGamma(px)
        - Gamma.logGamma(q)
        + q * Math.log(v)
        + px * Math.log(x);
  }

  /** The log density given its count terms. */
  private static double logLikelihood(
      double countTerms, double p, double q, double v, double x, double monetary) {
    double px = p * x;
    return countTerms + (px - 1) * Math.log(monetary) - (px + q) * Math.log(v + x * monetary);
  }

  /**
   * E[M | p, q, v, m_x, x] = p (v + x m_x) / (p x + q - 1): a weighted mean of the population mean
   * p v / (q - 1) and the customer's own m_x. x = 0 gives the population mean.
   */
  public static double expectedAverageValue(GammaGammaParams g, double x, double monetary) {
    return g.p() * (g.v() + x * monetary) / (g.p() * x + g.q() - 1);
  }

  public static Column expectedAverageValueColumn(GammaGammaParams g, Column x, Column monetary) {
    return lit(g.p())
        .multiply(lit(g.v()).plus(x.multiply(monetary)))
        .divide(lit(g.p()).multiply(x).plus(g.q() - 1));
  }

  /** Adds {@code expected_avg_value}; needs q > 1 for a finite mean. */
  public static Dataset<Row> score(Dataset<Row> summary, GammaGammaParams g) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, MONETARY));
    if (!(g.q() > 1)) {
      throw new IllegalArgumentException("Gamma-Gamma expected value needs q > 1, got q=" + g.q());
    }
    return summary.withColumn(
        EXPECTED_AVG_VALUE,
        expectedAverageValueColumn(g, col(FREQUENCY).cast("double"), col(MONETARY).cast("double")));
  }

  private static List<SummaryChecks.Check> checks() {
    Column x = col(FREQUENCY).cast("double");
    Column m = col(MONETARY).cast("double");
    return List.of(
        SummaryChecks.notFinite(FREQUENCY),
        new SummaryChecks.Check(FREQUENCY, x.lt(0), "negative frequency"),
        new SummaryChecks.Check(
            MONETARY,
            x.gt(0).and(m.isNull().or(m.isNaN()).or(m.leq(0))),
            "frequency > 0 and a missing or non-positive monetary value"));
  }
}
