package com.customerpath.common.config;

import com.typesafe.config.Config;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of a run, read once from the config and validated. Defaults live in
 * reference.conf only; code never repeats them.
 */
public record PipelineSettings(
    RunSettings run,
    SparkSettings spark,
    String outputRoot,
    Map<String, SourceSettings> inputs,
    List<ExternalDatasetSettings> external,
    FeatureSettings features,
    PersonaSettings personas,
    String configFingerprint) {

  public static final String ROOT = "customerpath";
  public static final List<String> SOURCES = List.of("transactions", "events", "customers", "products");

  public static PipelineSettings from(Config config) {
    Config c = config.getConfig(ROOT);
    Map<String, SourceSettings> inputs = new LinkedHashMap<>();
    for (String source : SOURCES) {
      inputs.put(source, SourceSettings.from(c, "inputs." + source, source));
    }
    if (!inputs.get("transactions").configured()) {
      throw new ConfigError("Missing config key 'customerpath.inputs.transactions.path': "
          + "transactions are required (set a path, or tables and a query)");
    }
    List<ExternalDatasetSettings> external = Settings.configs(c, "external").stream()
        .map(ExternalDatasetSettings::from).toList();
    String outputRoot = Settings.string(c, "output.root");
    if (outputRoot.isBlank()) {
      throw new ConfigError("Wrong value for config key 'customerpath.output.root': must not be empty");
    }
    return new PipelineSettings(
        RunSettings.from(c),
        SparkSettings.from(c),
        outputRoot,
        Map.copyOf(inputs),
        external,
        FeatureSettings.from(c),
        PersonaSettings.from(c),
        fingerprint(c));
  }

  public SourceSettings input(String source) {
    return inputs.get(source);
  }

  /** A short hash of the resolved settings, recorded in the run manifest. */
  private static String fingerprint(Config c) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(c.withoutPath("defaults").root().render(com.typesafe.config.ConfigRenderOptions.concise())
              .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public record RunSettings(int lookbackDays, String timezone) {
    static RunSettings from(Config c) {
      return new RunSettings(Settings.intAtLeast(c, "run.lookback-days", 1), Settings.string(c, "run.timezone"));
    }
  }

  public record SparkSettings(String master, String appName, String logLevel, Map<String, String> conf) {
    static SparkSettings from(Config c) {
      return new SparkSettings(Settings.string(c, "spark.master"), Settings.string(c, "spark.app-name"),
          Settings.oneOf(c, "spark.log-level", List.of("ALL", "DEBUG", "INFO", "WARN", "ERROR", "OFF")),
          Settings.stringMap(c, "spark.conf"));
    }
  }

  /** One input source: a path, or named tables combined by a query; plus the column mapping. */
  public record SourceSettings(
      String name,
      String path,
      String format,
      Map<String, String> options,
      Map<String, TableSettings> tables,
      String query,
      String timestampFormat,
      String dateFormat,
      Map<String, String> columns) {

    static SourceSettings from(Config root, String key, String name) {
      Config c = Settings.read(root, key, root::getConfig);
      String k = ROOT + "." + key;
      Map<String, TableSettings> tables = new LinkedHashMap<>();
      for (String table : Settings.read(c, "tables", c::getObject).keySet()) {
        tables.put(table, TableSettings.from(c.getConfig("tables").getConfig("\"" + table + "\""), k + ".tables." + table));
      }
      String query = Settings.string(c, "query");
      if (!tables.isEmpty() && query.isBlank()) {
        throw new ConfigError("Missing config key '" + k + ".query': source '" + name
            + "' names tables " + tables.keySet() + " but no query combining them");
      }
      return new SourceSettings(name, Settings.string(c, "path"),
          Settings.oneOf(c, "format", TableSettings.FORMATS),
          Settings.stringMap(c, "options"), Map.copyOf(tables), query,
          Settings.string(c, "timestamp-format"), Settings.string(c, "date-format"),
          Settings.stringMap(c, "columns"));
    }

    public boolean configured() {
      return !path.isBlank() || !query.isBlank();
    }

    /** Where the rows come from, for error messages. */
    public String location() {
      if (!tables.isEmpty()) {
        return tables.values().stream().map(TableSettings::path).toList().toString();
      }
      return path;
    }
  }

  public record TableSettings(String path, String format, Map<String, String> options) {
    static final List<String> FORMATS = List.of("csv", "parquet", "text", "json");

    static TableSettings from(Config c, String key) {
      return from(c, key, Map.of("header", "true"));
    }

    static TableSettings from(Config c, String key, Map<String, String> defaultOptions) {
      String path = c.hasPath("path") ? c.getString("path") : "";
      if (path.isBlank()) {
        throw new ConfigError("Missing config key '" + key + ".path'");
      }
      String format = c.hasPath("format") ? c.getString("format") : "csv";
      if (!FORMATS.contains(format)) {
        throw new ConfigError("Wrong value for config key '" + key + ".format': got '" + format + "', expected one of " + FORMATS);
      }
      Map<String, String> options = new LinkedHashMap<>(defaultOptions);
      if (c.hasPath("options")) {
        options.putAll(Settings.stringMap(c, "options"));
      }
      return new TableSettings(path, format, Map.copyOf(options));
    }
  }

  /** An external dataset joined onto curated data by a key. */
  public record ExternalDatasetSettings(
      String name, String path, String format, Map<String, String> options,
      String joinOn, String key, String level, List<String> columns, String missingValue) {

    /** Curated fields an external dataset can be joined on. */
    public static final List<String> JOIN_FIELDS = List.of(
        "region_id", "date", "product_id", "customer_id", "store_id", "channel", "gender", "country");

    static ExternalDatasetSettings from(Config c) {
      String name = c.hasPath("name") ? c.getString("name") : "";
      String k = "customerpath.external[" + (name.isBlank() ? "?" : name) + "]";
      if (name.isBlank() || !name.matches("[a-z][a-z0-9_]*")) {
        throw new ConfigError("Wrong value for config key '" + k + ".name': got '" + name
            + "', expected a lower-case identifier such as region_demographics");
      }
      // External tables are small reference data: let Spark infer numbers unless told otherwise.
      TableSettings table = TableSettings.from(c, k, Map.of("header", "true", "inferSchema", "true"));
      String joinOn = Settings.oneOf(c, "join-on", JOIN_FIELDS);
      String level = c.hasPath("level") ? Settings.oneOf(c, "level", List.of("customer", "transaction")) : "customer";
      if (Settings.strings(c, "columns").isEmpty()) {
        throw new ConfigError("Missing config key '" + k + ".columns': name the columns the dataset brings in");
      }
      return new ExternalDatasetSettings(name, table.path(), table.format(), table.options(), joinOn,
          c.hasPath("key") ? c.getString("key") : joinOn, level, Settings.strings(c, "columns"),
          c.hasPath("missing-value") ? c.getString("missing-value") : "");
    }
  }

  public record DayPart(String name, int start, int end) {}

  public record FeatureSettings(
      List<String> channels, List<String> paymentMethods, List<String> categories,
      int topCategories, List<DayPart> dayParts) {

    static FeatureSettings from(Config c) {
      List<DayPart> parts = Settings.configs(c, "features.day-parts").stream()
          .map(p -> new DayPart(p.getString("name"), p.getInt("start"), p.getInt("end"))).toList();
      for (DayPart p : parts) {
        if (p.start() < 0 || p.end() > 24 || p.start() >= p.end()) {
          throw new ConfigError("Wrong value for config key 'customerpath.features.day-parts' (" + p.name()
              + "): got [" + p.start() + ", " + p.end() + "), expected 0 <= start < end <= 24");
        }
      }
      return new FeatureSettings(Settings.strings(c, "features.channels"),
          Settings.strings(c, "features.payment-methods"), Settings.strings(c, "features.categories"),
          Settings.intAtLeast(c, "features.top-categories", 0), parts);
    }
  }

  public record PersonaSettings(List<String> features, String algorithm, int k, int maxIter, long seed,
                                NamingSettings naming) {
    static PersonaSettings from(Config c) {
      return new PersonaSettings(Settings.strings(c, "personas.features"),
          Settings.oneOf(c, "personas.algorithm", List.of("kmeans", "som-kmeans")),
          Settings.intAtLeast(c, "personas.k", 2), Settings.intAtLeast(c, "personas.max-iter", 1),
          Settings.read(c, "personas.seed", c::getLong), NamingSettings.from(c));
    }
  }

  /** Phrases for persona names: feature -> [high phrase, low phrase]. */
  public record NamingSettings(double threshold, int maxPhrases, String noun, String categoryPhrase,
                               Map<String, List<String>> phrases) {
    static NamingSettings from(Config c) {
      Map<String, List<String>> phrases = new LinkedHashMap<>();
      Config p = Settings.read(c, "personas.naming.phrases", c::getConfig);
      for (String feature : p.root().keySet()) {
        Config f = p.getConfig("\"" + feature + "\"");
        phrases.put(feature, List.of(f.hasPath("high") ? f.getString("high") : "",
            f.hasPath("low") ? f.getString("low") : ""));
      }
      return new NamingSettings(Settings.doubleIn(c, "personas.naming.threshold", 0, 10),
          Settings.intAtLeast(c, "personas.naming.max-phrases", 1), Settings.string(c, "personas.naming.noun"),
          Settings.string(c, "personas.naming.category-phrase"), Map.copyOf(phrases));
    }
  }
}
