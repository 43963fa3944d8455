package com.customerpath.jobs.journey;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.config.JourneySettings;
import com.customerpath.common.config.JourneySettings.StageRule;
import com.customerpath.common.spark.Explode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;

/**
 * Stage evidence and stage assignment (pure transforms). Evidence = the rows of a source that a
 * stage rule matches, tagged with the stage; a customer's stage at a date is the highest stage with
 * evidence inside the window ending at that date, whatever order the stages came in.
 */
public final class JourneyStages {
  public static final List<String> STAGES = JourneySettings.STAGES;
  public static final int ADVOCATE = STAGES.size() - 1;

  private JourneyStages() {}

  /** The column holding the first date a stage was reached, e.g. first_ask. */
  public static String firstColumn(String stage) {
    return "first_" + stage;
  }

  /** The rules that can fire given the sources present (events rules need an events source). */
  public static List<StageRule> applicable(List<StageRule> rules, boolean eventsConfigured) {
    return rules.stream()
        .filter(r -> r.source() == StageRule.Source.TRANSACTIONS || eventsConfigured)
        .toList();
  }

  /** Stages some applicable rule can produce, lowest first, as "act,advocate". */
  public static String observableStages(List<StageRule> rules, boolean eventsConfigured) {
    TreeSet<Integer> ranks = new TreeSet<>();
    applicable(rules, eventsConfigured).forEach(r -> ranks.add(JourneySettings.rank(r.stage())));
    return String.join(",", ranks.stream().map(STAGES::get).toList());
  }

  /** The columns of the transactions {@link #orders} reads. */
  public static final List<String> ORDER_COLUMNS =
      List.of("customer_id", "transaction_id", "ts", "quantity", "unit_price");

  /**
   * Purchase orders of the transactions up to the as-of date: customer_id, transaction_id, ts,
   * order_value, items, purchase_number, days_since_previous_purchase. Orders whose net quantity is
   * not positive (returns) are not purchases.
   */
  public static Dataset<Row> orders(Dataset<Row> transactions, LocalDate asOf) {
    WindowSpec byCustomer = Window.partitionBy("customer_id").orderBy("ts", "transaction_id");
    return transactions
        .filter(col("ts").lt(functions.to_timestamp(lit(asOf.plusDays(1).toString()))))
        .groupBy("customer_id", "transaction_id")
        .agg(
            functions.min("ts").as("ts"),
            functions.sum(col("quantity").multiply(col("unit_price"))).as("order_value"),
            functions.sum("quantity").as("items"))
        .filter(col("items").gt(0))
        .withColumn("purchase_number", functions.row_number().over(byCustomer))
        .withColumn(
            "days_since_previous_purchase",
            functions.datediff(col("ts"), functions.lag("ts", 1).over(byCustomer)));
  }

  /**
   * Every row a rule matches, up to the as-of date (no window yet): customer_id, ts, stage,
   * stage_rank, rule. Events rules are skipped when there are no events. One pass per source: each
   * row is tagged with every rule it matches (an exploded array), so the events are scanned and the
   * orders aggregated once, not once per rule (the 1M benchmark's journey had two aggregations of
   * the history and six scans of the events).
   */
  public static Dataset<Row> evidence(
      Optional<Dataset<Row>> events,
      Dataset<Row> transactions,
      List<StageRule> rules,
      LocalDate asOf) {
    List<StageRule> applicable = applicable(rules, events.isPresent());
    if (applicable.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot assign journey stages: no rule of 'customerpath.journey.rules' "
              + "applies to the configured sources (events configured: "
              + events.isPresent()
              + ")");
    }
    Column beforeEnd = col("ts").lt(functions.to_timestamp(lit(asOf.plusDays(1).toString())));
    Dataset<Row> out = null;
    for (StageRule.Source source : StageRule.Source.values()) {
      List<StageRule> ofSource = applicable.stream().filter(r -> r.source() == source).toList();
      if (ofSource.isEmpty()) {
        continue;
      }
      Dataset<Row> rows =
          source == StageRule.Source.TRANSACTIONS
              ? orders(transactions, asOf)
              : events.get().filter(beforeEnd);
      List<Column> matched = new ArrayList<>();
      for (StageRule rule : ofSource) {
        matched.add(
            functions.when(
                matches(rows, rule),
                functions.struct(
                    lit(rule.stage()).as("stage"),
                    lit(JourneySettings.rank(rule.stage())).as("stage_rank"),
                    lit(rule.name()).as("rule"))));
      }
      Dataset<Row> tagged =
          Explode.nonNull(rows, "matched", matched)
              .select(
                  col("customer_id"),
                  col("ts"),
                  col("matched.stage").as("stage"),
                  col("matched.stage_rank").as("stage_rank"),
                  col("matched.rule").as("rule"));
      out = out == null ? tagged : out.unionByName(tagged);
    }
    return out;
  }

  /**
   * {@link #evidence} inside the lookbackDays days ending at asOf: what a night that scores with a
   * kept propensity model aggregates (its snapshot at asOf looks back that far, no further). The
   * orders are numbered over the whole history first, so purchase_number and
   * days_since_previous_purchase of an order in the window still count the orders before it; only
   * the rows kept for the night (cached and hashed by customer) are the window's.
   */
  public static Dataset<Row> evidenceInLookBack(
      Optional<Dataset<Row>> events,
      Dataset<Row> transactions,
      List<StageRule> rules,
      LocalDate asOf,
      int lookbackDays) {
    return inWindow(evidence(events, transactions, rules, asOf), asOf, lookbackDays);
  }

  /**
   * Whether a row matches a rule (its event types and condition; null counts as no, as in a
   * filter). The condition is resolved against the rows first, so an unresolvable one names the
   * rule ({@link #where}).
   */
  private static Column matches(Dataset<Row> rows, StageRule rule) {
    Column match = lit(true);
    if (!rule.eventTypes().isEmpty()) {
      match = col("event_type").isin(rule.eventTypes().toArray());
    }
    if (!rule.condition().isEmpty()) {
      where(rows, rule);
      match = match.and(functions.expr(rule.condition()));
    }
    return match;
  }

  /** Rows matching a rule's condition; an unresolvable condition names the rule's config key. */
  static Dataset<Row> where(Dataset<Row> rows, StageRule rule) {
    if (rule.condition().isEmpty()) {
      return rows;
    }
    try {
      return rows.filter(functions.expr(rule.condition()));
    } catch (Exception e) { // AnalysisException is a checked exception thrown from Scala
      if (!(e instanceof AnalysisException)) {
        throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
      }
      throw new IllegalArgumentException(
          "Cannot apply journey rule '"
              + rule.configKey()
              + "': condition '"
              + rule.condition()
              + "' does not resolve on the "
              + rule.source()
              + " rows (columns: "
              + List.of(rows.columns())
              + "): "
              + e.getMessage().lines().findFirst().orElse(""),
          e);
    }
  }

  /** Complaint rows (e.g. reviews rated <= 2) up to the as-of date: customer_id, ts. */
  public static Optional<Dataset<Row>> complaints(
      Optional<Dataset<Row>> events, StageRule complaint) {
    if (events.isEmpty() || complaint.eventTypes().isEmpty()) {
      return Optional.empty();
    }
    Dataset<Row> rows =
        events.get().filter(col("event_type").isin(complaint.eventTypes().toArray()));
    return Optional.of(where(rows, complaint).select("customer_id", "ts"));
  }

  /** Evidence inside the window of windowDays ending at asOf (inclusive). */
  public static Dataset<Row> inWindow(Dataset<Row> rows, LocalDate asOf, int windowDays) {
    return rows.filter(
        col("ts")
            .geq(functions.to_timestamp(lit(asOf.minusDays(windowDays - 1L).toString())))
            .and(col("ts").lt(functions.to_timestamp(lit(asOf.plusDays(1).toString())))));
  }

  /**
   * One row per customer with evidence in the window: customer_id, stage, stage_rank, stage_since
   * (first date of the current stage in the window), days_in_stage and first_<stage> (first date
   * each stage was reached in the window, null if not).
   */
  public static Dataset<Row> stagesAt(Dataset<Row> evidence, LocalDate asOf, int windowDays) {
    return stagesOf(
        JourneyPropensity.snapshotAggregates(evidence, List.of(asOf), windowDays, 0), asOf);
  }

  /**
   * {@link #stagesAt} from the date's {@link JourneyPropensity#snapshotAggregates}, which the
   * propensity's feature rows read as well.
   */
  public static Dataset<Row> stagesOf(Dataset<Row> aggregatesAtDate, LocalDate asOf) {
    List<Column> out = new ArrayList<>(List.of(col("customer_id")));
    out.addAll(stageColumns(lit(asOf.toString()).cast("date")));
    return aggregatesAtDate
        .filter(col("stage_rank").isNotNull()) // evidence in the look-back, none in the window
        .select(out.toArray(Column[]::new));
  }

  /**
   * Aggregates over the evidence rows where {@code inWindow} holds: first_<stage> (the first day, a
   * date column of the rows, each stage was reached) and stage_rank (the highest stage reached;
   * null without evidence).
   */
  static List<Column> reached(Column inWindow, String dayColumn) {
    List<Column> out = new ArrayList<>();
    for (int i = 0; i < STAGES.size(); i++) {
      out.add(
          functions
              .min(functions.when(inWindow.and(col("stage_rank").equalTo(i)), col(dayColumn)))
              .as(firstColumn(STAGES.get(i))));
    }
    out.add(functions.max(functions.when(inWindow, col("stage_rank"))).as("stage_rank"));
    return out;
  }

  /**
   * From the aggregates of {@link #reached}: stage, stage_rank, stage_since (the first date of the
   * current stage), days_in_stage (to the as-of date) and first_<stage>.
   */
  static List<Column> stageColumns(Column asOf) {
    Column since = lit(null).cast("date");
    for (int i = STAGES.size() - 1; i >= 0; i--) {
      since =
          functions
              .when(col("stage_rank").equalTo(i), col(firstColumn(STAGES.get(i))))
              .otherwise(since);
    }
    Column stageName =
        functions.element_at(
            functions.array(STAGES.stream().map(functions::lit).toArray(Column[]::new)),
            col("stage_rank").plus(1));
    List<Column> out =
        new ArrayList<>(
            List.of(
                stageName.as("stage"),
                col("stage_rank"),
                since.as("stage_since"),
                functions.datediff(asOf, since).as("days_in_stage")));
    STAGES.forEach(s -> out.add(col(firstColumn(s))));
    return out;
  }
}
