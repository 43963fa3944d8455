package com.customerpath.common.churn;

import java.io.Serializable;

/**
 * A fitted purchase model.
 *
 * @param params (r, alpha, a, b), the log-likelihood and the optimizer's evaluations
 * @param typicalInterPurchaseTime weighted median of t_x / x over repeat buyers, in units (NaN if
 *     nobody bought twice)
 * @param groupedRows distinct (x, t_x, T) rows the fit ran on
 * @param customers customers in the summary
 */
public record PurchaseFit(
    PurchaseModel model,
    BgNbdParams params,
    double typicalInterPurchaseTime,
    long groupedRows,
    long customers)
    implements Serializable {}
