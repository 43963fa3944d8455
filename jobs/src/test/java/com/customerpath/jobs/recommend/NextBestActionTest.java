package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.RecommendationSettings.ActionRule;
import com.customerpath.common.config.RecommendationSettings.ChannelRule;
import com.customerpath.common.config.RecommendationSettings.NextBestActionSettings;
import com.customerpath.testing.Fixtures;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The default action and channel rules of reference.conf, templates and their placeholders. */
class NextBestActionTest {
  static final String FRAME =
      "customer_id string, persona_id int, persona_name string, is_prospect boolean, "
          + "value_decile int, monetary double, churn_probability double, p_alive double, expected_value double, "
          + "stage string, next_stage_propensity double, is_pain_point boolean, avg_rating double, reviews long, "
          + "returns_share double, preferred_channel string, has_recommendations boolean, first_product string, "
          + "first_product_category string";
  static Map<String, Row> decided;

  static Object[] row(
      String id,
      boolean prospect,
      int decile,
      Double churn,
      String stage,
      Double propensity,
      boolean pain,
      Double rating,
      String channel,
      String first) {
    return new Object[] {
      id,
      prospect ? null : 1,
      prospect ? null : "book lovers",
      prospect,
      decile,
      100.0,
      churn,
      churn == null ? null : 1 - churn,
      10.0,
      stage,
      propensity,
      pain,
      rating,
      rating == null ? 0L : 3L,
      0.0,
      channel,
      first != null,
      first,
      first == null ? null : "books"
    };
  }

  @BeforeAll
  static void decide() {
    Map<String, String> set =
        new HashMap<>(
            Map.of(
                "customerpath.inputs.transactions.path",
                "x",
                "customerpath.recommendations.next-best-action.persona-messages.\"2\".nurture",
                "Hi {customer_id}: {first_product} for {persona_name} via {channel}/{channel_detail}"));
    PipelineSettings s = PipelineSettings.from(ConfigLoader.load(null, set));
    Dataset<Row> frame =
        Fixtures.rows(
            FRAME,
            row("hot", true, 0, null, "ask", 0.8, false, null, null, "P7"),
            row("lukewarm", true, 0, null, "ask", 0.2, false, null, null, "P7"),
            row("aware", true, 0, null, "aware", 0.1, false, null, null, null),
            row("top", false, 10, 0.1, "act", null, false, null, "store", "P7"),
            row("app", false, 5, 0.1, "act", null, false, null, "app", "P7"),
            row("other", false, 5, 0.1, null, null, false, null, "online", "P7"),
            row("pain", false, 9, 0.1, null, null, true, 1.5, "online", "P7"),
            row("churner", false, 8, 0.7, null, null, false, null, "online", "P7"),
            row("happy", false, 6, 0.2, "advocate", null, false, 4.5, "online", "P7"));
    decided = new HashMap<>();
    NextBestAction.decide(
            frame.withColumn(
                "persona_id",
                org.apache
                    .spark
                    .sql
                    .functions
                    .when(org.apache.spark.sql.functions.col("customer_id").equalTo("other"), 2)
                    .otherwise(org.apache.spark.sql.functions.col("persona_id"))),
            s.recommendations().nextBestAction())
        .collectAsList()
        .forEach(r -> decided.put(r.getString(0), r));
  }

  static String get(String customer, String column) {
    Row r = decided.get(customer);
    return String.valueOf(r.get(r.fieldIndex(column)));
  }

  @Test
  void hotProspectsAndTopDecileGoToHumans() {
    assertEquals(
        "human|call_center|sales_follow_up|3",
        channel("hot") + "|" + get("hot", "action") + "|" + get("hot", "priority"));
    assertEquals("human|concierge", channel("top"));
    assertEquals("automated|email", channel("lukewarm"));
    assertEquals("automated|push", channel("app"));
    assertEquals("automated|email", channel("other"));
    assertEquals("automated|email", channel("pain"));
  }

  static String channel(String customer) {
    return get(customer, "channel") + "|" + get(customer, "channel_detail");
  }

  @Test
  void firstMatchingRuleGivesActionAndPriority() {
    assertEquals("service_recovery|1", get("pain", "action") + "|" + get("pain", "priority"));
    assertEquals("retention_offer|2", get("churner", "action") + "|" + get("churner", "priority"));
    assertEquals("nurture|4", get("aware", "action") + "|" + get("aware", "priority"));
    assertEquals(
        "review_or_referral_request|5", get("happy", "action") + "|" + get("happy", "priority"));
    assertEquals("recommend_products|6", get("top", "action") + "|" + get("top", "priority"));
    // lukewarm prospect in ask: no rule but recommendations (has P7)
    assertEquals(
        "recommend_products|6", get("lukewarm", "action") + "|" + get("lukewarm", "priority"));
  }

  @Test
  void templatesAreFilled() {
    assertEquals("Picked for you: P7 (books), popular with book lovers.", get("top", "message"));
    // No product: the neutral words; no persona: "customers".
    assertEquals("Discover what customers love: our bestsellers.", get("aware", "message"));
    // "other" (persona 2 in this test) has recommend_products, no persona-2 template for it:
    // default.
    assertTrue(get("other", "message").startsWith("Picked for you: P7"));
    assertEquals("A call_center advisor will help you choose P7.", get("hot", "message"));
  }

  @Test
  void personaTemplateOverridesTheDefault() {
    Dataset<Row> frame =
        Fixtures.rows(FRAME, row("x", false, 2, 0.1, "aware", 0.1, false, null, "app", "P9"));
    NextBestActionSettings s =
        new NextBestActionSettings(
            List.of(new ActionRule("nurture", "true", "k.actions[0].condition")),
            List.of(new ChannelRule("automated", "push", "true", "k.channels[0].condition")),
            Map.of("nurture", "default {first_product}"),
            Map.of(
                "book lovers",
                Map.of(
                    "nurture",
                    "Hi {customer_id}: {first_product} ({first_product_category}) for "
                        + "{persona_name} via {channel}/{channel_detail}, {action}")),
            "fallback");
    Row r = NextBestAction.decide(frame, s).first();
    assertEquals(
        "Hi x: P9 (books) for book lovers via automated/push, nurture",
        r.getString(r.fieldIndex("message")));
  }

  @Test
  void aBrokenConditionNamesItsKey() {
    Dataset<Row> frame =
        Fixtures.rows(FRAME, row("x", false, 2, 0.1, "aware", 0.1, false, null, "app", "P9"));
    NextBestActionSettings s =
        new NextBestActionSettings(
            List.of(
                new ActionRule(
                    "nurture",
                    "no_such_column > 1",
                    "customerpath.recommendations.next-best-action.actions[0].condition")),
            List.of(new ChannelRule("automated", "push", "true", "k")),
            Map.of(),
            Map.of(),
            "x");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NextBestAction.decide(frame, s));
    assertTrue(
        e.getMessage()
            .contains("customerpath.recommendations.next-best-action.actions[0].condition"),
        e.getMessage());
  }
}
