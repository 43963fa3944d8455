package com.customerpath.common.som;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch training loop with every setting it needs, so that it can run on the driver against
 * distributed blocks or inside one task against the blocks that task holds.
 */
record SomTraining(
    SomGrid grid, RadiusSchedule schedule, boolean bubble, boolean pcaInit, long seed, double tol)
    implements Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(SelfOrganizingMap.class);

  /** What training hands back to the estimator: the codebook, its history and last hit counts. */
  record Trained(double[] codebook, int dim, long rows, List<TrainingEpoch> history, long[] counts)
      implements Serializable {}

  Trained train(SomData data) {
    long rows = data.rows();
    int dim = data.dim();
    long start = System.nanoTime();
    int units = grid.numUnits();
    double[] codebook =
        pcaInit
            ? CodebookInitializer.pca(data, grid, dim)
            : CodebookInitializer.random(data, rows, units, dim, seed);
    LOG.info(
        "SelfOrganizingMap {}x{} on {} rows x {} features: initialised ({}) in {} s",
        grid.rows(),
        grid.cols(),
        rows,
        dim,
        pcaInit ? "pca" : "random",
        seconds(start));
    List<TrainingEpoch> history = new ArrayList<>();
    // Each pass measures the codebook it searches and sums rows for the next update, so epoch e's
    // errors come from the pass after its update: epochs + 1 passes, the last without sums.
    PassStatistics stats = data.pass(new BmuSearch(grid, codebook, dim), true);
    for (int epoch = 0; epoch < schedule.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      double radius = schedule.radius(epoch);
      codebook = batchUpdate(grid, codebook, dim, stats, radius, bubble);
      boolean last = epoch == schedule.epochs() - 1;
      stats = data.pass(new BmuSearch(grid, codebook, dim), !last);
      TrainingEpoch summary =
          new TrainingEpoch(epoch + 1, radius, stats.quantizationError(), stats.topographicError());
      history.add(summary);
      LOG.info("SelfOrganizingMap {} in {} s", summary, seconds(epochStart));
      if (epoch > 0 && converged(history, tol)) {
        break;
      }
    }
    // The last pass searched the final codebook: its counts are the training hit counts.
    return new Trained(codebook, dim, rows, history, stats.counts);
  }

  /** Relative change of the quantization error between the last two epochs is below tol. */
  private static boolean converged(List<TrainingEpoch> history, double tol) {
    double previous = history.get(history.size() - 2).quantizationError();
    double current = history.get(history.size() - 1).quantizationError();
    return Math.abs(previous - current) < tol * previous;
  }

  /**
   * Kohonen's batch rule. Units whose weighted count is zero (no data within a bubble) keep their
   * weights.
   */
  static double[] batchUpdate(
      SomGrid grid,
      double[] codebook,
      int dim,
      PassStatistics stats,
      double radius,
      boolean bubble) {
    int units = grid.numUnits();
    double[] updated = codebook.clone();
    double twoRadiusSquared = 2 * radius * radius;
    double[] numerator = new double[dim];
    for (int j = 0; j < units; j++) {
      Arrays.fill(numerator, 0);
      double denominator = 0;
      for (int i = 0; i < units; i++) {
        if (stats.counts[i] == 0) {
          continue;
        }
        double d2 = grid.squaredDistance(j, i);
        double h = bubble ? (d2 <= radius * radius ? 1 : 0) : Math.exp(-d2 / twoRadiusSquared);
        if (h == 0) {
          continue;
        }
        denominator += h * stats.counts[i];
        for (int f = 0; f < dim; f++) {
          numerator[f] += h * stats.sums[i * dim + f];
        }
      }
      if (denominator > 0) {
        for (int f = 0; f < dim; f++) {
          updated[j * dim + f] = numerator[f] / denominator;
        }
      }
    }
    return updated;
  }

  private static String seconds(long startNanos) {
    return String.format("%.3f", (System.nanoTime() - startNanos) / 1e9);
  }

  /** Radius per epoch, from start (first epoch) to end (last epoch); a single epoch uses end. */
  record RadiusSchedule(double start, double end, boolean linear, int epochs)
      implements Serializable {
    double radius(int epoch) {
      double progress = epochs == 1 ? 1.0 : (double) epoch / (epochs - 1);
      return linear ? start + (end - start) * progress : start * Math.pow(end / start, progress);
    }
  }
}
