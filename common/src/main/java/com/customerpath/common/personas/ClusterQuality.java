package com.customerpath.common.personas;

import java.util.Arrays;

/**
 * Quality figures of a clustering of weighted points held on the driver (an SOM codebook whose
 * weights are hit counts: a unit of weight w stands for w customers at the same place). Distances
 * are squared Euclidean, as in MLlib's {@code ClusteringEvaluator} default.
 */
public final class ClusterQuality {
  private ClusterQuality() {}

  /** Mean silhouette of each cluster (NaN for an empty cluster) and the weighted overall mean. */
  public record Silhouette(double overall, double[] perCluster) {}

  /**
   * Weighted silhouette (Rousseeuw 1987): a point's a is its mean distance to the other members of
   * its cluster (its own w - 1 copies at distance 0 count), b the smallest mean distance to another
   * cluster; s = (b - a) / max(a, b), 0 for a cluster of one.
   */
  public static Silhouette silhouette(double[][] points, double[] weights, int[] labels, int k) {
    int n = points.length;
    double[] mass = new double[k];
    for (int i = 0; i < n; i++) {
      mass[labels[i]] += weights[i];
    }
    double[] clusterSum = new double[k];
    double[] clusterWeight = new double[k];
    double total = 0;
    double totalWeight = 0;
    double[] toCluster = new double[k];
    for (int i = 0; i < n; i++) {
      if (weights[i] <= 0) {
        continue;
      }
      Arrays.fill(toCluster, 0);
      for (int j = 0; j < n; j++) {
        if (j != i && weights[j] > 0) {
          toCluster[labels[j]] += weights[j] * WeightedKMeans.squaredDistance(points[i], points[j]);
        }
      }
      int own = labels[i];
      double s;
      if (mass[own] <= 1) {
        s = 0;
      } else {
        double a = toCluster[own] / (mass[own] - 1);
        double b = Double.POSITIVE_INFINITY;
        for (int c = 0; c < k; c++) {
          if (c != own && mass[c] > 0) {
            b = Math.min(b, toCluster[c] / mass[c]);
          }
        }
        s = b == Double.POSITIVE_INFINITY || Math.max(a, b) == 0 ? 0 : (b - a) / Math.max(a, b);
      }
      clusterSum[own] += weights[i] * s;
      clusterWeight[own] += weights[i];
      total += weights[i] * s;
      totalWeight += weights[i];
    }
    double[] per = new double[k];
    for (int c = 0; c < k; c++) {
      per[c] = clusterWeight[c] == 0 ? Double.NaN : clusterSum[c] / clusterWeight[c];
    }
    return new Silhouette(totalWeight == 0 ? Double.NaN : total / totalWeight, per);
  }

  /**
   * Davies-Bouldin index: mean over clusters of the worst (s_i + s_j) / d_ij, where s is the
   * weighted mean Euclidean distance of a cluster's points to its center. Lower is better.
   */
  public static double daviesBouldin(
      double[][] points, double[] weights, int[] labels, double[][] centers) {
    int k = centers.length;
    double[] scatter = new double[k];
    double[] mass = new double[k];
    for (int i = 0; i < points.length; i++) {
      scatter[labels[i]] +=
          weights[i] * Math.sqrt(WeightedKMeans.squaredDistance(points[i], centers[labels[i]]));
      mass[labels[i]] += weights[i];
    }
    for (int c = 0; c < k; c++) {
      scatter[c] = mass[c] == 0 ? 0 : scatter[c] / mass[c];
    }
    double sum = 0;
    for (int i = 0; i < k; i++) {
      double worst = 0;
      for (int j = 0; j < k; j++) {
        if (i != j) {
          double dij = Math.sqrt(WeightedKMeans.squaredDistance(centers[i], centers[j]));
          worst =
              Math.max(
                  worst, dij == 0 ? Double.POSITIVE_INFINITY : (scatter[i] + scatter[j]) / dij);
        }
      }
      sum += worst;
    }
    return sum / k;
  }

  /**
   * Merges every cluster holding less than minShare of the weight into the cluster with the nearest
   * center, smallest first, until none is left (or one cluster remains). Merged centers are the
   * weighted means of their points; clusters are renumbered 0..k'-1 in their old order.
   */
  public static WeightedKMeans.Result mergeSmall(
      double[][] points, double[] weights, WeightedKMeans.Result clustering, double minShare) {
    int[] labels = clustering.labels().clone();
    double[][] centers =
        Arrays.stream(clustering.centers()).map(double[]::clone).toArray(double[][]::new);
    boolean[] alive = new boolean[centers.length];
    Arrays.fill(alive, true);
    double total = Arrays.stream(weights).sum();
    while (true) {
      double[] mass = new double[centers.length];
      for (int i = 0; i < labels.length; i++) {
        mass[labels[i]] += weights[i];
      }
      int smallest = -1;
      int living = 0;
      for (int c = 0; c < centers.length; c++) {
        if (alive[c]) {
          living++;
          if (smallest < 0 || mass[c] < mass[smallest]) {
            smallest = c;
          }
        }
      }
      if (living <= 1 || mass[smallest] >= minShare * total) {
        break;
      }
      int into = -1;
      for (int c = 0; c < centers.length; c++) {
        if (alive[c]
            && c != smallest
            && (into < 0
                || WeightedKMeans.squaredDistance(centers[smallest], centers[c])
                    < WeightedKMeans.squaredDistance(centers[smallest], centers[into]))) {
          into = c;
        }
      }
      alive[smallest] = false;
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] == smallest) {
          labels[i] = into;
        }
      }
      double[] merged = new double[centers[into].length];
      double m = 0;
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] == into) {
          m += weights[i];
          for (int f = 0; f < merged.length; f++) {
            merged[f] += weights[i] * points[i][f];
          }
        }
      }
      if (m > 0) {
        for (int f = 0; f < merged.length; f++) {
          merged[f] /= m;
        }
        centers[into] = merged;
      }
    }
    int[] renumber = new int[centers.length];
    int next = 0;
    for (int c = 0; c < centers.length; c++) {
      renumber[c] = alive[c] ? next++ : -1;
    }
    double[][] kept = new double[next][];
    for (int c = 0; c < centers.length; c++) {
      if (alive[c]) {
        kept[renumber[c]] = centers[c];
      }
    }
    double inertia = 0;
    for (int i = 0; i < labels.length; i++) {
      labels[i] = renumber[labels[i]];
      inertia += weights[i] * WeightedKMeans.squaredDistance(points[i], kept[labels[i]]);
    }
    return new WeightedKMeans.Result(labels, kept, inertia);
  }

  /**
   * Size balance: the entropy of the cluster shares divided by its maximum log(k); 1 when every
   * cluster has the same size, towards 0 when one cluster holds almost everyone.
   */
  public static double sizeBalance(double[] sizes) {
    double total = Arrays.stream(sizes).sum();
    int k = (int) Arrays.stream(sizes).filter(s -> s > 0).count();
    if (k <= 1 || total <= 0) {
      return k == 1 ? 0 : Double.NaN;
    }
    double h = 0;
    for (double s : sizes) {
      if (s > 0) {
        double p = s / total;
        h -= p * Math.log(p);
      }
    }
    return h / Math.log(k);
  }
}
