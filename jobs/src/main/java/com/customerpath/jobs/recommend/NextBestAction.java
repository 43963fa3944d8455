package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.RecommendationSettings.ActionRule;
import com.customerpath.common.config.RecommendationSettings.ChannelRule;
import com.customerpath.common.config.RecommendationSettings.NextBestActionSettings;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * next_best_action: one row per customer. The action is that of the first configured rule whose
 * Spark SQL condition holds on the customer's frame row (priority = the rule's position, 1 =
 * highest); the channel comes from a second ordered rule list; the message from the persona's
 * template for the action, else the action's default template, else the default message.
 */
public final class NextBestAction {
  /** Placeholders a template may use, each replaced by the column of the same name. */
  public static final List<String> PLACEHOLDERS =
      List.of(
          "first_product",
          "first_product_id",
          "first_product_category",
          "persona_name",
          "channel",
          "channel_detail",
          "customer_id",
          "action");

  private NextBestAction() {}

  /**
   * Checks a rule's condition against the frame, naming its config key when Spark cannot evaluate
   * it.
   */
  static Column condition(Dataset<Row> frame, String condition, String key) {
    try {
      frame.select(functions.expr(condition).cast("boolean"));
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "Cannot evaluate config key '"
              + key
              + "' on the per-customer frame: "
              + e.getMessage().lines().findFirst().orElse("")
              + " (got '"
              + condition
              + "', expected a Spark SQL predicate "
              + "over columns "
              + List.of(frame.columns())
              + ")",
          e);
    }
    return functions.expr(condition).cast("boolean");
  }

  /** Adds action, priority, channel, channel_detail and message to the per-customer frame. */
  public static Dataset<Row> decide(Dataset<Row> frame, NextBestActionSettings s) {
    if (!List.of(frame.columns()).contains("first_product_name")) {
      frame = frame.withColumn("first_product_name", col("first_product"));
    }
    Column priority = null;
    Column action = null;
    for (int i = 0; i < s.actions().size(); i++) {
      ActionRule r = s.actions().get(i);
      Column c = condition(frame, r.condition(), r.key());
      priority = priority == null ? when(c, lit(i + 1)) : priority.when(c, lit(i + 1));
      action = action == null ? when(c, lit(r.action())) : action.when(c, lit(r.action()));
    }
    Column channel = null;
    Column detail = null;
    for (ChannelRule r : s.channels()) {
      Column c = condition(frame, r.condition(), r.key());
      channel = channel == null ? when(c, lit(r.channel())) : channel.when(c, lit(r.channel()));
      detail =
          detail == null ? when(c, lit(r.channelDetail())) : detail.when(c, lit(r.channelDetail()));
    }
    Dataset<Row> decided =
        frame
            .withColumn("priority", priority.otherwise(lit(s.actions().size() + 1)))
            .withColumn("action", action.otherwise(lit("nurture")))
            .withColumn("channel", channel.otherwise(lit("automated")))
            .withColumn("channel_detail", detail.otherwise(lit("email")));
    return decided.withColumn("message", message(s));
  }

  /** The template for (persona, action), placeholders filled from the row's columns. */
  static Column message(NextBestActionSettings s) {
    Column template = null;
    for (Map.Entry<String, Map<String, String>> persona : s.personaMessages().entrySet()) {
      Column isPersona =
          col("persona_name")
              .equalTo(persona.getKey())
              .or(col("persona_id").cast("string").equalTo(persona.getKey()));
      for (Map.Entry<String, String> t : persona.getValue().entrySet()) {
        Column c = isPersona.and(col("action").equalTo(t.getKey()));
        template =
            template == null ? when(c, lit(t.getValue())) : template.when(c, lit(t.getValue()));
      }
    }
    for (Map.Entry<String, String> t : s.messages().entrySet()) {
      Column c = col("action").equalTo(t.getKey());
      template =
          template == null ? when(c, lit(t.getValue())) : template.when(c, lit(t.getValue()));
    }
    Column msg =
        template == null ? lit(s.defaultMessage()) : template.otherwise(lit(s.defaultMessage()));
    return fill(msg);
  }

  /** Replaces each {placeholder} by its column (missing values by a neutral word). */
  public static Column fill(Column template) {
    Column out = template;
    for (String p : PLACEHOLDERS) {
      Column value =
          switch (p) {
            // The product's name (first_product_name; its id when it has none).
            case "first_product" ->
                coalesce(col("first_product_name"), col("first_product"), lit("our bestsellers"));
            case "first_product_id" -> coalesce(col("first_product"), lit("our bestsellers"));
            case "first_product_category" -> coalesce(col(p), lit("our range"));
            case "persona_name" -> coalesce(col(p), lit("customers"));
            default -> coalesce(col(p).cast("string"), lit(""));
          };
      out = functions.replace(out, lit("{" + p + "}"), value);
    }
    return out;
  }

  /** The table's columns. */
  public static Dataset<Row> table(Dataset<Row> decided) {
    return decided.select(
        col("customer_id"),
        col("action"),
        col("priority").cast("int").as("priority"),
        col("channel"),
        col("channel_detail"),
        col("message"),
        col("persona_id"),
        col("value_decile"),
        col("churn_probability"),
        col("stage"),
        col("next_stage_propensity"),
        col("is_pain_point"));
  }
}
