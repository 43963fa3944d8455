package com.customerpath.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * customerpath.personas: the persona features and their groups and transforms, the clustering
 * (k-means or SOM + k-means, the range of k), naming and retraining.
 */
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
    Map<String, Transform> transforms,
    int stabilityResamples,
    int retrainDays) {
  /**
   * How a feature is transformed before scaling: not at all, log1p (heavy tails), or the customer's
   * percentile (quantile).
   */
  public enum Transform {
    NONE,
    LOG1P,
    QUANTILE;

    /**
     * The config spelling: also how the kept persona model stores it and its fingerprint prints it,
     * as before the enum.
     */
    @Override
    public String toString() {
      return PipelineSettings.configName(this);
    }

    /** The constant of a config spelling (as stored in a kept persona model). */
    public static Transform fromConfigName(String name) {
      for (Transform t : values()) {
        if (t.toString().equals(name)) {
          return t;
        }
      }
      throw new IllegalArgumentException(
          "Unknown persona feature transform '" + name + "' (expected none, log1p or quantile)");
    }
  }

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

  private static Map<String, Transform> transforms(Settings c) {
    return Map.copyOf(c.choices("personas.transforms", Transform.class));
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
  public record SomSettings(int rows, int cols, Topology topology, int epochs) {

    /** The shape of the map's grid of units: rectangular or hexagonal. */
    public enum Topology {
      RECTANGULAR,
      HEXAGONAL;

      /** The config spelling, also in the kept persona model's fingerprint (as before the enum). */
      @Override
      public String toString() {
        return PipelineSettings.configName(this);
      }
    }

    static SomSettings from(Settings c) {
      return new SomSettings(
          c.intAtLeast("rows", 1),
          c.intAtLeast("cols", 1),
          c.choice("topology", Topology.class),
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
}
