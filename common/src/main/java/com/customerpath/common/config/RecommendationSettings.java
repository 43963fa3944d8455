package com.customerpath.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** customerpath.recommendations: recommendations, pain points, next-best action. */
public record RecommendationSettings(
    int topN,
    int candidates,
    RepeatPurchase repeatPurchase,
    double dueThreshold,
    double contextBoost,
    List<String> repeatableCategories,
    Preference preference,
    AlsSettings als,
    EvaluationSettings evaluation,
    PainPointSettings painPoints,
    NextBestActionSettings nextBestAction,
    CandidateSettings sources,
    BlendSettings blend,
    int carryOverDays) {
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
            bt.choice("measure", CandidateSettings.Measure.class),
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
            a.getLong("seed"),
            a.intAtLeast("refit-days", 1),
            a.intAtLeast("blocks", 0));
    Settings e = c.at("evaluation");
    String cutoff = e.dateOrBlank("cutoff-date");
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
        c.choice("preference", Preference.class),
        als,
        eval,
        pain,
        NextBestActionSettings.from(c.at("next-best-action")),
        sources,
        blend,
        c.intAtLeast("carry-over-days", 0));
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

  /** What the ALS interactions count: the quantity bought, or the number of purchases. */
  public enum Preference {
    QUANTITY,
    PURCHASES;

    /** The config spelling, also in the fingerprint of a kept blend (as before the enum). */
    @Override
    public String toString() {
      return PipelineSettings.configName(this);
    }
  }

  /**
   * Candidate sources: buy again (recency half-life) and bought together (item-to-item
   * co-occurrence).
   */
  public record CandidateSettings(
      double halfLifeDays,
      Measure togetherMeasure,
      int neighbours,
      int maxItemsPerCustomer,
      int minCoBuyers) {

    /** How bought-together similarity is measured: cosine, or lift. */
    public enum Measure {
      COSINE,
      LIFT;

      /**
       * The config spelling, also in the fingerprint of a kept blend (which prints these settings
       * as before the enum).
       */
      @Override
      public String toString() {
        return PipelineSettings.configName(this);
      }
    }
  }

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

  /**
   * ALS's fitting settings; refitDays: the nights a fitted model scores before it is fitted again;
   * blocks: the customer and product blocks the fit is split into (0 =
   * spark.sql.shuffle.partitions).
   */
  public record AlsSettings(
      int rank, int maxIter, double regParam, double alpha, long seed, int refitDays, int blocks) {
    /**
     * What the factors depend on, as text: the fitting settings only (not refitDays, nor blocks:
     * the blocks split the same fit differently), spelt as this record was before refitDays, so
     * fingerprints kept earlier still match.
     */
    public String fitSettings() {
      return "AlsSettings[rank="
          + rank
          + ", maxIter="
          + maxIter
          + ", regParam="
          + regParam
          + ", alpha="
          + alpha
          + ", seed="
          + seed
          + "]";
    }
  }

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
