package com.customerpath.common.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How strict ingest is ({@code customerpath.validation}): numeric ranges per source field, the
 * quarantine share above which a source fails the run, what an empty source means, the record-count
 * check and what an unknown config key does.
 */
public record ValidationSettings(
    Map<String, Map<String, Range>> ranges,
    Map<String, Double> maxQuarantineShare,
    EmptyInput emptyInput,
    boolean countCheck,
    UnknownKey unknownKeys) {

  /** What a source without data rows does: fail the run, or warn and publish an empty night. */
  public enum EmptyInput {
    FAIL,
    WARN
  }

  /**
   * What a config key reference.conf does not know does: fail at start-up, or warn (checked by
   * ConfigLoader when the config is loaded).
   */
  public enum UnknownKey {
    ERROR,
    WARN
  }

  /** Inclusive bounds of a numeric field; null = unbounded on that side. */
  public record Range(Double min, Double max) {
    public boolean bounded() {
      return min != null || max != null;
    }

    @Override
    public String toString() {
      return "[" + (min == null ? "-inf" : min) + ", " + (max == null ? "+inf" : max) + "]";
    }
  }

  /** The ranges of one source's fields (empty when none is configured). */
  public Map<String, Range> ranges(String source) {
    return ranges.getOrDefault(source, Map.of());
  }

  /**
   * The largest share of a source's rows that may be quarantined (the source's own or the default).
   */
  public double maxQuarantineShare(String source) {
    return maxQuarantineShare.getOrDefault(source, maxQuarantineShare.get("default"));
  }

  static ValidationSettings from(Settings c) {
    Map<String, Map<String, Range>> ranges = new LinkedHashMap<>();
    Settings r = c.at("ranges");
    for (String source : r.keys()) {
      if (!PipelineSettings.SOURCES.contains(source)) {
        throw new ConfigError(
            "Wrong config key '"
                + r.name(source)
                + "': not a source (expected one of "
                + PipelineSettings.SOURCES
                + ")");
      }
      Map<String, Range> fields = new LinkedHashMap<>();
      Settings s = r.child(source);
      for (String field : s.keys()) {
        Settings f = s.child(field);
        for (String k : f.keys()) {
          if (!k.equals("min") && !k.equals("max")) {
            throw new ConfigError("Wrong config key '" + f.name(k) + "': expected min or max");
          }
        }
        Double min = f.has("min") ? f.read("min", f.config()::getDouble) : null;
        Double max = f.has("max") ? f.read("max", f.config()::getDouble) : null;
        if (min != null && max != null && min > max) {
          throw new ConfigError(
              "Wrong value for config key '"
                  + f.name("max")
                  + "': got "
                  + max
                  + ", expected >= min ("
                  + min
                  + ")");
        }
        fields.put(field, new Range(min, max));
      }
      ranges.put(source, Map.copyOf(fields));
    }
    Map<String, Double> shares = new LinkedHashMap<>();
    Settings q = c.at("max-quarantine-share");
    for (String source : q.keys()) {
      if (!source.equals("default") && !PipelineSettings.SOURCES.contains(source)) {
        throw new ConfigError(
            "Wrong config key '"
                + q.name(source)
                + "': not a source (expected default or one of "
                + PipelineSettings.SOURCES
                + ")");
      }
      shares.put(source, q.doubleIn(source, 0, 1));
    }
    if (!shares.containsKey("default")) {
      throw new ConfigError("Missing config key '" + q.name("default") + "'");
    }
    return new ValidationSettings(
        Map.copyOf(ranges),
        Map.copyOf(shares),
        c.choice("empty-input", EmptyInput.class),
        c.read("count-check", c.config()::getBoolean),
        c.choice("unknown-keys", UnknownKey.class));
  }
}
