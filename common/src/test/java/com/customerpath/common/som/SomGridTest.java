package com.customerpath.common.som;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SomGridTest {

  @Test
  void rectangularNeighboursAreTheFourAdjacentUnits() {
    SomGrid grid = new SomGrid(3, 4, false); // units 0..3 / 4..7 / 8..11
    assertArrayEquals(new int[] {1, 4}, grid.neighbours(0), "top-left corner");
    assertArrayEquals(new int[] {2, 7}, grid.neighbours(3), "top-right corner");
    assertArrayEquals(new int[] {0, 2, 5}, grid.neighbours(1), "top edge");
    assertArrayEquals(new int[] {1, 4, 6, 9}, grid.neighbours(5), "interior");
    assertArrayEquals(new int[] {7, 10}, grid.neighbours(11), "bottom-right corner");
    assertFalse(grid.areNeighbours(0, 5), "diagonals are not neighbours");
  }

  @Test
  void hexagonalNeighboursFollowTheOffsetLayout() {
    SomGrid grid = new SomGrid(4, 4, true); // odd rows shifted right
    assertArrayEquals(new int[] {1, 4}, grid.neighbours(0), "even-row left corner");
    assertArrayEquals(new int[] {2, 6, 7}, grid.neighbours(3), "even-row right corner");
    assertArrayEquals(new int[] {1, 2, 4, 6, 9, 10}, grid.neighbours(5), "odd-row interior (1,1)");
    assertArrayEquals(
        new int[] {4, 5, 8, 10, 12, 13}, grid.neighbours(9), "even-row interior (2,1)");
    assertArrayEquals(new int[] {3, 6, 11}, grid.neighbours(7), "odd-row right edge (1,3)");
    assertArrayEquals(new int[] {0, 1, 5, 8, 9}, grid.neighbours(4), "odd-row left edge (1,0)");
    assertArrayEquals(new int[] {8, 9, 13}, grid.neighbours(12), "odd-row left corner (3,0)");
  }

  @Test
  void hexagonalNeighboursAreExactlyTheUnitsAtDistanceOne() {
    SomGrid grid = new SomGrid(5, 6, true);
    for (int unit = 0; unit < grid.numUnits(); unit++) {
      int u = unit;
      int[] atDistanceOne =
          IntStream.range(0, grid.numUnits())
              .filter(other -> Math.abs(grid.squaredDistance(u, other) - 1.0) < 1e-9)
              .toArray();
      assertArrayEquals(atDistanceOne, grid.neighbours(unit), "unit " + unit);
    }
    assertEquals(6, grid.neighbours(grid.cols() + 2).length);
    assertTrue(grid.areNeighbours(8, 2));
  }
}
