package com.customerpath.common.churn;

/**
 * Gauss hypergeometric function 2F1 by its power series, for the BG/NBD conditional expectation.
 */
public final class Hypergeometric {
  /** Relative size of the tail bound at which the series is declared converged. */
  static final double RELATIVE_TOLERANCE = 1e-14;

  /** The series needs about log(tol)/log(z) terms; 10^6 covers z up to 1 - 3e-5. */
  static final int MAX_TERMS = 1_000_000;

  private Hypergeometric() {}

  /**
   * 2F1(a, b; c; z) = sum_n (a)_n (b)_n / ((c)_n n!) z^n for 0 <= z < 1.
   *
   * <p>Terms follow t_{n+1} = t_n (a+n)(b+n) / ((c+n)(n+1)) z. The ratio tends to z < 1, so the
   * terms may first grow (large a, b) and then decay geometrically. The ratio is a rational
   * function of n, monotone for large n, so once it is below 1 the tail is about |t_n| q/(1-q) with
   * q = max(current ratio, z); we stop when that bound is below {@link #RELATIVE_TOLERANCE} of the
   * partial sum. BG/NBD uses z = t/(alpha+T+t), which is below 1 for every finite horizon; z near 1
   * needs many terms.
   *
   * @throws IllegalArgumentException if z is outside [0, 1) or c is a non-positive integer
   * @throws ArithmeticException if the sum is not finite or has not converged in MAX_TERMS terms
   */
  public static double hyp2f1(double a, double b, double c, double z) {
    if (!(z >= 0 && z < 1)) {
      throw new IllegalArgumentException("hyp2f1 series needs 0 <= z < 1, got z=" + z);
    }
    if (c <= 0 && c == Math.rint(c)) {
      throw new IllegalArgumentException("hyp2f1 undefined for non-positive integer c=" + c);
    }
    double term = 1.0;
    double sum = 1.0;
    for (int n = 0; n < MAX_TERMS; n++) {
      double ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
      term *= ratio;
      sum += term;
      if (!Double.isFinite(sum)) {
        throw new ArithmeticException(
            "hyp2f1(" + a + ", " + b + "; " + c + "; " + z + ") overflowed after " + n + " terms");
      }
      double absRatio = Math.abs(ratio);
      if (term == 0.0) {
        return sum;
      }
      double q = Math.max(absRatio, z);
      if (absRatio < 1 && Math.abs(term) * q / (1 - q) <= RELATIVE_TOLERANCE * Math.abs(sum)) {
        return sum;
      }
    }
    throw new ArithmeticException(
        "hyp2f1("
            + a
            + ", "
            + b
            + "; "
            + c
            + "; "
            + z
            + ") did not converge in "
            + MAX_TERMS
            + " terms");
  }
}
