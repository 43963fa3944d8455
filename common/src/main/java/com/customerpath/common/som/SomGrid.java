package com.customerpath.common.som;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The map's lattice: {@code rows x cols} units numbered {@code row * cols + col}.
 *
 * <p>Hexagonal maps use offset coordinates: odd rows are shifted right by half a unit and rows are
 * {@code sqrt(3)/2} apart, so every unit is exactly 1 away from each of its six neighbours.
 * Rectangular maps use the 4-neighbourhood (up, down, left, right): diagonal units are {@code
 * sqrt(2)} away and are deliberately not counted as neighbours for the topographic error, which is
 * the usual convention (SOM Toolbox, kohonen) and keeps the measure strict.
 */
public final class SomGrid implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double HEX_ROW_SPACING = Math.sqrt(3.0) / 2.0;

  private final int rows;
  private final int cols;
  private final boolean hexagonal;
  private final int[][] neighbours;

  public SomGrid(int rows, int cols, boolean hexagonal) {
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException(
          "A SOM grid needs rows > 0 and cols > 0, got " + rows + "x" + cols);
    }
    this.rows = rows;
    this.cols = cols;
    this.hexagonal = hexagonal;
    this.neighbours = new int[rows * cols][];
    for (int unit = 0; unit < neighbours.length; unit++) {
      neighbours[unit] = computeNeighbours(unit);
    }
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public boolean hexagonal() {
    return hexagonal;
  }

  public int numUnits() {
    return rows * cols;
  }

  public int row(int unit) {
    return unit / cols;
  }

  public int col(int unit) {
    return unit % cols;
  }

  /** Horizontal position of the unit on the plane. */
  public double x(int unit) {
    int row = row(unit);
    return col(unit) + (hexagonal && row % 2 == 1 ? 0.5 : 0.0);
  }

  /** Vertical position of the unit on the plane. */
  public double y(int unit) {
    return hexagonal ? row(unit) * HEX_ROW_SPACING : row(unit);
  }

  /** Squared Euclidean distance between two units on the plane (what the kernel uses). */
  public double squaredDistance(int a, int b) {
    double dx = x(a) - x(b);
    double dy = y(a) - y(b);
    return dx * dx + dy * dy;
  }

  /** The units adjacent to {@code unit}, ascending. The returned array must not be modified. */
  public int[] neighbours(int unit) {
    return neighbours[unit];
  }

  public boolean areNeighbours(int a, int b) {
    for (int n : neighbours[a]) {
      if (n == b) {
        return true;
      }
    }
    return false;
  }

  private int[] computeNeighbours(int unit) {
    int row = row(unit);
    int col = col(unit);
    List<int[]> candidates = new ArrayList<>();
    if (hexagonal) {
      // Odd rows are shifted right, so the adjacent columns in the rows above and below are
      // {col-1, col} from an even row and {col, col+1} from an odd row.
      int left = row % 2 == 0 ? col - 1 : col;
      candidates.add(new int[] {row - 1, left});
      candidates.add(new int[] {row - 1, left + 1});
      candidates.add(new int[] {row, col - 1});
      candidates.add(new int[] {row, col + 1});
      candidates.add(new int[] {row + 1, left});
      candidates.add(new int[] {row + 1, left + 1});
    } else {
      candidates.add(new int[] {row - 1, col});
      candidates.add(new int[] {row, col - 1});
      candidates.add(new int[] {row, col + 1});
      candidates.add(new int[] {row + 1, col});
    }
    return candidates.stream()
        .filter(rc -> rc[0] >= 0 && rc[0] < rows && rc[1] >= 0 && rc[1] < cols)
        .mapToInt(rc -> rc[0] * cols + rc[1])
        .sorted()
        .toArray();
  }
}
