package com.customerpath.common.config;

import java.util.List;

/** fullRefresh: ingest rebuilds the curated tables from every input file instead of tonight's. */
public record RunSettings(int lookbackDays, String timezone, boolean fullRefresh) {
  static RunSettings from(Settings c) {
    return new RunSettings(
        c.intAtLeast("run.lookback-days", 1),
        c.string("run.timezone"),
        Boolean.parseBoolean(c.oneOf("run.full-refresh", List.of("true", "false"))));
  }
}
