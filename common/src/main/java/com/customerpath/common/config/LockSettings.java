package com.customerpath.common.config;

import java.time.Duration;

/** One run at a time per output root ({@code customerpath.lock}). */
public record LockSettings(boolean enabled, Duration staleAfter) {
  static LockSettings from(Settings c) {
    return new LockSettings(
        c.read("enabled", c.config()::getBoolean),
        Duration.ofMinutes(c.intAtLeast("stale-after-minutes", 1)));
  }
}
