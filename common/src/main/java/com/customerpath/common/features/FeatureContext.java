package com.customerpath.common.features;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * Which activity a feature set is computed on. A customer can behave differently on weekdays and
 * weekends, so personas are also built per context.
 */
public enum FeatureContext {
  ALL,
  WEEKDAY,
  WEEKEND;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Keeps the rows of this context (ts is the row's timestamp). */
  public Column filter(Column ts) {
    Column weekend = functions.dayofweek(ts).isin(1, 7); // Spark: 1 = Sunday, 7 = Saturday
    return switch (this) {
      case ALL -> functions.lit(true);
      case WEEKDAY -> functions.not(weekend);
      case WEEKEND -> weekend;
    };
  }
}
