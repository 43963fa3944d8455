package com.customerpath.common.personas;

import java.util.Arrays;

/**
 * Minimum-cost assignment of rows to columns (the Hungarian algorithm, Kuhn-Munkres with
 * potentials, O(n^2 m)). Used to match tonight's personas to last night's by centroid distance, so
 * a persona keeps its id. Rectangular matrices are allowed: with more rows than columns some rows
 * stay unassigned (-1), and the reverse.
 */
public final class OptimalAssignment {
  private OptimalAssignment() {}

  /** For each row, the column it is assigned to, or -1. */
  public static int[] solve(double[][] cost) {
    int rows = cost.length;
    int cols = rows == 0 ? 0 : cost[0].length;
    if (rows == 0 || cols == 0) {
      int[] none = new int[rows];
      Arrays.fill(none, -1);
      return none;
    }
    for (double[] r : cost) {
      if (r.length != cols) {
        throw new IllegalArgumentException(
            "Cannot solve an assignment on a ragged cost matrix: rows have "
                + cols
                + " and "
                + r.length
                + " columns");
      }
      for (double v : r) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException(
              "Cannot solve an assignment with a non-finite cost: " + v);
        }
      }
    }
    boolean transposed = rows > cols; // the algorithm below wants rows <= cols
    double[][] a = transposed ? transpose(cost) : cost;
    int n = a.length;
    int m = a[0].length;
    // 1-based arrays as in the classic formulation; p[j] = row matched to column j.
    double[] u = new double[n + 1];
    double[] v = new double[m + 1];
    int[] p = new int[m + 1];
    int[] way = new int[m + 1];
    for (int i = 1; i <= n; i++) {
      p[0] = i;
      int j0 = 0;
      double[] minv = new double[m + 1];
      Arrays.fill(minv, Double.POSITIVE_INFINITY);
      boolean[] used = new boolean[m + 1];
      do {
        used[j0] = true;
        int i0 = p[j0];
        double delta = Double.POSITIVE_INFINITY;
        int j1 = 0;
        for (int j = 1; j <= m; j++) {
          if (!used[j]) {
            double cur = a[i0 - 1][j - 1] - u[i0] - v[j];
            if (cur < minv[j]) {
              minv[j] = cur;
              way[j] = j0;
            }
            if (minv[j] < delta) {
              delta = minv[j];
              j1 = j;
            }
          }
        }
        for (int j = 0; j <= m; j++) {
          if (used[j]) {
            u[p[j]] += delta;
            v[j] -= delta;
          } else {
            minv[j] -= delta;
          }
        }
        j0 = j1;
      } while (p[j0] != 0);
      do {
        int j1 = way[j0];
        p[j0] = p[j1];
        j0 = j1;
      } while (j0 != 0);
    }
    int[] rowToCol = new int[n];
    Arrays.fill(rowToCol, -1);
    for (int j = 1; j <= m; j++) {
      if (p[j] != 0) {
        rowToCol[p[j] - 1] = j - 1;
      }
    }
    if (!transposed) {
      return rowToCol;
    }
    int[] result = new int[rows];
    Arrays.fill(result, -1);
    for (int r = 0; r < rowToCol.length; r++) { // r indexes original columns here
      if (rowToCol[r] >= 0) {
        result[rowToCol[r]] = r;
      }
    }
    return result;
  }

  public static double totalCost(double[][] cost, int[] assignment) {
    double total = 0;
    for (int i = 0; i < assignment.length; i++) {
      if (assignment[i] >= 0) {
        total += cost[i][assignment[i]];
      }
    }
    return total;
  }

  private static double[][] transpose(double[][] m) {
    double[][] t = new double[m[0].length][m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        t[j][i] = m[i][j];
      }
    }
    return t;
  }
}
