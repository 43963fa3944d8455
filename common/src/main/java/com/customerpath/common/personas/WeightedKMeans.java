package com.customerpath.common.personas;

import java.util.Arrays;
import java.util.Random;

/**
 * Weighted k-means on a few hundred points held on the driver (an SOM codebook weighted by hit
 * counts): k-means++ seeding, Lloyd iterations, the best of several seeded restarts by weighted
 * inertia. Repeatable for a given seed. Distributed MLlib k-means would cost a Spark job per
 * iteration for data that fits in a few kilobytes.
 */
public final class WeightedKMeans {
  private final int k;
  private final int maxIter;
  private final int restarts;
  private final long seed;

  /** A clustering of the points: label per point, centers (weighted means), weighted inertia. */
  public record Result(int[] labels, double[][] centers, double inertia) {
    public int k() {
      return centers.length;
    }
  }

  public WeightedKMeans(int k, int maxIter, int restarts, long seed) {
    if (k < 1 || maxIter < 1 || restarts < 1) {
      throw new IllegalArgumentException(
          "WeightedKMeans needs k, maxIter and restarts >= 1 (got k="
              + k
              + ", maxIter="
              + maxIter
              + ", restarts="
              + restarts
              + ")");
    }
    this.k = k;
    this.maxIter = maxIter;
    this.restarts = restarts;
    this.seed = seed;
  }

  public Result fit(double[][] points, double[] weights) {
    int positive = (int) Arrays.stream(weights).filter(w -> w > 0).count();
    if (positive < k) {
      throw new IllegalArgumentException(
          "WeightedKMeans cannot make "
              + k
              + " clusters from "
              + positive
              + " points of positive weight");
    }
    Random random = new Random(seed);
    Result best = null;
    for (int r = 0; r < restarts; r++) {
      Result result = lloyd(points, weights, seedCenters(points, weights, random));
      if (best == null || result.inertia() < best.inertia() - 1e-12) {
        best = result;
      }
    }
    return best;
  }

  /**
   * k-means++: each next center drawn with probability proportional to weight x squared distance.
   */
  private double[][] seedCenters(double[][] points, double[] weights, Random random) {
    int n = points.length;
    double[][] centers = new double[k][];
    centers[0] = points[draw(weights, random)].clone();
    double[] nearest = new double[n];
    Arrays.fill(nearest, Double.POSITIVE_INFINITY);
    for (int c = 1; c < k; c++) {
      double[] p = new double[n];
      for (int i = 0; i < n; i++) {
        nearest[i] = Math.min(nearest[i], squaredDistance(points[i], centers[c - 1]));
        p[i] = weights[i] * nearest[i];
      }
      // All remaining mass on existing centers (duplicates): fall back to weight alone.
      centers[c] =
          points[Arrays.stream(p).sum() > 0 ? draw(p, random) : draw(weights, random)].clone();
    }
    return centers;
  }

  private static int draw(double[] mass, Random random) {
    double total = Arrays.stream(mass).sum();
    double u = random.nextDouble() * total;
    double acc = 0;
    int last = 0;
    for (int i = 0; i < mass.length; i++) {
      if (mass[i] > 0) {
        acc += mass[i];
        last = i;
        if (u < acc) {
          return i;
        }
      }
    }
    return last;
  }

  private Result lloyd(double[][] points, double[] weights, double[][] centers) {
    int n = points.length;
    int d = points[0].length;
    int[] labels = new int[n];
    Arrays.fill(labels, -1);
    for (int iter = 0; iter < maxIter; iter++) {
      boolean changed = false;
      for (int i = 0; i < n; i++) {
        int c = nearest(points[i], centers);
        if (c != labels[i]) {
          labels[i] = c;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
      double[][] sums = new double[k][d];
      double[] mass = new double[k];
      for (int i = 0; i < n; i++) {
        mass[labels[i]] += weights[i];
        for (int f = 0; f < d; f++) {
          sums[labels[i]][f] += weights[i] * points[i][f];
        }
      }
      for (int c = 0; c < k; c++) {
        if (mass[c] > 0) { // an emptied cluster keeps its center
          for (int f = 0; f < d; f++) {
            centers[c][f] = sums[c][f] / mass[c];
          }
        }
      }
    }
    double inertia = 0;
    for (int i = 0; i < n; i++) {
      labels[i] = nearest(points[i], centers);
      inertia += weights[i] * squaredDistance(points[i], centers[labels[i]]);
    }
    return new Result(labels, centers, inertia);
  }

  public static int nearest(double[] x, double[][] centers) {
    int best = 0;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (int c = 0; c < centers.length; c++) {
      double dist = squaredDistance(x, centers[c]);
      if (dist < bestDistance) {
        best = c;
        bestDistance = dist;
      }
    }
    return best;
  }

  public static double squaredDistance(double[] a, double[] b) {
    double s = 0;
    for (int f = 0; f < a.length; f++) {
      double diff = a[f] - b[f];
      s += diff * diff;
    }
    return s;
  }
}
