package com.customerpath.common.som;

import java.io.Serializable;

/** What one pass over the data adds up, per partition and then across partitions. */
final class PassStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  final long[] counts;

  /** Per-unit sums of the rows mapped to it (units x dim, row-major), or null when not needed. */
  final double[] sums;

  double distanceSum;
  long topographicErrors;
  long rows;

  PassStatistics(int units, int dim, boolean withSums) {
    this.counts = new long[units];
    this.sums = withSums ? new double[units * dim] : null;
  }

  PassStatistics merge(PassStatistics other) {
    for (int j = 0; j < counts.length; j++) {
      counts[j] += other.counts[j];
    }
    if (sums != null) {
      for (int k = 0; k < sums.length; k++) {
        sums[k] += other.sums[k];
      }
    }
    distanceSum += other.distanceSum;
    topographicErrors += other.topographicErrors;
    rows += other.rows;
    return this;
  }

  double quantizationError() {
    return rows == 0 ? Double.NaN : distanceSum / rows;
  }

  double topographicError() {
    return rows == 0 ? Double.NaN : (double) topographicErrors / rows;
  }
}
