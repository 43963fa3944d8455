package com.customerpath.common.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A file or folder read with a format and reader options: a source's table, an external dataset.
 */
public record TableSettings(String path, Format format, Map<String, String> options) {

  /** How the files are read (config spelling csv, parquet, text, json). */
  public enum Format {
    CSV,
    PARQUET,
    TEXT,
    JSON
  }

  static TableSettings from(Settings c) {
    return from(c, Map.of("header", "true"));
  }

  static TableSettings from(Settings c, Map<String, String> defaultOptions) {
    String path = c.string("path");
    if (path.isBlank()) {
      throw new ConfigError("Missing config key '" + c.name("path") + "'");
    }
    Format format = c.has("format") ? c.choice("format", Format.class) : Format.CSV;
    Map<String, String> options = new LinkedHashMap<>(defaultOptions);
    if (c.has("options")) {
      options.putAll(c.stringMap("options"));
    }
    return new TableSettings(path, format, Map.copyOf(options));
  }
}
