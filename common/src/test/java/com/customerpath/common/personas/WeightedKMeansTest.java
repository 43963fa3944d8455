package com.customerpath.common.personas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The driver-side codebook clustering: weighted k-means, indices, merging, k selection. */
class WeightedKMeansTest {

  /** Three blobs of 30 points each around (0,0), (10,0), (0,10); weights 1..3. */
  static double[][] blobs(Random random) {
    double[][] centers = {{0, 0}, {10, 0}, {0, 10}};
    double[][] points = new double[90][];
    for (int i = 0; i < 90; i++) {
      double[] c = centers[i / 30];
      points[i] = new double[] {c[0] + random.nextGaussian(), c[1] + random.nextGaussian()};
    }
    return points;
  }

  static double[] weights(int n) {
    double[] w = new double[n];
    Arrays.setAll(w, i -> 1 + i % 3);
    return w;
  }

  @Test
  void findsTheBlobsAndIsRepeatable() {
    double[][] points = blobs(new Random(1));
    double[] w = weights(points.length);
    WeightedKMeans.Result a = new WeightedKMeans(3, 50, 5, 7).fit(points, w);
    WeightedKMeans.Result b = new WeightedKMeans(3, 50, 5, 7).fit(points, w);
    assertArrayEquals(a.labels(), b.labels(), "same seed, same clustering");
    for (int blob = 0; blob < 3; blob++) {
      int label = a.labels()[blob * 30];
      for (int i = blob * 30; i < blob * 30 + 30; i++) {
        assertEquals(label, a.labels()[i], "point " + i + " with its blob");
      }
    }
    double[][] table = new double[3][3];
    for (int i = 0; i < points.length; i++) {
      table[i / 30][a.labels()[i]] += w[i];
    }
    assertEquals(1.0, AdjustedRandIndex.ofContingency(table), 1e-12);
  }

  @Test
  void aHeavyPointPullsItsCenter() {
    double[][] points = {{0}, {1}, {10}, {11}};
    WeightedKMeans.Result r =
        new WeightedKMeans(2, 20, 3, 1).fit(points, new double[] {9, 1, 1, 1});
    double[] centers = Arrays.stream(r.centers()).mapToDouble(c -> c[0]).sorted().toArray();
    assertEquals(0.1, centers[0], 1e-12, "weighted mean (9*0 + 1*1) / 10");
    assertEquals(10.5, centers[1], 1e-12);
  }

  @Test
  void silhouetteAndDaviesBouldinPreferTheTrueK() {
    double[][] points = blobs(new Random(2));
    double[] w = weights(points.length);
    KSelection.Choice<WeightedKMeans.Result> bySilhouette =
        KSelection.choose(
            2,
            6,
            KSelection.Criterion.SILHOUETTE,
            k -> new WeightedKMeans(k, 50, 5, 3).fit(points, w),
            c -> ClusterQuality.silhouette(points, w, c.labels(), c.k()).overall());
    assertEquals(3, bySilhouette.k(), "scores " + bySilhouette.scores());
    assertEquals(5, bySilhouette.scores().size());
    assertTrue(bySilhouette.score() > 0.7);
    KSelection.Choice<WeightedKMeans.Result> byDb =
        KSelection.choose(
            2,
            6,
            KSelection.Criterion.DAVIES_BOULDIN,
            k -> new WeightedKMeans(k, 50, 5, 3).fit(points, w),
            c -> ClusterQuality.daviesBouldin(points, w, c.labels(), c.centers()));
    assertEquals(3, byDb.k(), "scores " + byDb.scores());
  }

  @Test
  void silhouetteOfAHandCheckedCase() {
    // Points 0 and 1 (cluster 0), 4 (cluster 1, weight 2). Squared distances: 1, 16, 9.
    double[][] points = {{0}, {1}, {4}};
    ClusterQuality.Silhouette s =
        ClusterQuality.silhouette(points, new double[] {1, 1, 2}, new int[] {0, 0, 1}, 2);
    // x=0: a=1, b=16 -> 15/16; x=1: a=1, b=9 -> 8/9; x=4 (two copies): a=0, b=(16+9)/2 -> 1.
    assertEquals((15.0 / 16 + 8.0 / 9) / 2, s.perCluster()[0], 1e-12);
    assertEquals(1.0, s.perCluster()[1], 1e-12);
    assertEquals((15.0 / 16 + 8.0 / 9 + 2 * 1.0) / 4, s.overall(), 1e-12);
  }

  @Test
  void smallClustersMergeIntoTheNearest() {
    double[][] points = {{0}, {1}, {10}, {11}, {30}};
    double[] w = {40, 40, 40, 40, 1}; // the outlier at 30 holds 1 of 161
    WeightedKMeans.Result three =
        new WeightedKMeans.Result(
            new int[] {0, 0, 1, 1, 2}, new double[][] {{0.5}, {10.5}, {30}}, 0);
    WeightedKMeans.Result merged = ClusterQuality.mergeSmall(points, w, three, 0.02);
    assertEquals(2, merged.k());
    assertArrayEquals(
        new int[] {0, 0, 1, 1, 1}, merged.labels(), "the outlier joins the nearest cluster");
    assertEquals((10 * 40 + 11 * 40 + 30) / 81.0, merged.centers()[1][0], 1e-12);
    assertEquals(3, ClusterQuality.mergeSmall(points, w, three, 0.0).k(), "0 keeps every cluster");
    assertNotEquals(0, ClusterQuality.sizeBalance(new double[] {80, 81}));
    assertEquals(1.0, ClusterQuality.sizeBalance(new double[] {5, 5, 5}), 1e-12);
    assertTrue(ClusterQuality.sizeBalance(new double[] {1000, 1, 1}) < 0.1);
  }

  @Test
  void adjustedRandIndexOfAContingencyTable() {
    // The hand-checked case of OptimalAssignmentTest: ARI 8/33.
    // a: 0 0 0 1 1 1, b: 0 0 1 1 2 2 -> cells [2,1,0],[0,1,2].
    assertEquals(
        8.0 / 33.0, AdjustedRandIndex.ofContingency(new double[][] {{2, 1, 0}, {0, 1, 2}}), 1e-12);
  }
}
