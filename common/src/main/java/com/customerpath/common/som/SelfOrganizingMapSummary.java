package com.customerpath.common.som;

import java.util.List;

/**
 * What training a Self-Organizing Map left behind: the training rows per unit on the final codebook
 * (index {@code row * gridCols + col}) and, per epoch, the radius and the quantization and
 * topographic errors.
 */
public record SelfOrganizingMapSummary(long[] hitCounts, List<TrainingEpoch> history) {

  /** Units that hold at least one training row. */
  public int unitsUsed() {
    int used = 0;
    for (long h : hitCounts) {
      if (h > 0) {
        used++;
      }
    }
    return used;
  }

  public long rows() {
    long n = 0;
    for (long h : hitCounts) {
      n += h;
    }
    return n;
  }

  public TrainingEpoch lastEpoch() {
    return history.get(history.size() - 1);
  }
}
