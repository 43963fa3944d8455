package com.customerpath.common.churn;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * Maximises a log-likelihood over strictly positive parameters with BOBYQA (commons-math3) on theta
 * = log(parameter), so positivity needs no constraint and the scale is comparable across
 * parameters. BOBYQA is derivative-free and needs a few hundred evaluations for 3-4 parameters.
 */
final class MaximumLikelihood {
  /** Box on log-parameters: exp(+-15) spans 3e-7 .. 3e6, far beyond any sensible fit. */
  private static final double LOG_BOUND = 15.0;

  /** Stand-in for a non-finite log-likelihood, so the quadratic model is never fed NaN. */
  private static final double INVALID = -1e100;

  /** Optimum in natural (positive) parameters, its log-likelihood, total evaluations. */
  record Optimum(double[] params, double logLikelihood, int evaluations) {}

  private MaximumLikelihood() {}

  /** The default start followed by up to {@code restarts} of the model's restart points. */
  static List<double[]> starts(double[] defaultStart, double[][] restartPoints, int restarts) {
    List<double[]> starts = new java.util.ArrayList<>();
    starts.add(defaultStart);
    for (int i = 0; i < Math.min(restarts, restartPoints.length); i++) {
      starts.add(restartPoints[i]);
    }
    return starts;
  }

  static Optimum maximise(
      ToDoubleFunction<double[]> logLikelihood, List<double[]> starts, int maxEvaluationsPerStart) {
    int n = starts.get(0).length;
    double[] lower = new double[n];
    double[] upper = new double[n];
    Arrays.fill(lower, -LOG_BOUND);
    Arrays.fill(upper, LOG_BOUND);
    ObjectiveFunction objective =
        new ObjectiveFunction(
            theta -> {
              double value = logLikelihood.applyAsDouble(exp(theta));
              return Double.isFinite(value) ? value : INVALID;
            });
    PointValuePair best = null;
    int evaluations = 0;
    for (double[] start : starts) {
      // Trust region starts at 1 (a factor e in every parameter) and stops at 1e-6 in log space,
      // i.e. parameters to about 1e-6 relative, far below their standard errors.
      BOBYQAOptimizer optimizer = new BOBYQAOptimizer(2 * n + 1, 1.0, 1e-6);
      PointValuePair found =
          optimizer.optimize(
              new MaxEval(maxEvaluationsPerStart),
              objective,
              GoalType.MAXIMIZE,
              new InitialGuess(log(start)),
              new SimpleBounds(lower, upper));
      evaluations += optimizer.getEvaluations();
      if (best == null || found.getValue() > best.getValue()) {
        best = found;
      }
    }
    return new Optimum(exp(best.getPoint()), best.getValue(), evaluations);
  }

  private static double[] exp(double[] theta) {
    double[] p = new double[theta.length];
    for (int i = 0; i < theta.length; i++) {
      p[i] = Math.exp(theta[i]);
    }
    return p;
  }

  private static double[] log(double[] params) {
    double[] theta = new double[params.length];
    for (int i = 0; i < params.length; i++) {
      theta[i] = Math.log(params[i]);
    }
    return theta;
  }
}
