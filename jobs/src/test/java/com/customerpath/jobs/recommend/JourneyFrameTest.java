package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.testing.Fixtures;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-customer frame from fixtures of journey_stages (as the journey branch writes it),
 * churn_risk, the pain-point assessment and recommendations, through the default rules. Without
 * journey_stages, stage and propensity are unknown.
 */
class JourneyFrameTest {
  static PipelineSettings settings;
  static Dataset<Row> customers;
  static Dataset<Row> tx;
  static Dataset<Row> recs;
  static Dataset<Row> journey;
  static Dataset<Row> churn;
  static Dataset<Row> assessed;
  static Dataset<Row> personas;

  @BeforeAll
  static void fixtures() {
    settings =
        PipelineSettings.from(
            ConfigLoader.load(null, Map.of("customerpath.inputs.transactions.path", "x")));
    customers =
        Fixtures.rows(
            "customer_id string",
            new Object[] {"B1"},
            new Object[] {"B2"},
            new Object[] {"P1"},
            new Object[] {"P2"});
    tx =
        Fixtures.rows(
            "customer_id string, channel string",
            new Object[] {"B1", "store"},
            new Object[] {"B2", "app"},
            new Object[] {"B2", "app"});
    recs =
        Fixtures.rows(
            "customer_id string, rank int, product_id string, persona_id int",
            new Object[] {"B1", 1, "P0001", 1},
            new Object[] {"B2", 1, "P0002", 1},
            new Object[] {"P1", 1, "P0003", 3},
            new Object[] {"P2", 1, "P0001", null});
    journey =
        Fixtures.rows(
            "customer_id string, stage string, stage_since date, days_in_stage int, previous_stage string, "
                + "next_stage_propensity double, persona_id int",
            new Object[] {"B1", "act", Fixtures.date("2026-01-01"), 180, "ask", 0.3, 1},
            new Object[] {"P1", "ask", Fixtures.date("2026-06-20"), 10, "appeal", 0.9, 3},
            new Object[] {"P2", "aware", Fixtures.date("2026-06-25"), 5, null, 0.1, null});
    churn =
        Fixtures.rows(
            "customer_id string, p_alive double, churn_probability double, expected_value double",
            new Object[] {"B1", 0.9, 0.1, 500.0},
            new Object[] {"B2", 0.8, 0.2, 20.0});
    assessed =
        Fixtures.rows(
            "customer_id string, value_decile int, monetary double, is_pain_point boolean, "
                + "avg_rating double, reviews long, returns_share double",
            new Object[] {"B1", 10, 5000.0, false, null, 0L, 0.0},
            new Object[] {"B2", 3, 50.0, false, null, 0L, 0.0});
    personas =
        Fixtures.rows(
            "persona_id int, persona_name string",
            new Object[] {1, "weekend family shoppers"},
            new Object[] {3, "online electronics shoppers"});
  }

  static Map<String, String> decide(Dataset<Row> journeyOrNull) {
    Dataset<Row> audience = RecommendationsJob.audience(customers, journeyOrNull, tx);
    Dataset<Row> frame =
        RecommendationsJob.frame(
            audience, tx, recs, null, personas, journeyOrNull, churn, assessed);
    Map<String, String> out = new HashMap<>();
    NextBestAction.table(NextBestAction.decide(frame, settings.recommendations().nextBestAction()))
        .collectAsList()
        .forEach(
            r ->
                out.put(
                    r.getString(0),
                    r.getAs("action")
                        + "|"
                        + r.getAs("channel")
                        + "|"
                        + r.getAs("channel_detail")
                        + "|"
                        + r.getAs("persona_id")));
    return out;
  }

  @Test
  void journeyStagesDriveProspectActions() {
    Map<String, String> d = decide(journey);
    assertEquals(4, d.size());
    assertEquals("sales_follow_up|human|call_center|3", d.get("P1"));
    assertEquals("nurture|automated|email|null", d.get("P2"));
    assertEquals("recommend_products|human|concierge|1", d.get("B1"));
    assertEquals("recommend_products|automated|push|1", d.get("B2"));
  }

  @Test
  void withoutJourneyStagesStageIsUnknown() {
    Map<String, String> d = decide(null);
    assertEquals("recommend_products|automated|email|3", d.get("P1"));
    assertEquals("recommend_products|human|concierge|1", d.get("B1"));
  }
}
