package com.customerpath.common.config;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of a run, read once from the config and validated. Defaults live in reference.conf
 * only; code never repeats them.
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
    RecommendationSettings recommendations,
    ChurnSettings churn,
    String configFingerprint,
    ValidationSettings validation,
    LockSettings lock,
    PrivacySettings privacy) {

  public static final String ROOT = "customerpath";
  public static final List<String> SOURCES =
      List.of("transactions", "events", "customers", "products");

  /** How a choice (an enum of these settings) is spelt in config: SOM_KMEANS is som-kmeans. */
  public static String configName(Enum<?> choice) {
    return choice.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  public static PipelineSettings from(Config config) {
    Settings c = new Settings(config, "").at(ROOT);
    String inputRoot = c.string("input-root");
    Map<String, SourceSettings> inputs = new LinkedHashMap<>();
    for (String source : SOURCES) {
      inputs.put(
          source,
          SourceSettings.from(c.at("inputs").at(source), source).resolvedAgainst(inputRoot));
    }
    if (!inputs.get("transactions").configured()) {
      throw new ConfigError(
          "Missing config key 'customerpath.inputs.transactions.path': "
              + "transactions are required (set a path, or tables and a query)");
    }
    List<ExternalDatasetSettings> external =
        c.list("external").stream()
            .map(ExternalDatasetSettings::from)
            .map(e -> e.resolvedAgainst(inputRoot))
            .toList();
    String outputRoot = c.string("output.root");
    if (outputRoot.isBlank()) {
      throw new ConfigError(
          "Wrong value for config key 'customerpath.output.root': must not be empty");
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
        RecommendationSettings.from(c.at("recommendations")),
        ChurnSettings.from(c.at("churn")),
        fingerprint(c.config()),
        ValidationSettings.from(c.at("validation")),
        LockSettings.from(c.at("lock")),
        PrivacySettings.from(c.at("privacy")));
  }

  public SourceSettings input(String source) {
    return inputs.get(source);
  }

  /**
   * A relative local path resolved against the input root ("" or "." = the working directory);
   * paths with a scheme (s3a://, hdfs://, file:) and absolute paths are left alone.
   */
  static String resolve(String root, String path) {
    if (path.isBlank()
        || root.isBlank()
        || root.equals(".")
        || path.startsWith("/")
        || path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return path;
    }
    return (root.endsWith("/") ? root : root + "/") + path;
  }

  /** A short hash of the resolved settings, recorded in the run manifest. */
  private static String fingerprint(Config c) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  c.withoutPath("defaults")
                      .root()
                      .render(com.typesafe.config.ConfigRenderOptions.concise())
                      .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** fullRefresh: ingest rebuilds the curated tables from every input file instead of tonight's. */
  public record RunSettings(int lookbackDays, String timezone, boolean fullRefresh) {
    static RunSettings from(Settings c) {
      return new RunSettings(
          c.intAtLeast("run.lookback-days", 1),
          c.string("run.timezone"),
          Boolean.parseBoolean(c.oneOf("run.full-refresh", List.of("true", "false"))));
    }
  }

  /**
   * S3 (s3a://) access through hadoop-aws, mapped to spark.hadoop.fs.s3a.* by SparkSessions.
   * Credentials are never read from config: the standard AWS provider chain (environment,
   * instance/pod role, ~/.aws) supplies them.
   */
  public record S3Settings(
      String endpoint,
      boolean pathStyleAccess,
      String region,
      String committer,
      String conflictMode,
      Map<String, String> extra) {
    static final List<String> COMMITTERS = List.of("partitioned", "directory", "magic", "file");

    static S3Settings from(Settings c) {
      return new S3Settings(
          c.string("s3.endpoint"),
          Boolean.parseBoolean(c.oneOf("s3.path-style-access", List.of("true", "false"))),
          c.string("s3.region"),
          c.oneOf("s3.committer", COMMITTERS),
          c.oneOf("s3.conflict-mode", List.of("replace", "append", "fail")),
          c.stringMap("s3.extra"));
    }
  }

  public record SparkSettings(
      String master, String appName, String logLevel, Map<String, String> conf) {
    static SparkSettings from(Settings c) {
      return new SparkSettings(
          c.string("spark.master"),
          c.string("spark.app-name"),
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
          c.oneOf("format", TableSettings.FORMATS),
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
              resolved.put(n, new TableSettings(resolve(root, t.path()), t.format(), t.options())));
      return new SourceSettings(
          name,
          resolve(root, path),
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
      String name,
      String path,
      String format,
      Map<String, String> options,
      String joinOn,
      String key,
      Level level,
      List<String> columns,
      String missingValue,
      Pick pick,
      String pickBy) {

    /** What a row of the dataset describes: the customer, or the transaction (by date). */
    public enum Level {
      CUSTOMER,
      TRANSACTION
    }

    /**
     * How one row per key is picked when a key has several: unique (several = an error), as-of
     * (customer level: the latest row with pick-by not after the run date; transaction level: the
     * row of the transaction's year or day), latest (largest pick-by), or an aggregate of each
     * column.
     */
    public enum Pick {
      UNIQUE,
      AS_OF,
      LATEST,
      SUM,
      AVG,
      MIN,
      MAX
    }

    public ExternalDatasetSettings(
        String name,
        String path,
        String format,
        Map<String, String> options,
        String joinOn,
        String key,
        Level level,
        List<String> columns,
        String missingValue) {
      this(name, path, format, options, joinOn, key, level, columns, missingValue, Pick.UNIQUE, "");
    }

    /** Curated fields an external dataset can be joined on. */
    public static final List<String> JOIN_FIELDS =
        List.of(
            "region_id",
            "date",
            "product_id",
            "customer_id",
            "store_id",
            "channel",
            "gender",
            "country");

    ExternalDatasetSettings resolvedAgainst(String root) {
      return new ExternalDatasetSettings(
          name,
          resolve(root, path),
          format,
          options,
          joinOn,
          key,
          level,
          columns,
          missingValue,
          pick,
          pickBy);
    }

    static ExternalDatasetSettings from(Settings indexed) {
      String name = indexed.string("name", "");
      if (name.isBlank() || !name.matches("[a-z][a-z0-9_]*")) {
        throw new ConfigError(
            "Wrong value for config key '"
                + indexed.name("name")
                + "': got '"
                + name
                + "', expected a lower-case identifier such as region_demographics");
      }
      // Name the entry by its name in messages: customerpath.external[region_demographics].key
      Settings c = new Settings(indexed.config(), "customerpath.external[" + name + "]");
      // External tables are small reference data: let Spark infer numbers unless told otherwise.
      TableSettings table = TableSettings.from(c, Map.of("header", "true", "inferSchema", "true"));
      String joinOn = c.oneOf("join-on", JOIN_FIELDS);
      Level level = c.has("level") ? c.choice("level", Level.class) : Level.CUSTOMER;
      if (c.strings("columns").isEmpty()) {
        throw new ConfigError(
            "Missing config key '"
                + c.name("columns")
                + "': name the columns the dataset brings in");
      }
      Pick pick = c.has("pick") ? c.choice("pick", Pick.class) : Pick.UNIQUE;
      String pickBy = c.string("pick-by", "");
      if ((pick == Pick.AS_OF || pick == Pick.LATEST) && pickBy.isBlank()) {
        throw new ConfigError(
            "Missing config key '"
                + c.name("pick-by")
                + "': pick = "
                + configName(pick)
                + " needs the date or year column (or expression) that orders the rows");
      }
      return new ExternalDatasetSettings(
          name,
          table.path(),
          table.format(),
          table.options(),
          joinOn,
          c.string("key", joinOn),
          level,
          c.strings("columns"),
          c.string("missing-value", ""),
          pick,
          pickBy);
    }
  }

  public record DayPart(String name, int start, int end) {}

  public record FeatureSettings(
      List<String> channels,
      List<String> paymentMethods,
      List<String> categories,
      int topCategories,
      List<DayPart> dayParts) {

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
  }

  public record PersonaSettings(
      List<String> features,
      Algorithm algorithm,
      int kMin,
      int kMax,
      com.customerpath.common.personas.KSelection.Criterion kSelection,
      int maxIter,
      long seed,
      SomSettings som,
      NamingSettings naming,
      double matchMaxDistance,
      double minShare,
      List<FeatureGroupSettings> groups,
      Map<String, String> transforms,
      int stabilityResamples,
      int retrainDays) {
    public static final List<String> TRANSFORMS = List.of("none", "log1p", "quantile");

    /** How customers are clustered: k-means on them, or a SOM then k-means on its codebook. */
    public enum Algorithm {
      KMEANS,
      SOM_KMEANS
    }

    static PersonaSettings from(Settings c) {
      int kMin = c.intAtLeast("personas.k-min", 2);
      int kMax = c.intAtLeast("personas.k-max", 2);
      if (kMax < kMin) {
        throw new ConfigError(
            "Wrong value for config key 'customerpath.personas.k-max': got "
                + kMax
                + ", expected >= k-min ("
                + kMin
                + ")");
      }
      return new PersonaSettings(
          c.strings("personas.features"),
          c.choice("personas.algorithm", Algorithm.class),
          kMin,
          kMax,
          c.choice(
              "personas.k-selection", com.customerpath.common.personas.KSelection.Criterion.class),
          c.intAtLeast("personas.max-iter", 1),
          c.getLong("personas.seed"),
          SomSettings.from(c.at("personas").at("som")),
          NamingSettings.from(c.at("personas").at("naming")),
          c.doubleIn("personas.match-max-distance", 0, 1e9),
          c.doubleIn("personas.min-share", 0, 0.5),
          FeatureGroupSettings.all(c.at("personas")),
          transforms(c),
          c.intAtLeast("personas.stability-resamples", 0),
          c.intAtLeast("personas.retrain-days", 1));
    }

    private static Map<String, String> transforms(Settings c) {
      Map<String, String> out = c.stringMap("personas.transforms");
      out.forEach(
          (feature, t) -> {
            if (!TRANSFORMS.contains(t)) {
              throw new ConfigError(
                  "Wrong value for config key 'customerpath.personas.transforms."
                      + feature
                      + "': got '"
                      + t
                      + "', expected one of "
                      + TRANSFORMS);
            }
          });
      return Map.copyOf(out);
    }
  }

  /**
   * A group of persona features (value, frequency and recency, ...): its columns (names, prefixes
   * ending in '*', or "*" for every column no other group lists), the weight the whole group has in
   * the distance whatever its number of columns, and whether it is a clustering input or only
   * describes the personas.
   */
  public record FeatureGroupSettings(
      String name, double weight, boolean cluster, List<String> columns) {
    static List<FeatureGroupSettings> all(Settings c) {
      List<FeatureGroupSettings> out = new ArrayList<>();
      int catchAll = 0;
      for (String name : c.keys("groups")) {
        Settings g = c.at("groups").child(name);
        FeatureGroupSettings group =
            new FeatureGroupSettings(
                name,
                g.doubleIn("weight", 0, 1000),
                Boolean.parseBoolean(g.oneOf("cluster", List.of("true", "false"))),
                g.strings("columns"));
        catchAll += group.columns().contains("*") ? 1 : 0;
        out.add(group);
      }
      if (catchAll > 1) {
        throw new ConfigError(
            "Wrong value for config key 'customerpath.personas.groups': only one group may list \"*\"");
      }
      return List.copyOf(out);
    }
  }

  /** The self-organizing map in front of the codebook k-means. */
  public record SomSettings(int rows, int cols, String topology, int epochs) {
    static SomSettings from(Settings c) {
      return new SomSettings(
          c.intAtLeast("rows", 1),
          c.intAtLeast("cols", 1),
          c.oneOf("topology", List.of("rectangular", "hexagonal")),
          c.intAtLeast("epochs", 1));
    }
  }

  /** Phrases for persona names: feature -> [high phrase, low phrase]. */
  public record NamingSettings(
      double threshold,
      int maxPhrases,
      String noun,
      String categoryPhrase,
      Map<String, List<String>> phrases,
      List<String> valueFeatures,
      List<String> loyaltyFeatures) {
    static NamingSettings from(Settings c) {
      Map<String, List<String>> phrases = new LinkedHashMap<>();
      for (String feature : c.keys("phrases")) {
        Settings f = c.at("phrases").child(feature);
        phrases.put(feature, List.of(f.string("high", ""), f.string("low", "")));
      }
      return new NamingSettings(
          c.doubleIn("threshold", 0, 10),
          c.intAtLeast("max-phrases", 1),
          c.string("noun"),
          c.string("category-phrase"),
          Map.copyOf(phrases),
          c.strings("value-features"),
          c.strings("loyalty-features"));
    }
  }

  /**
   * 5A journey: which evidence puts a customer in which stage (customerpath.journey.rules.<name>),
   * the look-back window, the complaint flag and the next-stage propensity model.
   */
  public record JourneySettings(
      int windowDays, List<StageRule> rules, StageRule complaint, PropensitySettings propensity) {
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
        throw new ConfigError(
            "Wrong value for config key '"
                + c.name("rules")
                + "': no enabled rule (expected at least one, e.g. { stage = act, source = transactions })");
      }
      Settings complaint = c.at("complaint");
      return new JourneySettings(
          c.intAtLeast("window-days", 1),
          List.copyOf(rules),
          StageRule.from(complaint, "complaint", false),
          PropensitySettings.from(c.at("propensity")));
    }

    public static int rank(String stage) {
      return STAGES.indexOf(stage);
    }
  }

  /**
   * One stage rule: rows of a source (events of the listed types, or purchase orders) that match an
   * optional Spark SQL predicate put the customer in the stage at the row's time.
   */
  public record StageRule(
      String name,
      String key,
      String stage,
      String source,
      List<String> eventTypes,
      String condition) {
    static StageRule from(Settings r, String name, boolean withStage) {
      String stage = withStage ? r.oneOf("stage", JourneySettings.STAGES) : "";
      String source = r.has("source") ? r.oneOf("source", JourneySettings.RULE_SOURCES) : "events";
      List<String> types = r.has("event-types") ? r.strings("event-types") : List.of();
      if (withStage && source.equals("events") && types.isEmpty()) {
        throw new ConfigError(
            "Missing config key '"
                + r.name("event-types")
                + "': an events rule names the event "
                + "types it counts (or set source = transactions)");
      }
      if (source.equals("transactions") && !types.isEmpty()) {
        throw new ConfigError(
            "Wrong value for config key '"
                + r.name("event-types")
                + "': got "
                + types
                + ", expected none for a rule with source = transactions");
      }
      String condition = r.string("condition", "").trim();
      if (!condition.isEmpty()) {
        try {
          org.apache.spark.sql.catalyst.parser.CatalystSqlParser$.MODULE$.parseExpression(
              condition);
        } catch (Exception e) { // ParseException is a checked exception thrown from Scala
          throw new ConfigError(
              "Wrong value for config key '"
                  + r.name("condition")
                  + "': cannot parse '"
                  + condition
                  + "' as a Spark SQL predicate ("
                  + e.getMessage().lines().findFirst().orElse("")
                  + ")",
              e);
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
  public record PropensitySettings(
      int horizonDays,
      int stepDays,
      int snapshots,
      List<String> customerFeatures,
      Algorithm algorithm,
      int maxIter,
      double regParam,
      double tol,
      long seed,
      int retrainDays) {
    /** The next-stage model: MLlib logistic regression or gradient-boosted trees. */
    public enum Algorithm {
      LOGISTIC,
      GBT
    }

    static PropensitySettings from(Settings c) {
      return new PropensitySettings(
          c.intAtLeast("horizon-days", 1),
          c.intAtLeast("step-days", 1),
          c.intAtLeast("snapshots", 2),
          c.strings("customer-features"),
          c.choice("algorithm", Algorithm.class),
          c.intAtLeast("max-iter", 1),
          c.doubleIn("reg-param", 0, 100),
          c.doubleIn("tol", 0, 1),
          c.getLong("seed"),
          c.intAtLeast("retrain-days", 1));
    }
  }

  /** customerpath.recommendations: recommendations, pain points, next-best action. */
  public record RecommendationSettings(
      int topN,
      int candidates,
      RepeatPurchase repeatPurchase,
      double dueThreshold,
      double contextBoost,
      List<String> repeatableCategories,
      String preference,
      AlsSettings als,
      EvaluationSettings evaluation,
      PainPointSettings painPoints,
      NextBestActionSettings nextBestAction,
      CandidateSettings sources,
      BlendSettings blend) {
    static RecommendationSettings from(Settings c) {
      int topN = c.intAtLeast("top-n", 1);
      int candidates = c.intAtLeast("candidates", 1);
      if (candidates < topN) {
        throw new ConfigError(
            "Wrong value for config key '"
                + c.name("candidates")
                + "': got "
                + candidates
                + ", expected >= top-n ("
                + topN
                + ")");
      }
      RepeatPurchase repeat = c.choice("repeat-purchase", RepeatPurchase.class);
      Settings src = c.at("sources");
      Settings bt = src.at("bought-together");
      CandidateSettings sources =
          new CandidateSettings(
              src.at("buy-again").doubleIn("half-life-days", 1, 36500),
              bt.oneOf("measure", List.of("cosine", "lift")),
              bt.intAtLeast("neighbours", 1),
              bt.intAtLeast("max-items-per-customer", 1),
              bt.intAtLeast("min-co-buyers", 1));
      Settings bl = c.at("blend");
      Map<String, Double> weights = new java.util.LinkedHashMap<>();
      for (String source : BlendSettings.SOURCES) {
        weights.put(source, bl.at("weights").doubleIn(source, 0, 1e6));
      }
      if (weights.values().stream().allMatch(w -> w <= 0)) {
        throw new ConfigError(
            "Wrong value for config keys '"
                + bl.name("weights")
                + ".*': got all 0, expected at"
                + " least one > 0");
      }
      BlendSettings blend =
          new BlendSettings(
              bl.read("learn", bl.config()::getBoolean),
              bl.intAtLeast("validation-days", 1),
              bl.intAtLeast("min-validation-customers", 1),
              bl.intAtLeast("max-validation-customers", 1),
              bl.intAtLeast("rounds", 0),
              bl.doubleIn("min-gain", 0, 10),
              bl.intAtLeast("relearn-days", 1),
              Map.copyOf(weights),
              bl.read("by-segment", bl.config()::getBoolean),
              bl.intAtLeast("heavy-min-orders", 2));
      Settings a = c.at("als");
      AlsSettings als =
          new AlsSettings(
              a.intAtLeast("rank", 1),
              a.intAtLeast("max-iter", 1),
              a.doubleIn("reg-param", 0, 1e6),
              a.doubleIn("alpha", 0, 1e6),
              a.getLong("seed"));
      Settings e = c.at("evaluation");
      String cutoff = e.string("cutoff-date");
      if (!cutoff.isBlank()) {
        try {
          java.time.LocalDate.parse(cutoff);
        } catch (java.time.format.DateTimeParseException ex) {
          throw new ConfigError(
              "Wrong value for config key '"
                  + e.name("cutoff-date")
                  + "': got '"
                  + cutoff
                  + "', expected YYYY-MM-DD or \"\"");
        }
      }
      List<Integer> ks = e.read("k", e.config()::getIntList);
      if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 1)) {
        throw new ConfigError(
            "Wrong value for config key '"
                + e.name("k")
                + "': got "
                + ks
                + ", expected a non-empty list of integers >= 1");
      }
      EvaluationSettings eval =
          new EvaluationSettings(
              cutoff,
              e.intAtLeast("cutoff-days", 1),
              List.copyOf(ks),
              e.intAtLeast("heavy-min-orders", 2));
      Settings p = c.at("pain-points");
      PainPointSettings pain =
          new PainPointSettings(
              p.intAtLeast("top-deciles", 1),
              p.doubleIn("min-avg-rating", 1, 5),
              p.intAtLeast("min-reviews", 1),
              p.intAtLeast("low-rating", 1),
              p.intAtLeast("min-low-ratings", 1),
              p.doubleIn("max-returns-share", 0, 1));
      if (pain.topDeciles() > 10) {
        throw new ConfigError(
            "Wrong value for config key '"
                + p.name("top-deciles")
                + "': got "
                + pain.topDeciles()
                + ", expected 1..10");
      }
      return new RecommendationSettings(
          topN,
          candidates,
          repeat,
          c.doubleIn("due-threshold", 0, 100),
          c.doubleIn("context-boost", 0, 1),
          c.strings("repeatable-categories"),
          c.oneOf("preference", List.of("quantity", "purchases")),
          als,
          eval,
          pain,
          NextBestActionSettings.from(c.at("next-best-action")),
          sources,
          blend);
    }
  }

  /** Whether products the customer bought before may be recommended again. */
  public enum RepeatPurchase {
    /** Never: every bought product is excluded. */
    NEVER,
    /** Always: bought products compete with the rest. */
    ALWAYS,
    /** Only products whose category is in repeatable-categories. */
    BY_CATEGORY,
    /**
     * Only when due: days since the last purchase >= due-threshold x the product's typical
     * repurchase interval.
     */
    WHEN_DUE;

    public String configName() {
      return PipelineSettings.configName(this);
    }
  }

  /**
   * Candidate sources: buy again (recency half-life) and bought together (item-to-item
   * co-occurrence).
   */
  public record CandidateSettings(
      double halfLifeDays,
      String togetherMeasure,
      int neighbours,
      int maxItemsPerCustomer,
      int minCoBuyers) {}

  /**
   * The blend of the sources' scores: weights per source, learned on a validation split (the last
   * validationDays before the run date) when learn is set and enough customers bought in it.
   */
  public record BlendSettings(
      boolean learn,
      int validationDays,
      int minValidationCustomers,
      int maxValidationCustomers,
      int rounds,
      double minGain,
      int relearnDays,
      Map<String, Double> weights,
      boolean bySegment,
      int heavyMinOrders) {
    public static final List<String> SOURCES =
        List.of(
            "buy-again",
            "due",
            "bought-together",
            "persona-popularity",
            "global-popularity",
            "als");
  }

  public record AlsSettings(int rank, int maxIter, double regParam, double alpha, long seed) {}

  /** cutoffDate "" = run date minus cutoffDays. */
  public record EvaluationSettings(
      String cutoffDate, int cutoffDays, List<Integer> k, int heavyMinOrders) {
    public java.time.LocalDate cutoff(java.time.LocalDate runDate) {
      return cutoffDate.isBlank()
          ? runDate.minusDays(cutoffDays)
          : java.time.LocalDate.parse(cutoffDate);
    }
  }

  public record PainPointSettings(
      int topDeciles,
      double minAvgRating,
      int minReviews,
      int lowRating,
      int minLowRatings,
      double maxReturnsShare) {}

  /** One ordered rule; key is its full config key, for error messages. */
  public record ActionRule(String action, String condition, String key) {}

  public record ChannelRule(String channel, String channelDetail, String condition, String key) {}

  public record NextBestActionSettings(
      List<ActionRule> actions,
      List<ChannelRule> channels,
      Map<String, String> messages,
      Map<String, Map<String, String>> personaMessages,
      String defaultMessage) {
    static final List<String> ACTIONS =
        List.of(
            "recommend_products",
            "retention_offer",
            "review_or_referral_request",
            "service_recovery",
            "nurture",
            "sales_follow_up");

    static NextBestActionSettings from(Settings c) {
      List<ActionRule> actions = new ArrayList<>();
      for (Settings r : c.list("actions")) {
        String condition = r.string("condition");
        if (condition.isBlank()) {
          throw new ConfigError(
              "Missing config key '"
                  + r.name("condition")
                  + "': a rule needs a Spark SQL predicate");
        }
        actions.add(new ActionRule(r.oneOf("action", ACTIONS), condition, r.name("condition")));
      }
      if (actions.isEmpty()) {
        throw new ConfigError(
            "Wrong value for config key '" + c.name("actions") + "': expected at least one rule");
      }
      List<ChannelRule> channels = new ArrayList<>();
      for (Settings r : c.list("channels")) {
        channels.add(
            new ChannelRule(
                r.oneOf("channel", List.of("human", "automated")),
                r.string("channel-detail"),
                r.string("condition"),
                r.name("condition")));
      }
      if (channels.isEmpty()) {
        throw new ConfigError(
            "Wrong value for config key '" + c.name("channels") + "': expected at least one rule");
      }
      Map<String, Map<String, String>> persona = new LinkedHashMap<>();
      for (String key : c.keys("persona-messages")) {
        persona.put(key, Map.copyOf(c.at("persona-messages").stringMap("\"" + key + "\"")));
      }
      return new NextBestActionSettings(
          List.copyOf(actions),
          List.copyOf(channels),
          Map.copyOf(c.stringMap("messages")),
          Map.copyOf(persona),
          c.string("default-message"));
    }
  }
}
