package com.customerpath.common.churn;

/**
 * How a buy-till-you-die model is fitted.
 *
 * @param maxLocalRows if the grouped sufficient statistic (distinct (x, t_x, T) triples with
 *     counts, or distinct (x, m_x) pairs) has at most this many rows it is collected once to the
 *     driver and every likelihood evaluation runs there; above it, every evaluation is a Spark
 *     treeAggregate over the cached grouped RDD. 0 forces the distributed path. Per-customer rows
 *     are never collected.
 * @param maxEvaluations cap on likelihood evaluations per optimizer start
 * @param restarts extra optimizer starts after the default one (from fixed, spread-out points);
 *     the best optimum wins
 */
public record FitOptions(long maxLocalRows, int maxEvaluations, int restarts) {
  /** 50,000 grouped rows x 4 doubles is about 1.6 MB on the driver. */
  public static final long DEFAULT_MAX_LOCAL_ROWS = 50_000;

  public FitOptions {
    if (maxLocalRows < 0) {
      throw new IllegalArgumentException("maxLocalRows must be >= 0, got " + maxLocalRows);
    }
    if (maxEvaluations < 50) {
      throw new IllegalArgumentException("maxEvaluations must be >= 50, got " + maxEvaluations);
    }
    if (restarts < 0) {
      throw new IllegalArgumentException("restarts must be >= 0, got " + restarts);
    }
  }

  public static FitOptions defaults() {
    return new FitOptions(DEFAULT_MAX_LOCAL_ROWS, 5_000, 1);
  }

  /** Every likelihood evaluation is a Spark aggregate; nothing but the parameters reaches the driver. */
  public static FitOptions distributed() {
    return new FitOptions(0, 5_000, 1);
  }

  public FitOptions withMaxLocalRows(long rows) {
    return new FitOptions(rows, maxEvaluations, restarts);
  }

  public FitOptions withRestarts(int count) {
    return new FitOptions(maxLocalRows, maxEvaluations, count);
  }
}
