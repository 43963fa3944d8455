package com.customerpath.common.churn;

import java.io.Serializable;

/**
 * Fitted BG/NBD parameters: purchase rates are Gamma(r, alpha) across customers, the dropout
 * probability after each purchase is Beta(a, b).
 *
 * @param logLikelihood total log-likelihood of the fitted summary at these parameters
 * @param iterations likelihood evaluations the optimizer used (BOBYQA has no gradient iterations)
 */
public record BgNbdParams(
    double r, double alpha, double a, double b, double logLikelihood, int iterations)
    implements Serializable {}
