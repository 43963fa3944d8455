package com.customerpath.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PipelineSettingsTest {
  static Map<String, String> minimal() {
    return new HashMap<>(Map.of("customerpath.inputs.transactions.path", "tx.csv"));
  }

  static PipelineSettings load(Map<String, String> set) {
    return PipelineSettings.from(ConfigLoader.load(null, set));
  }

  @Test
  void defaultsComeFromReferenceConf() {
    PipelineSettings s = load(minimal());
    assertEquals(365, s.run().lookbackDays());
    assertEquals("output", s.outputRoot());
    assertEquals(TableSettings.Format.CSV, s.input("transactions").format());
    assertTrue(s.input("transactions").configured());
    assertTrue(!s.input("events").configured(), "optional sources are off unless given a path");
    assertEquals(PersonaSettings.Algorithm.SOM_KMEANS, s.personas().algorithm());
  }

  @Test
  void missingTransactionsPathNamesTheKey() {
    ConfigError e = assertThrows(ConfigError.class, () -> load(new HashMap<>()));
    assertTrue(e.getMessage().contains("'customerpath.inputs.transactions.path'"), e.getMessage());
  }

  @Test
  void wrongTypeNamesTheKey() {
    Map<String, String> set = minimal();
    set.put("customerpath.run.lookback-days", "a year");
    ConfigError e = assertThrows(ConfigError.class, () -> load(set));
    assertTrue(e.getMessage().contains("run.lookback-days"), e.getMessage());
  }

  @Test
  void outOfRangeValueNamesKeyAndValues() {
    Map<String, String> set = minimal();
    set.put("customerpath.personas.k-min", "1");
    ConfigError e = assertThrows(ConfigError.class, () -> load(set));
    assertEquals(
        "Wrong value for config key 'customerpath.personas.k-min': got 1, expected >= 2",
        e.getMessage());
  }

  @Test
  void aCutOffDateIsADateOrBlank() {
    for (String key :
        List.of(
            "customerpath.churn.evaluation.cutoff-date",
            "customerpath.recommendations.evaluation.cutoff-date")) {
      Map<String, String> set = minimal();
      set.put(key, "2026-13-01");
      ConfigError e = assertThrows(ConfigError.class, () -> load(set), key);
      assertEquals(
          "Wrong value for config key '" + key + "': got '2026-13-01', expected YYYY-MM-DD or \"\"",
          e.getMessage());
      set.put(key, "2026-06-01");
      load(set); // a date is taken
    }
    assertEquals("2026-06-01", load(withCutoff()).churn().cutoffDate());
  }

  private static Map<String, String> withCutoff() {
    Map<String, String> set = minimal();
    set.put("customerpath.churn.evaluation.cutoff-date", "2026-06-01");
    return set;
  }

  @Test
  void unknownChoiceListsTheChoices() {
    Map<String, String> set = minimal();
    set.put("customerpath.inputs.transactions.format", "xlsx");
    ConfigError e = assertThrows(ConfigError.class, () -> load(set));
    assertTrue(
        e.getMessage()
            .contains("'customerpath.inputs.transactions.format': got 'xlsx', expected one of"),
        e.getMessage());
  }

  /**
   * Choices the jobs branch on are enums: read once here, in config spelling, never compared as
   * text.
   */
  @Test
  void choicesAreReadAsConstantsAndAWrongOneListsTheSpellings() {
    Map<String, String> set = minimal();
    set.put("customerpath.personas.algorithm", "kmeans");
    set.put("customerpath.personas.k-selection", "davies-bouldin");
    set.put("customerpath.journey.propensity.algorithm", "gbt");
    set.put("customerpath.recommendations.repeat-purchase", "when-due");
    PipelineSettings s = load(set);
    assertEquals(PersonaSettings.Algorithm.KMEANS, s.personas().algorithm());
    assertEquals(
        com.customerpath.common.personas.KSelection.Criterion.DAVIES_BOULDIN,
        s.personas().kSelection());
    assertEquals(
        JourneySettings.PropensitySettings.Algorithm.GBT, s.journey().propensity().algorithm());
    assertEquals(
        RecommendationSettings.RepeatPurchase.WHEN_DUE, s.recommendations().repeatPurchase());
    assertEquals("som-kmeans", PipelineSettings.configName(PersonaSettings.Algorithm.SOM_KMEANS));

    set.put("customerpath.personas.algorithm", "dbscan");
    ConfigError e = assertThrows(ConfigError.class, () -> load(set));
    assertEquals(
        "Wrong value for config key 'customerpath.personas.algorithm': got 'dbscan', expected one"
            + " of [kmeans, som-kmeans]",
        e.getMessage());
  }

  /** Input format, S3 committer and recommendation choices: constants, config spellings kept. */
  @Test
  void formatsCommittersAndRecommendationChoicesAreConstants() {
    Map<String, String> set = minimal();
    set.put("customerpath.inputs.transactions.format", "parquet");
    set.put("customerpath.s3.committer", "magic");
    set.put("customerpath.s3.conflict-mode", "append");
    set.put("customerpath.recommendations.sources.bought-together.measure", "lift");
    set.put("customerpath.recommendations.preference", "quantity");
    PipelineSettings s = load(set);
    assertEquals(TableSettings.Format.PARQUET, s.input("transactions").format());
    assertEquals(S3Settings.Committer.MAGIC, s.s3().committer());
    assertEquals(S3Settings.ConflictMode.APPEND, s.s3().conflictMode());
    assertEquals(
        RecommendationSettings.CandidateSettings.Measure.LIFT,
        s.recommendations().sources().togetherMeasure());
    assertEquals(RecommendationSettings.Preference.QUANTITY, s.recommendations().preference());

    Map<String, String> lists =
        Map.of(
            "customerpath.inputs.transactions.format", "[csv, parquet, text, json]",
            "customerpath.s3.committer", "[partitioned, directory, magic, file]",
            "customerpath.s3.conflict-mode", "[replace, append, fail]",
            "customerpath.recommendations.sources.bought-together.measure", "[cosine, lift]",
            "customerpath.recommendations.preference", "[quantity, purchases]");
    lists.forEach(
        (key, spellings) -> {
          Map<String, String> wrong = minimal();
          wrong.put(key, "nope");
          ConfigError e = assertThrows(ConfigError.class, () -> load(wrong));
          assertEquals(
              "Wrong value for config key '" + key + "': got 'nope', expected one of " + spellings,
              e.getMessage());
        });
  }

  /** Journey rule source, SOM topology and validation choices: constants, spellings kept. */
  @Test
  void ruleSourceTopologyAndValidationChoicesAreConstants() {
    Map<String, String> set = minimal();
    set.put("customerpath.personas.som.topology", "rectangular");
    set.put("customerpath.validation.empty-input", "warn");
    set.put("customerpath.validation.unknown-keys", "warn");
    PipelineSettings s = load(set);
    assertEquals(
        JourneySettings.StageRule.Source.TRANSACTIONS,
        s.journey().rules().stream()
            .filter(r -> r.name().equals("act-transaction"))
            .findFirst()
            .orElseThrow()
            .source());
    assertEquals(
        JourneySettings.StageRule.Source.EVENTS,
        s.journey().rules().stream()
            .filter(r -> r.name().equals("aware-touch"))
            .findFirst()
            .orElseThrow()
            .source());
    assertEquals("transactions", JourneySettings.StageRule.Source.TRANSACTIONS.toString());
    assertEquals(PersonaSettings.SomSettings.Topology.RECTANGULAR, s.personas().som().topology());
    // Kept models' fingerprints print these settings: in config spelling, as before the enums.
    assertTrue(
        s.personas().som().toString().contains("topology=rectangular"),
        s.personas().som().toString());
    assertEquals(ValidationSettings.EmptyInput.WARN, s.validation().emptyInput());
    assertEquals(ValidationSettings.UnknownKey.WARN, s.validation().unknownKeys());
    set.put("customerpath.personas.transforms.monetary", "quantile");
    assertEquals(
        PersonaSettings.Transform.QUANTILE, load(set).personas().transforms().get("monetary"));
    String printed = new java.util.TreeMap<>(load(set).personas().transforms()).toString();
    assertTrue(
        printed.contains("frequency=log1p") && printed.contains("monetary=quantile"), printed);

    Map<String, String> lists =
        Map.of(
            "customerpath.journey.rules.act-transaction.source", "[events, transactions]",
            "customerpath.personas.som.topology", "[rectangular, hexagonal]",
            "customerpath.validation.empty-input", "[fail, warn]",
            "customerpath.validation.unknown-keys", "[error, warn]",
            "customerpath.personas.transforms.monetary", "[none, log1p, quantile]");
    lists.forEach(
        (key, spellings) -> {
          Map<String, String> wrong = minimal();
          wrong.put(key, "nope");
          ConfigError e = assertThrows(ConfigError.class, () -> load(wrong));
          assertEquals(
              "Wrong value for config key '" + key + "': got 'nope', expected one of " + spellings,
              e.getMessage());
        });
  }

  @Test
  void confFileThenCommandLineOverrides() throws Exception {
    Path file = Files.createTempFile("app", ".conf");
    Files.writeString(
        file,
        "customerpath { inputs.transactions.path = \"a.csv\", output.root = \"/from/file\", "
            + "run.lookback-days = 30 }");
    PipelineSettings fromFile = PipelineSettings.from(ConfigLoader.load(file.toString(), Map.of()));
    assertEquals("/from/file", fromFile.outputRoot());
    assertEquals(30, fromFile.run().lookbackDays());
    PipelineSettings overridden =
        PipelineSettings.from(
            ConfigLoader.load(file.toString(), Map.of("customerpath.output.root", "/from/cli")));
    assertEquals("/from/cli", overridden.outputRoot());
    assertNotEquals(fromFile.configFingerprint(), overridden.configFingerprint());
  }

  @Test
  void systemPropertiesOverrideTheFile() {
    System.setProperty("customerpath.output.root", "/from/property");
    try {
      com.typesafe.config.ConfigFactory.invalidateCaches();
      assertEquals("/from/property", load(minimal()).outputRoot());
    } finally {
      System.clearProperty("customerpath.output.root");
      com.typesafe.config.ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void missingConfFileIsAnError() {
    ConfigError e =
        assertThrows(ConfigError.class, () -> ConfigLoader.load("/no/such.conf", Map.of()));
    assertTrue(e.getMessage().contains("/no/such.conf does not exist"), e.getMessage());
  }

  @Test
  void externalDatasetNeedsAValidJoinField() {
    Map<String, String> set = minimal();
    set.put("customerpath.external.0.name", "x");
    ConfigError e =
        assertThrows(
            ConfigError.class,
            () ->
                PipelineSettings.from(
                    ConfigLoader.load(null, set)
                        .withValue(
                            "customerpath.external",
                            com.typesafe.config.ConfigValueFactory.fromIterable(
                                java.util.List.of(
                                    Map.of(
                                        "name",
                                        "weather",
                                        "path",
                                        "w.csv",
                                        "join-on",
                                        "city",
                                        "columns",
                                        java.util.List.of("t")))))));
    assertTrue(
        e.getMessage().contains("'customerpath.external[weather].join-on': got 'city'"),
        e.getMessage());
  }

  @Test
  void misspelledKeyIsAnErrorNamingTheClosestKnownKey() {
    Map<String, String> set = minimal();
    set.put("customerpath.persnas.k-min", "3");
    ConfigError e = assertThrows(ConfigError.class, () -> load(set));
    assertTrue(
        e.getMessage().startsWith("Unknown config key 'customerpath.persnas.k-min'")
            && e.getMessage().contains("did you mean 'customerpath.personas.k-min'?"),
        e.getMessage());
    // The user's own keys (reader options, mappings, Spark settings) are not checked.
    Map<String, String> free = minimal();
    free.put("customerpath.inputs.transactions.options.sep", ";");
    free.put("customerpath.inputs.transactions.columns.customer_id", "cust");
    free.put("customerpath.spark.conf.\"spark.sql.adaptive.enabled\"", "true");
    load(free);
    // warn: the run goes on.
    set.put("customerpath.validation.unknown-keys", "warn");
    assertEquals(4, load(set).personas().kMin(), "the misspelled key changes nothing");
  }

  @Test
  void shippedConfFilesHaveNoUnknownKey() throws Exception {
    try (var files = Files.list(Path.of("../conf/examples"))) {
      for (Path conf :
          java.util.stream.Stream.concat(
                  Stream.of(Path.of("../conf/local.conf"), Path.of("../conf/cluster.conf")),
                  files.filter(f -> f.toString().endsWith(".conf")))
              .toList()) {
        com.typesafe.config.Config c =
            ConfigLoader.load(conf.toString(), Map.of("olist", "/x", "brazil", "/y"));
        assertTrue(
            UnknownKeys.find(c, com.typesafe.config.ConfigFactory.defaultReference()).isEmpty(),
            conf.toString());
      }
    }
  }
}
