package com.customerpath.common.personas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimalAssignmentTest {
  @Test
  void greedyWouldBeWrongHere() {
    // Greedy takes (0,0)=1 first and is then forced into (1,1)=100: total 101. Optimal: 2 + 3 = 5.
    double[][] cost = {{1, 2}, {3, 100}};
    assertArrayEquals(new int[] {1, 0}, OptimalAssignment.solve(cost));
  }

  @Test
  void matchesBruteForceOnRandomSquareMatrices() {
    Random random = new Random(3);
    for (int trial = 0; trial < 30; trial++) {
      int n = 2 + random.nextInt(5);
      double[][] cost = new double[n][n];
      for (double[] row : cost) {
        for (int j = 0; j < n; j++) {
          row[j] = random.nextInt(50);
        }
      }
      assertEquals(
          bruteForce(cost, 0, new boolean[n]),
          OptimalAssignment.totalCost(cost, OptimalAssignment.solve(cost)),
          1e-9,
          "trial " + trial);
    }
  }

  @Test
  void rectangularLeavesTheExtraUnassigned() {
    double[][] moreRows = {{5, 1}, {1, 5}, {0, 0.5}};
    int[] a = OptimalAssignment.solve(moreRows);
    assertEquals(
        1.0, OptimalAssignment.totalCost(moreRows, a), 1e-9, "rows 2 -> 0 (0) and 0 -> 1 (1)");
    assertArrayEquals(new int[] {1, -1, 0}, a);
    double[][] moreCols = {{9, 1, 5}};
    assertArrayEquals(new int[] {1}, OptimalAssignment.solve(moreCols));
  }

  @Test
  void adjustedRandIndexOfKnownPartitions() {
    var identicalUpToNames =
        Fixtures.rows(
            "a string, b int",
            new Object[] {"x", 1},
            new Object[] {"x", 1},
            new Object[] {"y", 2},
            new Object[] {"y", 2});
    assertEquals(1.0, AdjustedRandIndex.of(identicalUpToNames, "a", "b"), 1e-12);
    // a = {1,2,3}{4,5,6}, b = {1,2}{3,4}{5,6}: sklearn's adjusted_rand_score gives 0.24242424...
    var partial =
        Fixtures.rows(
            "a int, b int",
            new Object[] {0, 0},
            new Object[] {0, 0},
            new Object[] {0, 1},
            new Object[] {1, 1},
            new Object[] {1, 2},
            new Object[] {1, 2});
    assertEquals(8.0 / 33.0, AdjustedRandIndex.of(partial, "a", "b"), 1e-12);
  }

  private static double bruteForce(double[][] cost, int row, boolean[] used) {
    if (row == cost.length) {
      return 0;
    }
    double best = Double.POSITIVE_INFINITY;
    for (int j = 0; j < cost.length; j++) {
      if (!used[j]) {
        used[j] = true;
        best = Math.min(best, cost[row][j] + bruteForce(cost, row + 1, used));
        used[j] = false;
      }
    }
    return best;
  }
}
