package com.customerpath.common.churn;

import java.io.Serializable;

/**
 * Fitted Gamma-Gamma spend parameters: a transaction's value is Gamma(p, nu) with the customer's nu
 * ~ Gamma(q, v); the population mean spend per transaction is p v / (q - 1) for q > 1.
 *
 * @param logLikelihood total log-likelihood of the customers with x > 0 at these parameters
 * @param iterations likelihood evaluations the optimizer used
 */
public record GammaGammaParams(double p, double q, double v, double logLikelihood, int iterations)
    implements Serializable {

  /** Mean spend per transaction across the population; infinite if q <= 1. */
  public double populationMeanSpend() {
    return q > 1 ? p * v / (q - 1) : Double.POSITIVE_INFINITY;
  }
}
