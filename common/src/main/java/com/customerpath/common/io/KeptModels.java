package com.customerpath.common.io;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

/**
 * The rule every model kept between nights follows (the persona model, the propensity model, the
 * recommendation blend): a night may use one fitted on that night or fewer than maxAgeDays nights
 * before, whose fingerprint (the settings and columns it depends on) is tonight's.
 */
public final class KeptModels {
  private KeptModels() {}

  public static boolean usable(
      LocalDate fittedOn,
      LocalDate night,
      int maxAgeDays,
      Object storedFingerprint,
      String fingerprint) {
    long age = ChronoUnit.DAYS.between(fittedOn, night);
    return age >= 0 && age < maxAgeDays && fingerprint.equals(storedFingerprint);
  }
}
