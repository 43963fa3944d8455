package com.customerpath.common.config;

import com.customerpath.common.churn.ChurnRiskModel.IdleRule;
import com.customerpath.common.churn.FitOptions;
import com.customerpath.common.churn.PurchaseModel;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

/**
 * customerpath.churn: the churn step's purchase model, horizon, time unit, fitting, idle rule and
 * holdout evaluation (see docs/churn.md).
 *
 * @param cutoffDate evaluation: last calibration day, "" = run date minus holdoutDays
 */
public record ChurnSettings(
    PurchaseModel model,
    int horizonDays,
    double unitDays,
    FitOptions fit,
    IdleRule idle,
    String cutoffDate,
    int holdoutDays) {

  static ChurnSettings from(Settings c) {
    List<String> models =
        Arrays.stream(PurchaseModel.values()).map(PurchaseModel::configName).toList();
    PurchaseModel model = PurchaseModel.fromConfigName(c.oneOf("model", models));
    Settings f = c.at("fit");
    FitOptions fit =
        new FitOptions(
            f.doubleIn("time-resolution", 0, 52),
            f.doubleIn("spend-precision", 0, 0.5),
            f.intAtLeast("max-evaluations", 50),
            f.intAtLeast("restarts", 0));
    Settings i = c.at("idle");
    double cap = i.doubleIn("cap", 0, 1);
    if (cap <= 0) {
      throw new ConfigError(
          "Wrong value for config key '" + i.name("cap") + "': got 0, expected a value in (0, 1]");
    }
    IdleRule idle = new IdleRule(i.doubleIn("multiple", 0, 1000), cap);
    Settings e = c.at("evaluation");
    String cutoff = e.dateOrBlank("cutoff-date");
    return new ChurnSettings(
        model,
        c.intAtLeast("horizon-days", 1),
        c.doubleIn("unit-days", 1, 365),
        fit,
        idle,
        cutoff,
        e.intAtLeast("holdout-days", 1));
  }

  /** Prediction horizon in model units. */
  public double horizonUnits() {
    return horizonDays / unitDays;
  }

  /** Last calibration day of the holdout evaluation for a run date. */
  public LocalDate cutoff(LocalDate runDate) {
    return cutoffDate.isBlank() ? runDate.minusDays(holdoutDays) : LocalDate.parse(cutoffDate);
  }
}
