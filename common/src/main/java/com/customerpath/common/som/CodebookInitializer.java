package com.customerpath.common.som;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.netlib.util.intW;

/** Initial codebooks (units x dim, row-major) computed from the cached feature blocks. */
final class CodebookInitializer {
  private CodebookInitializer() {}

  /** Each unit starts at a distinct sampled row (with replacement only if rows < units). */
  static double[] random(SomData data, long rows, int units, int dim, long seed) {
    List<double[]> sample = data.sample(rows < units, units, seed);
    double[] codebook = new double[units * dim];
    for (int j = 0; j < units; j++) {
      System.arraycopy(sample.get(j), 0, codebook, j * dim, dim);
    }
    return codebook;
  }

  /**
   * Units spread evenly over the plane through the mean spanned by the first two principal
   * components, each scaled by the square root of its eigenvalue (one standard deviation to either
   * side). The longer side of the grid follows the first component.
   */
  static double[] pca(SomData data, SomGrid grid, int dim) {
    Moments moments = data.moments();
    double[] mean = new double[dim];
    for (int f = 0; f < dim; f++) {
      mean[f] = moments.sum[f] / moments.rows;
    }
    double[] covariance = new double[dim * dim];
    double denominator = Math.max(1, moments.rows - 1);
    for (int a = 0; a < dim; a++) {
      for (int b = 0; b < dim; b++) {
        covariance[a * dim + b] =
            (moments.gram[a * dim + b] - moments.rows * mean[a] * mean[b]) / denominator;
      }
    }
    // dsyev overwrites the matrix with its eigenvectors (columns) and returns ascending
    // eigenvalues.
    double[] eigenvalues = new double[dim];
    double[] work = new double[Math.max(1, 3 * dim)];
    intW info = new intW(0);
    LAPACK
        .getInstance()
        .dsyev("V", "U", dim, covariance, dim, eigenvalues, work, work.length, info);
    if (info.val != 0) {
      throw new IllegalStateException(
          "SelfOrganizingMap PCA initialisation: dsyev failed, info=" + info.val);
    }
    double[] first = scaledComponent(covariance, eigenvalues, dim, dim - 1);
    double[] second =
        dim > 1 ? scaledComponent(covariance, eigenvalues, dim, dim - 2) : new double[dim];

    int units = grid.numUnits();
    double[] xs = new double[units];
    double[] ys = new double[units];
    for (int j = 0; j < units; j++) {
      xs[j] = grid.x(j);
      ys[j] = grid.y(j);
    }
    double[] u = normalise(xs);
    double[] v = normalise(ys);
    boolean wide = extent(xs) >= extent(ys);
    double[] codebook = new double[units * dim];
    for (int j = 0; j < units; j++) {
      double alongFirst = wide ? u[j] : v[j];
      double alongSecond = wide ? v[j] : u[j];
      for (int f = 0; f < dim; f++) {
        codebook[j * dim + f] = mean[f] + alongFirst * first[f] + alongSecond * second[f];
      }
    }
    return codebook;
  }

  private static double[] scaledComponent(
      double[] eigenvectors, double[] eigenvalues, int dim, int index) {
    double scale = Math.sqrt(Math.max(0, eigenvalues[index]));
    double[] component = new double[dim];
    for (int f = 0; f < dim; f++) {
      component[f] = scale * eigenvectors[index * dim + f];
    }
    return component;
  }

  /** Maps coordinates linearly onto [-1, 1]; all zeros when they do not vary. */
  private static double[] normalise(double[] coordinates) {
    double min = Arrays.stream(coordinates).min().orElse(0);
    double range = extent(coordinates);
    return Arrays.stream(coordinates)
        .map(c -> range == 0 ? 0 : 2 * (c - min) / range - 1)
        .toArray();
  }

  private static double extent(double[] coordinates) {
    return Arrays.stream(coordinates).max().orElse(0) - Arrays.stream(coordinates).min().orElse(0);
  }

  /** Row count, feature sums and the Gram matrix X^T X, accumulated one block per product. */
  static final class Moments implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int dim;
    private final double[] sum;
    private final double[] gram;
    private long rows;

    Moments(int dim) {
      this.dim = dim;
      this.sum = new double[dim];
      this.gram = new double[dim * dim];
    }

    Moments add(FeatureBlock block) {
      BLAS.getInstance()
          .dgemm(
              "N",
              "T",
              dim,
              dim,
              block.size,
              1.0,
              block.values,
              dim,
              block.values,
              dim,
              1.0,
              gram,
              dim);
      for (int i = 0; i < block.size; i++) {
        for (int f = 0; f < dim; f++) {
          sum[f] += block.values[i * dim + f];
        }
      }
      rows += block.size;
      return this;
    }

    Moments merge(Moments other) {
      for (int f = 0; f < dim; f++) {
        sum[f] += other.sum[f];
      }
      for (int k = 0; k < gram.length; k++) {
        gram[k] += other.gram[k];
      }
      rows += other.rows;
      return this;
    }
  }
}
