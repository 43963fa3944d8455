package com.customerpath.common.catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one list of the nightly steps and the tables they read and write. The nightly run, the
 * launcher's {@code --job}, the Airflow DAG's task list ({@code airflow-dags/customer_path/
 * pipeline_steps.json}, checked against this by a test), docs/architecture.md and the report read
 * it; a new step or table is added here first.
 */
public final class PipelineCatalog {
  private PipelineCatalog() {}

  /** A table of the output root: {@code <root>/<name>/dt=YYYY-MM-DD/}. */
  public record TableSpec(String name, String writtenBy, String description) {}

  /** A step: a {@code NightlyStep} class with a public no-argument constructor. */
  public record StepSpec(
      String name,
      String className,
      List<String> dependsOn,
      List<String> reads,
      List<String> writes,
      String description) {}

  private static final List<StepSpec> STEPS =
      List.of(
          new StepSpec(
              "ingest",
              "com.customerpath.jobs.ingest.IngestJob",
              List.of(),
              List.of(),
              List.of(
                  TableNames.CURATED_TRANSACTIONS,
                  TableNames.CURATED_EVENTS,
                  TableNames.CURATED_CUSTOMERS,
                  TableNames.CURATED_PRODUCTS,
                  TableNames.QUARANTINE_TRANSACTIONS,
                  TableNames.QUARANTINE_EVENTS,
                  TableNames.QUARANTINE_CUSTOMERS,
                  TableNames.QUARANTINE_PRODUCTS),
              "reads each configured source through its column mapping, quarantines unusable rows"),
          new StepSpec(
              "features",
              "com.customerpath.jobs.features.FeaturesJob",
              List.of("ingest"),
              List.of(
                  TableNames.CURATED_TRANSACTIONS,
                  TableNames.CURATED_CUSTOMERS,
                  TableNames.CURATED_PRODUCTS,
                  TableNames.CUSTOMER_FEATURES_STATE),
              List.of(
                  TableNames.CUSTOMER_FEATURES,
                  TableNames.CUSTOMER_CONTEXT_FEATURES,
                  TableNames.CUSTOMER_FEATURES_STATE),
              "one row of behaviour features per customer, and per context (weekday/weekend)"),
          new StepSpec(
              "personas",
              "com.customerpath.jobs.personas.PersonasJob",
              List.of("features"),
              List.of(
                  TableNames.CUSTOMER_FEATURES,
                  TableNames.CUSTOMER_CONTEXT_FEATURES,
                  TableNames.PERSONAS,
                  TableNames.PERSONA_MODEL),
              List.of(
                  TableNames.PERSONAS,
                  TableNames.CUSTOMER_PERSONAS,
                  TableNames.PERSONA_MIGRATION,
                  TableNames.PERSONA_LINEAGE,
                  TableNames.PERSONA_MODEL),
              "SOM then k-means on the codebook; names, representatives, ids stable night to night"),
          new StepSpec(
              "journey",
              "com.customerpath.jobs.journey.JourneyJob",
              List.of("personas"),
              List.of(
                  TableNames.CURATED_TRANSACTIONS,
                  TableNames.CURATED_EVENTS,
                  TableNames.CUSTOMER_FEATURES,
                  TableNames.CUSTOMER_PERSONAS,
                  TableNames.JOURNEY_STAGES,
                  TableNames.JOURNEY_PROPENSITY_MODEL),
              List.of(
                  TableNames.JOURNEY_STAGES,
                  TableNames.JOURNEY_TRANSITIONS,
                  TableNames.JOURNEY_FUNNEL,
                  TableNames.JOURNEY_PROPENSITY_MODEL),
              "5A stage per customer, transitions, funnel, next-stage propensity"),
          new StepSpec(
              "churn",
              "com.customerpath.jobs.churn.ChurnJob",
              List.of("ingest"),
              List.of(TableNames.CURATED_TRANSACTIONS),
              List.of(TableNames.CHURN_RISK),
              "probability each customer is still active, expected purchases and value"),
          new StepSpec(
              "recommendations",
              "com.customerpath.jobs.recommend.RecommendationsJob",
              List.of("personas", "journey", "churn"),
              List.of(
                  TableNames.CURATED_TRANSACTIONS,
                  TableNames.CURATED_EVENTS,
                  TableNames.CURATED_CUSTOMERS,
                  TableNames.CURATED_PRODUCTS,
                  TableNames.CUSTOMER_FEATURES,
                  TableNames.CUSTOMER_PERSONAS,
                  TableNames.PERSONAS,
                  TableNames.JOURNEY_STAGES,
                  TableNames.CHURN_RISK,
                  TableNames.RECOMMENDATION_BLEND,
                  TableNames.RECOMMENDATION_ALS,
                  TableNames.RECOMMENDATIONS,
                  TableNames.RECOMMENDATION_STATE,
                  TableNames.RECOMMENDATION_INTERACTIONS),
              List.of(
                  TableNames.RECOMMENDATIONS,
                  TableNames.PAIN_POINTS,
                  TableNames.NEXT_BEST_ACTION,
                  TableNames.RECOMMENDATION_BLEND,
                  TableNames.RECOMMENDATION_ALS,
                  TableNames.RECOMMENDATION_STATE,
                  TableNames.RECOMMENDATION_INTERACTIONS),
              "top-N products, pain points, next-best action with its channel"),
          new StepSpec(
              "report",
              "com.customerpath.jobs.report.ReportJob",
              List.of("ingest", "features", "personas", "journey", "churn", "recommendations"),
              List.of(TableNames.RUN_STEPS),
              List.of(TableNames.RUN_MANIFEST),
              "run manifest and the nightly HTML report"));

  /** The steps in the order the nightly run executes them (dependencies first). */
  public static List<StepSpec> steps() {
    return STEPS;
  }

  /** The step of that name, or an error naming the known ones. */
  public static StepSpec step(String name) {
    for (StepSpec s : STEPS) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "Unknown step '" + name + "': expected one of " + stepNames());
  }

  public static List<String> stepNames() {
    return STEPS.stream().map(StepSpec::name).toList();
  }

  /** Every table a step writes, in step order, with the step that writes it. */
  public static List<TableSpec> tables() {
    Map<String, TableSpec> out = new LinkedHashMap<>();
    for (StepSpec s : STEPS) {
      for (String t : s.writes()) {
        out.putIfAbsent(t, new TableSpec(t, s.name(), TableNames.DESCRIPTIONS.getOrDefault(t, "")));
      }
    }
    return new ArrayList<>(out.values());
  }

  /** Checks the catalog itself: dependencies come first and every table read is written. */
  public static void validate() {
    Set<String> seen = new LinkedHashSet<>();
    Set<String> written = new LinkedHashSet<>();
    for (StepSpec s : STEPS) {
      for (String d : s.dependsOn()) {
        if (!seen.contains(d)) {
          throw new IllegalStateException(
              "Cannot order step '"
                  + s.name()
                  + "': it depends on '"
                  + d
                  + "', not an earlier step");
        }
      }
      for (String t : s.reads()) {
        // Names starting with '_' are written by the runner itself (_run_steps: every step).
        if (!t.startsWith("_") && !written.contains(t) && !s.writes().contains(t)) {
          throw new IllegalStateException(
              "Step '" + s.name() + "' reads table '" + t + "', which no earlier step writes");
        }
      }
      seen.add(s.name());
      written.addAll(s.writes());
    }
  }

  /** The catalog as JSON (steps with class and dependencies), the Airflow DAG's task list. */
  public static String stepsJson() {
    StringBuilder b = new StringBuilder("[\n");
    for (int i = 0; i < STEPS.size(); i++) {
      StepSpec s = STEPS.get(i);
      b.append("  {\"name\": \"")
          .append(s.name())
          .append("\", \"class\": \"")
          .append(s.className())
          .append("\", \"depends_on\": [");
      for (int j = 0; j < s.dependsOn().size(); j++) {
        b.append(j > 0 ? ", " : "").append('"').append(s.dependsOn().get(j)).append('"');
      }
      b.append("]}").append(i + 1 < STEPS.size() ? ",\n" : "\n");
    }
    return b.append("]\n").toString();
  }

  /**
   * The steps and tables as a Mermaid flowchart (docs/architecture.md holds this text; a test
   * checks that it is up to date).
   */
  public static String mermaid() {
    StringBuilder b = new StringBuilder("flowchart LR\n");
    b.append("  inputs[(raw inputs + external datasets)]\n");
    for (StepSpec s : STEPS) {
      b.append("  ").append(s.name()).append("[[").append(s.name()).append("]]\n");
    }
    Set<String> tables = new LinkedHashSet<>();
    for (StepSpec s : STEPS) {
      tables.addAll(s.writes());
    }
    for (String t : tables) {
      b.append("  ").append(nodeId(t)).append("[(").append(t).append(")]\n");
    }
    b.append("  inputs --> ingest\n");
    for (StepSpec s : STEPS) {
      for (String t : s.writes()) {
        b.append("  ").append(s.name()).append(" --> ").append(nodeId(t)).append('\n');
      }
      for (String t : s.reads()) {
        if (!s.writes().contains(t)) {
          b.append("  ").append(nodeId(t)).append(" -.-> ").append(s.name()).append('\n');
        }
      }
    }
    return b.toString();
  }

  private static String nodeId(String table) {
    return "t_" + table.replace('/', '_');
  }

  /** Table names, one definition each. */
  public static final class TableNames {
    private TableNames() {}

    public static final String CURATED_TRANSACTIONS = "curated/transactions";
    public static final String CURATED_EVENTS = "curated/events";
    public static final String CURATED_CUSTOMERS = "curated/customers";
    public static final String CURATED_PRODUCTS = "curated/products";
    public static final String QUARANTINE_TRANSACTIONS = "quarantine/transactions";
    public static final String QUARANTINE_EVENTS = "quarantine/events";
    public static final String QUARANTINE_CUSTOMERS = "quarantine/customers";
    public static final String QUARANTINE_PRODUCTS = "quarantine/products";
    public static final String CUSTOMER_FEATURES = "customer_features";
    public static final String CUSTOMER_CONTEXT_FEATURES = "customer_context_features";
    public static final String PERSONAS = "personas";
    public static final String CUSTOMER_PERSONAS = "customer_personas";
    public static final String PERSONA_MIGRATION = "persona_migration";
    public static final String PERSONA_LINEAGE = "persona_lineage";
    public static final String JOURNEY_STAGES = "journey_stages";
    public static final String JOURNEY_TRANSITIONS = "journey_transitions";
    public static final String JOURNEY_FUNNEL = "journey_funnel";
    public static final String CHURN_RISK = "churn_risk";
    public static final String RECOMMENDATIONS = "recommendations";
    public static final String PAIN_POINTS = "pain_points";
    public static final String NEXT_BEST_ACTION = "next_best_action";
    public static final String RUN_STEPS = "_run_steps";

    /** Internal: the learned recommendation blend, kept for the next nights. */
    public static final String RECOMMENDATION_BLEND = "_recommendation_blend";

    /**
     * Internal: the features' per-customer aggregates of a night, carried over by the next night
     * for the customers whose lines did not change.
     */
    public static final String CUSTOMER_FEATURES_STATE = "_customer_features_state";

    /** Internal: the fitted ALS factors (MLlib's format) and id indexes, for the next nights. */
    public static final String RECOMMENDATION_ALS = "_recommendation_als";

    /**
     * Internal: each customer's group (persona, context persona, context) and the night their
     * recommendations were built, for the next night's carry-over.
     */
    public static final String RECOMMENDATION_STATE = "_recommendation_state";

    /**
     * Internal: each customer's per-product purchase aggregates of a night, carried over by the
     * next night for the customers whose lines did not change.
     */
    public static final String RECOMMENDATION_INTERACTIONS = "_recommendation_interactions";

    /** Internal: the next-stage propensity model (MLlib's format), kept for the next nights. */
    public static final String JOURNEY_PROPENSITY_MODEL = "_journey_propensity_model";

    /**
     * Internal: the fitted persona model (scaler, map, codebook clustering), for the next nights.
     */
    public static final String PERSONA_MODEL = "_persona_model";

    public static final String RUN_MANIFEST = "run_manifest";

    /** The curated table of a source (transactions, events, customers, products). */
    public static String curated(String source) {
      return "curated/" + source;
    }

    /** The quarantine table of a source. */
    public static String quarantine(String source) {
      return "quarantine/" + source;
    }

    static final Map<String, String> DESCRIPTIONS =
        Map.ofEntries(
            Map.entry(CURATED_TRANSACTIONS, "accepted transaction lines, typed to the contract"),
            Map.entry(CURATED_EVENTS, "accepted behaviour events"),
            Map.entry(CURATED_CUSTOMERS, "accepted customer records"),
            Map.entry(CURATED_PRODUCTS, "accepted product records"),
            Map.entry(
                QUARANTINE_TRANSACTIONS, "rejected transaction lines with reason and raw row"),
            Map.entry(QUARANTINE_EVENTS, "rejected events with reason and raw row"),
            Map.entry(QUARANTINE_CUSTOMERS, "rejected customer records with reason and raw row"),
            Map.entry(QUARANTINE_PRODUCTS, "rejected product records with reason and raw row"),
            Map.entry(CUSTOMER_FEATURES, "one row per customer: RFM, basket, mix, time, tenure"),
            Map.entry(CUSTOMER_CONTEXT_FEATURES, "the same features per context (weekday/weekend)"),
            Map.entry(PERSONAS, "one row per persona: name, size, profile, representative"),
            Map.entry(
                CUSTOMER_PERSONAS, "persona of each customer per context (all/weekday/weekend)"),
            Map.entry(PERSONA_MIGRATION, "customers per (previous persona, tonight's persona)"),
            Map.entry(PERSONA_LINEAGE, "each persona id: new, continuing or vanished"),
            Map.entry(JOURNEY_STAGES, "5A stage of each customer and its chance of moving on"),
            Map.entry(
                JOURNEY_TRANSITIONS, "stage-to-stage counts and probabilities since last run"),
            Map.entry(JOURNEY_FUNNEL, "per persona and stage: reached, conversion, time to next"),
            Map.entry(
                JOURNEY_PROPENSITY_MODEL,
                "internal: the propensity model, used again until retrain-days old"),
            Map.entry(
                PERSONA_MODEL,
                "internal: the fitted persona model, used again until retrain-days old"),
            Map.entry(
                RECOMMENDATION_BLEND,
                "internal: the learned blend per source, used again until relearn-days old"),
            Map.entry(
                RECOMMENDATION_ALS,
                "internal: the fitted ALS factors, used again until refit-days old"),
            Map.entry(
                RECOMMENDATION_STATE,
                "internal: each customer's group and build night, for the next night's carry-over"),
            Map.entry(
                RECOMMENDATION_INTERACTIONS,
                "internal: per-customer product aggregates, carried over by the next night"),
            Map.entry(
                CUSTOMER_FEATURES_STATE,
                "internal: per-customer aggregates, carried over by the next night"),
            Map.entry(CHURN_RISK, "P(alive), churn probability, expected purchases and value"),
            Map.entry(RECOMMENDATIONS, "top-N products per customer with score and reason"),
            Map.entry(PAIN_POINTS, "valuable customers with low satisfaction, with the reason"),
            Map.entry(NEXT_BEST_ACTION, "one action per customer with channel and message"),
            Map.entry(RUN_MANIFEST, "one row per run: counts, timings, Spark jobs, model figures"));
  }
}
