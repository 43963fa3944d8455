package com.customerpath.common.config;

import java.util.ArrayList;
import java.util.List;

/**
 * 5A journey: which evidence puts a customer in which stage (customerpath.journey.rules.<name>),
 * the look-back window, the complaint flag and the next-stage propensity model.
 */
public record JourneySettings(
    int windowDays, List<StageRule> rules, StageRule complaint, PropensitySettings propensity) {
  /** The 5A stages, lowest first. */
  public static final List<String> STAGES = List.of("aware", "appeal", "ask", "act", "advocate");

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

  /**
   * One stage rule: rows of a source (events of the listed types, or purchase orders) that match an
   * optional Spark SQL predicate put the customer in the stage at the row's time.
   */
  public record StageRule(
      String name,
      String key,
      String stage,
      Source source,
      List<String> eventTypes,
      String condition) {

    /** The rows a rule looks at: events, or purchase orders (transactions). */
    public enum Source {
      EVENTS,
      TRANSACTIONS;

      /**
       * The config spelling: in messages, and in the kept propensity model's fingerprint (which
       * prints the rules) as before the enum.
       */
      @Override
      public String toString() {
        return PipelineSettings.configName(this);
      }
    }

    static StageRule from(Settings r, String name, boolean withStage) {
      String stage = withStage ? r.oneOf("stage", JourneySettings.STAGES) : "";
      Source source = r.has("source") ? r.choice("source", Source.class) : Source.EVENTS;
      List<String> types = r.has("event-types") ? r.strings("event-types") : List.of();
      if (withStage && source == Source.EVENTS && types.isEmpty()) {
        throw new ConfigError(
            "Missing config key '"
                + r.name("event-types")
                + "': an events rule names the event "
                + "types it counts (or set source = transactions)");
      }
      if (source == Source.TRANSACTIONS && !types.isEmpty()) {
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
      return source == Source.TRANSACTIONS || !eventTypes.isEmpty();
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
      int retrainDays,
      int maxTrainingCustomers) {
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
          c.intAtLeast("retrain-days", 1),
          c.intAtLeast("max-training-customers", 1));
    }
  }
}
