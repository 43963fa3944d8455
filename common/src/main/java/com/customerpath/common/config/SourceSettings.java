package com.customerpath.common.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** One input source: a path, or named tables combined by a query; plus the column mapping. */
public record SourceSettings(
    String name,
    String path,
    TableSettings.Format format,
    Map<String, String> options,
    Map<String, TableSettings> tables,
    String query,
    String timestampFormat,
    String dateFormat,
    Map<String, String> columns) {

  static SourceSettings from(Settings c, String name) {
    Map<String, TableSettings> tables = new LinkedHashMap<>();
    for (String table : c.keys("tables")) {
      tables.put(table, TableSettings.from(c.at("tables").child(table)));
    }
    String query = c.string("query");
    if (!tables.isEmpty() && query.isBlank()) {
      throw new ConfigError(
          "Missing config key '"
              + c.name("query")
              + "': source '"
              + name
              + "' names tables "
              + tables.keySet()
              + " but no query combining them");
    }
    return new SourceSettings(
        name,
        c.string("path"),
        c.choice("format", TableSettings.Format.class),
        c.stringMap("options"),
        Map.copyOf(tables),
        query,
        c.string("timestamp-format"),
        c.string("date-format"),
        c.stringMap("columns"));
  }

  public boolean configured() {
    return !path.isBlank() || !query.isBlank();
  }

  SourceSettings resolvedAgainst(String root) {
    Map<String, TableSettings> resolved = new LinkedHashMap<>();
    tables.forEach(
        (n, t) ->
            resolved.put(
                n,
                new TableSettings(
                    PipelineSettings.resolve(root, t.path()), t.format(), t.options())));
    return new SourceSettings(
        name,
        PipelineSettings.resolve(root, path),
        format,
        options,
        Map.copyOf(resolved),
        query,
        timestampFormat,
        dateFormat,
        columns);
  }

  /** Where the rows come from, for error messages. */
  public String location() {
    if (!tables.isEmpty()) {
      return tables.values().stream().map(TableSettings::path).toList().toString();
    }
    return path;
  }
}
