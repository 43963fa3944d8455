package com.customerpath.common.config;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of a run, read once from the config and validated. Defaults live in reference.conf
 * only; code never repeats them. Each domain's settings (run, spark, s3, inputs, external,
 * features, personas, journey, recommendations, churn, validation, lock, privacy) are a record in
 * their own file in this package, with the from(Settings) that reads them; this record gathers
 * them.
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
}
