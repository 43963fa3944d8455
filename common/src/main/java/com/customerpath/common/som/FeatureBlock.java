package com.customerpath.common.som;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Up to {@link #MAX_ROWS} dense feature rows stored row-major in one array, which BLAS sees as the
 * column-major {@code dim x size} matrix X^T. Training caches these instead of Rows so each epoch
 * reads primitive arrays without deserialising vectors.
 */
final class FeatureBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Rows per block: a 100-unit score matrix per block is ~3 MB, and block overhead is negligible.
   */
  static final int MAX_ROWS = 4096;

  final int size;
  final int dim;
  final double[] values;

  FeatureBlock(int size, int dim, double[] values) {
    this.size = size;
    this.dim = dim;
    this.values = values;
  }

  /**
   * Groups a partition's rows (a Vector in column 0) into blocks lazily, densifying sparse ones.
   */
  static Iterator<FeatureBlock> fromRows(Iterator<Row> rows, int dim) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public FeatureBlock next() {
        double[] values = new double[MAX_ROWS * dim];
        int size = 0;
        while (size < MAX_ROWS && rows.hasNext()) {
          copyInto((Vector) rows.next().get(0), values, size * dim, dim);
          size++;
        }
        return new FeatureBlock(
            size, dim, size == MAX_ROWS ? values : Arrays.copyOf(values, size * dim));
      }
    };
  }

  /**
   * Every row of a partition as blocks, their size taken from the first vector; null as soon as
   * there are more than maxRows (the rest is not read).
   */
  static List<FeatureBlock> allOf(Iterator<Row> rows, long maxRows) {
    List<FeatureBlock> blocks = new ArrayList<>();
    if (!rows.hasNext()) {
      return blocks;
    }
    Row first = rows.next();
    Vector vector = (Vector) first.get(0);
    if (vector == null) {
      throw new IllegalArgumentException("SelfOrganizingMap cannot use null feature vectors");
    }
    long[] read = {0};
    boolean[] over = {false};
    Iterator<Row> upToLimit =
        new Iterator<>() {
          private boolean firstTaken;

          @Override
          public boolean hasNext() {
            if (read[0] >= maxRows) {
              over[0] = rows.hasNext();
              return false;
            }
            return !firstTaken || rows.hasNext();
          }

          @Override
          public Row next() {
            read[0]++;
            if (firstTaken) {
              return rows.next();
            }
            firstTaken = true;
            return first;
          }
        };
    fromRows(upToLimit, vector.size()).forEachRemaining(blocks::add);
    return over[0] ? null : blocks;
  }

  /** Each row as its own array. */
  List<double[]> rowCopies() {
    List<double[]> rows = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      rows.add(Arrays.copyOfRange(values, i * dim, (i + 1) * dim));
    }
    return rows;
  }

  private static void copyInto(Vector v, double[] target, int offset, int dim) {
    if (v == null) {
      throw new IllegalArgumentException("SelfOrganizingMap cannot use null feature vectors");
    }
    if (v.size() != dim) {
      throw new IllegalArgumentException(
          "SelfOrganizingMap needs features of one size: expected " + dim + " but got " + v.size());
    }
    if (v instanceof DenseVector dense) {
      System.arraycopy(dense.values(), 0, target, offset, dim);
    } else {
      SparseVector sparse = (SparseVector) v;
      int[] indices = sparse.indices();
      double[] values = sparse.values();
      for (int k = 0; k < indices.length; k++) {
        target[offset + indices[k]] = values[k];
      }
    }
  }
}
