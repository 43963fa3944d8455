package com.customerpath.common.config;

import java.util.ArrayList;
import java.util.List;

/** customerpath.features: the values and day parts the customer features are counted by. */
public record FeatureSettings(
    List<String> channels,
    List<String> paymentMethods,
    List<String> categories,
    int topCategories,
    List<DayPart> dayParts) {

  /**
   * The same settings without category shares: for a caller that reads no category_share_ column,
   * so that no query ranks the categories and no share is aggregated.
   */
  public FeatureSettings withoutCategoryShares() {
    return new FeatureSettings(channels, paymentMethods, List.of(), 0, dayParts);
  }

  static FeatureSettings from(Settings c) {
    List<DayPart> parts = new ArrayList<>();
    for (Settings p : c.list("features.day-parts")) {
      DayPart part =
          new DayPart(p.string("name"), p.intAtLeast("start", 0), p.intAtLeast("end", 0));
      if (part.end() > 24 || part.start() >= part.end()) {
        throw new ConfigError(
            "Wrong value for config key '"
                + p.name("end")
                + "' ("
                + part.name()
                + "): got ["
                + part.start()
                + ", "
                + part.end()
                + "), expected 0 <= start < end <= 24");
      }
      parts.add(part);
    }
    return new FeatureSettings(
        c.strings("features.channels"),
        c.strings("features.payment-methods"),
        c.strings("features.categories"),
        c.intAtLeast("features.top-categories", 0),
        List.copyOf(parts));
  }

  public record DayPart(String name, int start, int end) {}
}
