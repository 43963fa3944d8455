package com.customerpath.common.som;

import dev.ludovic.netlib.blas.BLAS;
import java.io.Serializable;
import java.util.Iterator;

/**
 * Finds best-matching units for blocks of rows against a fixed codebook, with one matrix product
 * per chunk of rows: {@code |x - w|^2 = |x|^2 - 2 x.w + |w|^2}, where {@code |x|^2} is the same for
 * every unit and so is dropped from the argmin. Broadcast once per epoch.
 */
final class BmuSearch implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Score matrix cap (units x rows, 256 KB): stays in cache between the product and the argmin. */
  private static final int MAX_SCORES = 1 << 15;

  private final SomGrid grid;
  private final int units;
  private final int dim;

  /** units x dim, row-major, for exact distances. */
  private final double[] codebook;

  /**
   * The same units x dim matrix column-major, for the product: the "N","N" GEMM runs as contiguous
   * axpy loops over units, measured ~25% faster than dot products of length dim.
   */
  private final double[] codebookColumnMajor;

  private final double[] squaredNorms;
  private final int chunkRows;

  BmuSearch(SomGrid grid, double[] codebook, int dim) {
    this.grid = grid;
    this.units = grid.numUnits();
    this.dim = dim;
    this.codebook = codebook;
    this.codebookColumnMajor = new double[units * dim];
    this.squaredNorms = new double[units];
    for (int j = 0; j < units; j++) {
      double s = 0;
      for (int f = 0; f < dim; f++) {
        double w = codebook[j * dim + f];
        codebookColumnMajor[f * units + j] = w;
        s += w * w;
      }
      squaredNorms[j] = s;
    }
    this.chunkRows = Math.max(1, Math.min(FeatureBlock.MAX_ROWS, MAX_SCORES / units));
  }

  PassStatistics emptyStatistics(boolean withSums) {
    return new PassStatistics(units, dim, withSums);
  }

  /** One pass over a partition: hit counts, error sums and, if asked, per-unit feature sums. */
  PassStatistics accumulate(Iterator<FeatureBlock> blocks, boolean withSums) {
    PassStatistics stats = emptyStatistics(withSums);
    double[] scores = new double[units * chunkRows];
    int[] best = new int[chunkRows];
    int[] second = new int[chunkRows];
    while (blocks.hasNext()) {
      FeatureBlock block = blocks.next();
      for (int start = 0; start < block.size; start += chunkRows) {
        int n = Math.min(chunkRows, block.size - start);
        search(block.values, start, n, scores, best, second);
        for (int i = 0; i < n; i++) {
          int row = start + i;
          int unit = best[i];
          stats.counts[unit]++;
          stats.distanceSum += Math.sqrt(squaredDistance(block.values, row * dim, unit));
          if (second[i] >= 0 && !grid.areNeighbours(unit, second[i])) {
            stats.topographicErrors++;
          }
          if (withSums) {
            int src = row * dim;
            int dst = unit * dim;
            for (int f = 0; f < dim; f++) {
              stats.sums[dst + f] += block.values[src + f];
            }
          }
        }
        stats.rows += n;
      }
    }
    return stats;
  }

  /**
   * Best and second-best unit of rows {@code [start, start + n)} of a row-major block; second is -1
   * on a one-unit map. Ties go to the lower unit index.
   */
  void search(double[] rows, int start, int n, double[] scores, int[] best, int[] second) {
    // scores (units x n, column-major) = -2 W X^T: column i holds -2 w_j.x_i for every unit j.
    // The row-major block is X^T in column-major terms (dim x n).
    BLAS.getInstance()
        .dgemm(
            "N",
            "N",
            units,
            n,
            dim,
            -2.0,
            codebookColumnMajor,
            0,
            units,
            rows,
            start * dim,
            dim,
            0.0,
            scores,
            0,
            units);
    for (int i = 0; i < n; i++) {
      int offset = i * units;
      int b = -1;
      int s = -1;
      double bestScore = Double.POSITIVE_INFINITY;
      double secondScore = Double.POSITIVE_INFINITY;
      for (int j = 0; j < units; j++) {
        double score = scores[offset + j] + squaredNorms[j];
        if (score < bestScore) {
          s = b;
          secondScore = bestScore;
          b = j;
          bestScore = score;
        } else if (score < secondScore) {
          s = j;
          secondScore = score;
        }
      }
      best[i] = b;
      second[i] = s;
    }
  }

  /** Exact squared distance (no cancellation) from the row at {@code offset} to a unit. */
  private double squaredDistance(double[] rows, int offset, int unit) {
    double s = 0;
    int w = unit * dim;
    for (int f = 0; f < dim; f++) {
      double d = rows[offset + f] - codebook[w + f];
      s += d * d;
    }
    return s;
  }
}
