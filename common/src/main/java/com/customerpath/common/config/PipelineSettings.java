package com.customerpath.common.config;

import com.typesafe.config.Config;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    JourneySettings journey,
    S3Settings s3,
    String configFingerprint) {

  public static final String ROOT = "customerpath";
  public static final List<String> SOURCES = List.of("transactions", "events", "customers", "products");

  public static PipelineSettings from(Config config) {
    Settings c = new Settings(config, "").at(ROOT);
    String inputRoot = c.string("input-root");
    Map<String, SourceSettings> inputs = new LinkedHashMap<>();
    for (String source : SOURCES) {
      inputs.put(source, SourceSettings.from(c.at("inputs").at(source), source).resolvedAgainst(inputRoot));
    }
    if (!inputs.get("transactions").configured()) {
      throw new ConfigError("Missing config key 'customerpath.inputs.transactions.path': "
          + "transactions are required (set a path, or tables and a query)");
    }
    List<ExternalDatasetSettings> external = c.list("external").stream()
        .map(ExternalDatasetSettings::from).map(e -> e.resolvedAgainst(inputRoot)).toList();
    String outputRoot = c.string("output.root");
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
        JourneySettings.from(c.at("journey")),
        S3Settings.from(c),
        fingerprint(c.config()));
  }

  public SourceSettings input(String source) {
    return inputs.get(source);
  }

  /**
   * A relative local path resolved against the input root ("" or "." = the working directory);
   * paths with a scheme (s3a://, hdfs://, file:) and absolute paths are left alone.
   */
  static String resolve(String root, String path) {
    if (path.isBlank() || root.isBlank() || root.equals(".") || path.startsWith("/") || path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return path;
    }
    return (root.endsWith("/") ? root : root + "/") + path;
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
    static RunSettings from(Settings c) {
      return new RunSettings(c.intAtLeast("run.lookback-days", 1), c.string("run.timezone"));
    }
  }

  /**
   * S3 (s3a://) access through hadoop-aws, mapped to spark.hadoop.fs.s3a.* by SparkSessions.
   * Credentials are never read from config: the standard AWS provider chain (environment,
   * instance/pod role, ~/.aws) supplies them.
   */
  public record S3Settings(String endpoint, boolean pathStyleAccess, String region, String committer,
                           String conflictMode, Map<String, String> extra) {
    static final List<String> COMMITTERS = List.of("partitioned", "directory", "magic", "file");

    static S3Settings from(Settings c) {
      return new S3Settings(c.string("s3.endpoint"),
          Boolean.parseBoolean(c.oneOf("s3.path-style-access", List.of("true", "false"))),
          c.string("s3.region"),
          c.oneOf("s3.committer", COMMITTERS),
          c.oneOf("s3.conflict-mode", List.of("replace", "append", "fail")),
          c.stringMap("s3.extra"));
    }
  }

  public record SparkSettings(String master, String appName, String logLevel, Map<String, String> conf) {
    static SparkSettings from(Settings c) {
      return new SparkSettings(c.string("spark.master"), c.string("spark.app-name"),
          c.oneOf("spark.log-level", List.of("ALL", "DEBUG", "INFO", "WARN", "ERROR", "OFF")),
          c.stringMap("spark.conf"));
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

    static SourceSettings from(Settings c, String name) {
      Map<String, TableSettings> tables = new LinkedHashMap<>();
      for (String table : c.keys("tables")) {
        tables.put(table, TableSettings.from(c.at("tables").child(table)));
      }
      String query = c.string("query");
      if (!tables.isEmpty() && query.isBlank()) {
        throw new ConfigError("Missing config key '" + c.name("query") + "': source '" + name
            + "' names tables " + tables.keySet() + " but no query combining them");
      }
      return new SourceSettings(name, c.string("path"), c.oneOf("format", TableSettings.FORMATS),
          c.stringMap("options"), Map.copyOf(tables), query,
          c.string("timestamp-format"), c.string("date-format"), c.stringMap("columns"));
    }

    public boolean configured() {
      return !path.isBlank() || !query.isBlank();
    }

    SourceSettings resolvedAgainst(String root) {
      Map<String, TableSettings> resolved = new LinkedHashMap<>();
      tables.forEach((n, t) -> resolved.put(n, new TableSettings(resolve(root, t.path()), t.format(), t.options())));
      return new SourceSettings(name, resolve(root, path), format, options, Map.copyOf(resolved), query,
          timestampFormat, dateFormat, columns);
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

    static TableSettings from(Settings c) {
      return from(c, Map.of("header", "true"));
    }

    static TableSettings from(Settings c, Map<String, String> defaultOptions) {
      String path = c.string("path");
      if (path.isBlank()) {
        throw new ConfigError("Missing config key '" + c.name("path") + "'");
      }
      String format = c.has("format") ? c.oneOf("format", FORMATS) : "csv";
      Map<String, String> options = new LinkedHashMap<>(defaultOptions);
      if (c.has("options")) {
        options.putAll(c.stringMap("options"));
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

    ExternalDatasetSettings resolvedAgainst(String root) {
      return new ExternalDatasetSettings(name, resolve(root, path), format, options, joinOn, key, level, columns,
          missingValue);
    }

    static ExternalDatasetSettings from(Settings indexed) {
      String name = indexed.string("name", "");
      if (name.isBlank() || !name.matches("[a-z][a-z0-9_]*")) {
        throw new ConfigError("Wrong value for config key '" + indexed.name("name") + "': got '" + name
            + "', expected a lower-case identifier such as region_demographics");
      }
      // Name the entry by its name in messages: customerpath.external[region_demographics].key
      Settings c = new Settings(indexed.config(), "customerpath.external[" + name + "]");
      // External tables are small reference data: let Spark infer numbers unless told otherwise.
      TableSettings table = TableSettings.from(c, Map.of("header", "true", "inferSchema", "true"));
      String joinOn = c.oneOf("join-on", JOIN_FIELDS);
      String level = c.has("level") ? c.oneOf("level", List.of("customer", "transaction")) : "customer";
      if (c.strings("columns").isEmpty()) {
        throw new ConfigError("Missing config key '" + c.name("columns") + "': name the columns the dataset brings in");
      }
      return new ExternalDatasetSettings(name, table.path(), table.format(), table.options(), joinOn,
          c.string("key", joinOn), level, c.strings("columns"), c.string("missing-value", ""));
    }
  }

  public record DayPart(String name, int start, int end) {}

  public record FeatureSettings(
      List<String> channels, List<String> paymentMethods, List<String> categories,
      int topCategories, List<DayPart> dayParts) {

    static FeatureSettings from(Settings c) {
      List<DayPart> parts = new ArrayList<>();
      for (Settings p : c.list("features.day-parts")) {
        DayPart part = new DayPart(p.string("name"), p.intAtLeast("start", 0), p.intAtLeast("end", 0));
        if (part.end() > 24 || part.start() >= part.end()) {
          throw new ConfigError("Wrong value for config key '" + p.name("end") + "' (" + part.name()
              + "): got [" + part.start() + ", " + part.end() + "), expected 0 <= start < end <= 24");
        }
        parts.add(part);
      }
      return new FeatureSettings(c.strings("features.channels"), c.strings("features.payment-methods"),
          c.strings("features.categories"), c.intAtLeast("features.top-categories", 0), List.copyOf(parts));
    }
  }

  public record PersonaSettings(List<String> features, String algorithm, int kMin, int kMax, String kSelection,
                                int maxIter, long seed, SomSettings som, NamingSettings naming,
                                double matchMaxDistance) {
    static PersonaSettings from(Settings c) {
      int kMin = c.intAtLeast("personas.k-min", 2);
      int kMax = c.intAtLeast("personas.k-max", 2);
      if (kMax < kMin) {
        throw new ConfigError("Wrong value for config key 'customerpath.personas.k-max': got " + kMax
            + ", expected >= k-min (" + kMin + ")");
      }
      return new PersonaSettings(c.strings("personas.features"),
          c.oneOf("personas.algorithm", List.of("kmeans", "som-kmeans")), kMin, kMax,
          c.oneOf("personas.k-selection", List.of("silhouette", "davies-bouldin")),
          c.intAtLeast("personas.max-iter", 1), c.getLong("personas.seed"), SomSettings.from(c.at("personas").at("som")),
          NamingSettings.from(c.at("personas").at("naming")), c.doubleIn("personas.match-max-distance", 0, 1e9));
    }
  }

  /** The self-organizing map in front of the codebook k-means. */
  public record SomSettings(int rows, int cols, String topology, int epochs) {
    static SomSettings from(Settings c) {
      return new SomSettings(c.intAtLeast("rows", 1), c.intAtLeast("cols", 1),
          c.oneOf("topology", List.of("rectangular", "hexagonal")), c.intAtLeast("epochs", 1));
    }
  }

  /** Phrases for persona names: feature -> [high phrase, low phrase]. */
  public record NamingSettings(double threshold, int maxPhrases, String noun, String categoryPhrase,
                               Map<String, List<String>> phrases) {
    static NamingSettings from(Settings c) {
      Map<String, List<String>> phrases = new LinkedHashMap<>();
      for (String feature : c.keys("phrases")) {
        Settings f = c.at("phrases").child(feature);
        phrases.put(feature, List.of(f.string("high", ""), f.string("low", "")));
      }
      return new NamingSettings(c.doubleIn("threshold", 0, 10), c.intAtLeast("max-phrases", 1), c.string("noun"),
          c.string("category-phrase"), Map.copyOf(phrases));
    }
  }

  /**
   * 5A journey: which evidence puts a customer in which stage (customerpath.journey.rules.<name>),
   * the look-back window, the complaint flag and the next-stage propensity model.
   */
  public record JourneySettings(int windowDays, List<StageRule> rules, StageRule complaint,
                                PropensitySettings propensity) {
    /** The 5A stages, lowest first. */
    public static final List<String> STAGES = List.of("aware", "appeal", "ask", "act", "advocate");
    public static final List<String> RULE_SOURCES = List.of("events", "transactions");

    static JourneySettings from(Settings c) {
      List<StageRule> rules = new ArrayList<>();
      for (String name : c.keys("rules")) {
        Settings r = c.at("rules").child(name);
        if (r.has("enabled") && !r.read("enabled", r.config()::getBoolean)) {
          continue;
        }
        rules.add(StageRule.from(r, name, true));
      }
      if (rules.isEmpty()) {
        throw new ConfigError("Wrong value for config key '" + c.name("rules")
            + "': no enabled rule (expected at least one, e.g. { stage = act, source = transactions })");
      }
      Settings complaint = c.at("complaint");
      return new JourneySettings(c.intAtLeast("window-days", 1), List.copyOf(rules),
          StageRule.from(complaint, "complaint", false), PropensitySettings.from(c.at("propensity")));
    }

    public static int rank(String stage) {
      return STAGES.indexOf(stage);
    }
  }

  /**
   * One stage rule: rows of a source (events of the listed types, or purchase orders) that match
   * an optional Spark SQL predicate put the customer in the stage at the row's time.
   */
  public record StageRule(String name, String key, String stage, String source, List<String> eventTypes,
                          String condition) {
    static StageRule from(Settings r, String name, boolean withStage) {
      String stage = withStage ? r.oneOf("stage", JourneySettings.STAGES) : "";
      String source = r.has("source") ? r.oneOf("source", JourneySettings.RULE_SOURCES) : "events";
      List<String> types = r.has("event-types") ? r.strings("event-types") : List.of();
      if (withStage && source.equals("events") && types.isEmpty()) {
        throw new ConfigError("Missing config key '" + r.name("event-types") + "': an events rule names the event "
            + "types it counts (or set source = transactions)");
      }
      if (source.equals("transactions") && !types.isEmpty()) {
        throw new ConfigError("Wrong value for config key '" + r.name("event-types") + "': got " + types
            + ", expected none for a rule with source = transactions");
      }
      String condition = r.string("condition", "").trim();
      if (!condition.isEmpty()) {
        try {
          org.apache.spark.sql.catalyst.parser.CatalystSqlParser$.MODULE$.parseExpression(condition);
        } catch (Exception e) { // ParseException is a checked exception thrown from Scala
          throw new ConfigError("Wrong value for config key '" + r.name("condition") + "': cannot parse '"
              + condition + "' as a Spark SQL predicate (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
      }
      return new StageRule(name, r.name(""), stage, source, List.copyOf(types), condition);
    }

    /** The config key of this rule, e.g. customerpath.journey.rules.review-positive. */
    public String configKey() {
      return key.endsWith(".") ? key.substring(0, key.length() - 1) : key;
    }

    public boolean active() {
      return source.equals("transactions") || !eventTypes.isEmpty();
    }
  }

  /** Next-stage propensity: training snapshots, horizon, features and the model. */
  public record PropensitySettings(int horizonDays, int stepDays, int snapshots, List<String> customerFeatures,
                                   String algorithm, int maxIter, double regParam, long seed) {
    static PropensitySettings from(Settings c) {
      return new PropensitySettings(c.intAtLeast("horizon-days", 1), c.intAtLeast("step-days", 1),
          c.intAtLeast("snapshots", 2), c.strings("customer-features"),
          c.oneOf("algorithm", List.of("logistic", "gbt")), c.intAtLeast("max-iter", 1),
          c.doubleIn("reg-param", 0, 100), c.getLong("seed"));
    }
  }
}
