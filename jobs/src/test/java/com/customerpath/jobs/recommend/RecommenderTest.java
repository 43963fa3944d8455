package com.customerpath.jobs.recommend;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.testing.Fixtures;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exclusion of bought products (with the repeatable-category exception) and cold start, on a
 * fixture of five products and five customers. Persona 0 (A, B) bought P1 twice, P3 twice, P2
 * and P4 once: popularity 1, 1, 0.5, 0.5. Everyone: P1 2, P3 2, P2 1, P4 1, P5 1.
 */
class RecommenderTest {
  static Recommender.Inputs in;
  static PipelineSettings settings;

  @BeforeAll
  static void fixtures() {
    settings = PipelineSettings.from(ConfigLoader.load(null, Map.of("customerpath.inputs.transactions.path", "x")));
    Dataset<Row> tx = Fixtures.rows("transaction_id string, customer_id string, ts timestamp, product_id string, quantity double",
        new Object[] {"t1", "A", Fixtures.ts("2026-06-01 10:00:00"), "P1", 1.0},
        new Object[] {"t1", "A", Fixtures.ts("2026-06-01 10:00:00"), "P3", 1.0},
        new Object[] {"t2", "B", Fixtures.ts("2026-06-02 10:00:00"), "P1", 2.0},
        new Object[] {"t2", "B", Fixtures.ts("2026-06-02 10:00:00"), "P2", 1.0},
        new Object[] {"t2", "B", Fixtures.ts("2026-06-02 10:00:00"), "P3", 1.0},
        new Object[] {"t3", "B", Fixtures.ts("2026-06-03 10:00:00"), "P4", 1.0},
        new Object[] {"t4", "C", Fixtures.ts("2026-06-03 11:00:00"), "P5", 1.0},
        new Object[] {"t5", "C", Fixtures.ts("2026-06-04 11:00:00"), "P5", -1.0});
    Dataset<Row> products = Fixtures.rows("product_id string, category string",
        new Object[] {"P1", "groceries"}, new Object[] {"P2", "groceries"}, new Object[] {"P3", "electronics"},
        new Object[] {"P4", "electronics"}, new Object[] {"P5", "books"});
    Dataset<Row> cp = Fixtures.rows("customer_id string, persona_id int, context string",
        new Object[] {"A", 0, "all"}, new Object[] {"B", 0, "all"}, new Object[] {"C", 1, "all"});
    Dataset<Row> personas = Fixtures.rows("persona_id int, persona_name string",
        new Object[] {0, "grocery shoppers"}, new Object[] {1, "book lovers"});
    // D: a prospect without persona; E: a prospect whose persona is known (e.g. from journey_stages).
    Dataset<Row> audience = Fixtures.rows("customer_id string, persona_id int",
        new Object[] {"A", null}, new Object[] {"D", null}, new Object[] {"E", 0});
    in = new Recommender.Inputs(tx, products, cp, personas, audience);
  }

  static Recommender.Params popularityOnly(List<String> repeatable) {
    Recommender.Params d = Recommender.Params.from(settings.recommendations());
    return new Recommender.Params(3, 10, 1.0, 0.0, 0.0, repeatable, "purchases", d.als(), true);
  }

  static Map<String, List<String>> lists(Dataset<Row> recs) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : recs.orderBy("customer_id", "rank").collectAsList()) {
      out.computeIfAbsent(r.getString(r.fieldIndex("customer_id")), c -> new java.util.ArrayList<>())
          .add(r.getString(r.fieldIndex("product_id")));
    }
    return out;
  }

  @Test
  void boughtProductsAreExcludedExceptRepeatableCategories() {
    Map<String, List<String>> withGroceries = lists(Recommender.recommend(in, popularityOnly(List.of("groceries"))));
    // A bought P1 (groceries, repeatable: stays) and P3 (electronics: excluded).
    assertEquals(List.of("P1", "P2", "P4"), withGroceries.get("A"));
    Map<String, List<String>> none = lists(Recommender.recommend(in, popularityOnly(List.of())));
    assertEquals(List.of("P2", "P4"), none.get("A"));
    // B bought everything persona 0 bought: only its groceries come back when repeatable.
    assertEquals(List.of("P1", "P2"), withGroceries.get("B"));
    assertFalse(none.containsKey("B"));
  }

  @Test
  void coldStartGetsPersonaBestOrEveryonesBest() {
    Dataset<Row> recs = Recommender.recommend(in, popularityOnly(List.of("groceries"))).cache();
    Map<String, List<String>> l = lists(recs);
    assertEquals(List.of("P1", "P3", "P2"), l.get("D"));
    assertEquals(List.of("P1", "P3", "P2"), l.get("E"));
    Map<String, String> reasons = recs.filter("rank = 1").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(r.fieldIndex("customer_id")),
            r -> r.getString(r.fieldIndex("reason")) + "|" + r.get(r.fieldIndex("persona_id"))));
    assertEquals("bestseller among all customers|null", reasons.get("D"));
    assertEquals("popular with grocery shoppers like you|0", reasons.get("E"));
    recs.unpersist();
  }

  @Test
  void hybridWithAlsKeepsExclusionsAndTopN() {
    Recommender.Params d = Recommender.Params.from(settings.recommendations());
    Recommender.Params p = new Recommender.Params(3, 10, 0.5, 0.5, 0.3, List.of(), "purchases",
        new com.customerpath.common.config.PipelineSettings.AlsSettings(2, 3, 0.1, 1.0, 42), true);
    Dataset<Row> recs = Recommender.recommend(in, p).cache();
    Map<String, List<String>> l = lists(recs);
    assertFalse(l.get("A").contains("P1"));
    assertFalse(l.get("A").contains("P3"));
    assertFalse(l.getOrDefault("C", List.of()).contains("P5"));
    l.values().forEach(v -> assertTrue(v.size() <= 3));
    for (Row r : recs.collectAsList()) {
      double score = r.getDouble(r.fieldIndex("score"));
      assertTrue(score >= 0 && score <= 1.0 + 1e-9, "score in [0, 1]: " + score);
    }
    recs.unpersist();
  }
}
