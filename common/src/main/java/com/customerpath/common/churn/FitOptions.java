package com.customerpath.common.churn;

/**
 * How a buy-till-you-die model is fitted. Fitting always runs on the driver over the grouped
 * sufficient statistic (distinct keys with counts, collected by one Spark job); these options bound
 * its size.
 *
 * @param timeResolution recency and age are rounded to multiples of this many units before grouping
 *     (1 = whole units, e.g. weeks); 0 keeps them exact. With a look-back of L units the BG/NBD
 *     grouping then has at most (distinct x) * (L + 1)^2 / 2 rows, whatever the number of
 *     customers. Scoring always uses the exact values.
 * @param spendPrecision Gamma-Gamma's mean spend is rounded to relative bins of this width (0.01 =
 *     1%, on a log scale) before grouping by (x, spend); 0 keeps it exact
 * @param maxEvaluations cap on likelihood evaluations per optimizer start
 * @param restarts extra optimizer starts after the default one (from fixed, spread-out points); the
 *     best optimum wins
 */
public record FitOptions(
    double timeResolution, double spendPrecision, int maxEvaluations, int restarts) {

  public FitOptions {
    if (!(timeResolution >= 0) || Double.isInfinite(timeResolution)) {
      throw new IllegalArgumentException("timeResolution must be >= 0, got " + timeResolution);
    }
    if (!(spendPrecision >= 0) || spendPrecision >= 1) {
      throw new IllegalArgumentException("spendPrecision must be in [0, 1), got " + spendPrecision);
    }
    if (maxEvaluations < 50) {
      throw new IllegalArgumentException("maxEvaluations must be >= 50, got " + maxEvaluations);
    }
    if (restarts < 0) {
      throw new IllegalArgumentException("restarts must be >= 0, got " + restarts);
    }
  }

  /** Exact keys (reproduces published fits on pre-summarised data), one restart. */
  public static FitOptions defaults() {
    return new FitOptions(0, 0, 5_000, 1);
  }

  /** Whole time units and 1% spend bins: a grouping whose size does not grow with customers. */
  public static FitOptions binned() {
    return new FitOptions(1, 0.01, 5_000, 1);
  }

  public FitOptions withTimeResolution(double units) {
    return new FitOptions(units, spendPrecision, maxEvaluations, restarts);
  }

  public FitOptions withSpendPrecision(double precision) {
    return new FitOptions(timeResolution, precision, maxEvaluations, restarts);
  }

  public FitOptions withRestarts(int count) {
    return new FitOptions(timeResolution, spendPrecision, maxEvaluations, count);
  }
}
