package com.customerpath.common.churn;

import static com.customerpath.common.churn.RfmSummary.FREQUENCY;
import static com.customerpath.common.churn.RfmSummary.MONETARY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader
 * and Hardie 2013, "The Gamma-Gamma model of monetary value") on an {@link RfmSummary}: columns
 * {@code frequency} x and {@code monetary} m_x, the mean value of the x repeat transactions.
 * Only customers with x > 0 inform the fit. Fitted like {@link BgNbd}: distinct (x, m_x) pairs
 * with counts, BOBYQA over log(p, q, v), each evaluation a Spark aggregate or a local loop.
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

  public static GammaGammaParams fit(Dataset<Row> summary, FitOptions options) {
    validate(summary);
    Dataset<Row> repeaters = summary.where(col(FREQUENCY).gt(0));
    try (GroupedLikelihood likelihood = GroupedLikelihood.group(repeaters,
        List.of(FREQUENCY, MONETARY), GammaGamma::rowLogLikelihood, options.maxLocalRows())) {
      if (likelihood.customers() == 0) {
        throw new IllegalArgumentException("Cannot fit " + MODEL + " on '" + FREQUENCY
            + "': no customer has a repeat purchase (frequency > 0)");
      }
      List<double[]> starts = MaximumLikelihood.starts(DEFAULT_START, RESTART_POINTS, options.restarts());
      MaximumLikelihood.Optimum optimum =
          MaximumLikelihood.maximise(likelihood::evaluate, starts, options.maxEvaluations());
      double[] p = optimum.params();
      return new GammaGammaParams(p[0], p[1], p[2], optimum.logLikelihood(),
          optimum.evaluations());
    }
  }

  /** Total log-likelihood of the customers with x > 0 at (p, q, v), one Spark aggregate. */
  public static double logLikelihood(Dataset<Row> summary, double p, double q, double v) {
    validate(summary);
    try (GroupedLikelihood likelihood = GroupedLikelihood.group(
        summary.where(col(FREQUENCY).gt(0)), List.of(FREQUENCY, MONETARY),
        GammaGamma::rowLogLikelihood, 0)) {
      return likelihood.evaluate(new double[] {p, q, v});
    }
  }

  /**
   * Log density of the mean spend m_x of x transactions:
   * lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m_x + px ln x - (px+q) ln(v + x m_x).
   */
  public static double logLikelihood(double p, double q, double v, double x, double monetary) {
    double px = p * x;
    return Gamma.logGamma(px + q) - Gamma.logGamma(px) - Gamma.logGamma(q) + q * Math.log(v)
        + (px - 1) * Math.log(monetary) + px * Math.log(x) - (px + q) * Math.log(v + x * monetary);
  }

  private static double rowLogLikelihood(double[] params, double[] row) {
    return logLikelihood(params[0], params[1], params[2], row[0], row[1]);
  }

  /**
   * E[M | p, q, v, m_x, x] = p (v + x m_x) / (p x + q - 1): a weighted mean of the population
   * mean p v / (q - 1) and the customer's own m_x. x = 0 gives the population mean.
   */
  public static double expectedAverageValue(GammaGammaParams g, double x, double monetary) {
    return g.p() * (g.v() + x * monetary) / (g.p() * x + g.q() - 1);
  }

  public static Column expectedAverageValueColumn(GammaGammaParams g, Column x, Column monetary) {
    return lit(g.p()).multiply(lit(g.v()).plus(x.multiply(monetary)))
        .divide(lit(g.p()).multiply(x).plus(g.q() - 1));
  }

  /** Adds {@code expected_avg_value}; needs q > 1 for a finite mean. */
  public static Dataset<Row> score(Dataset<Row> summary, GammaGammaParams g) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, MONETARY));
    if (!(g.q() > 1)) {
      throw new IllegalArgumentException("Gamma-Gamma expected value needs q > 1, got q=" + g.q());
    }
    return summary.withColumn(EXPECTED_AVG_VALUE,
        expectedAverageValueColumn(g, col(FREQUENCY).cast("double"),
            col(MONETARY).cast("double")));
  }

  static void validate(Dataset<Row> summary) {
    SummaryChecks.requireNumericColumns(MODEL, summary, List.of(FREQUENCY, MONETARY));
    Column x = col(FREQUENCY).cast("double");
    Column m = col(MONETARY).cast("double");
    SummaryChecks.require(MODEL, summary, List.of(
        SummaryChecks.notFinite(FREQUENCY),
        new SummaryChecks.Check(FREQUENCY, x.lt(0), "negative frequency"),
        new SummaryChecks.Check(MONETARY, x.gt(0).and(m.isNull().or(m.isNaN()).or(m.leq(0))),
            "frequency > 0 and a missing or non-positive monetary value")));
  }
}
