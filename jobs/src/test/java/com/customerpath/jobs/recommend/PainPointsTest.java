package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.common.config.RecommendationSettings.PainPointSettings;
import com.customerpath.testing.Fixtures;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ten buyers with monetary 100..1000 fall in deciles 1..10. C09 (decile 9) rated 1, 2, 2; C08
 * (decile 8) rated 5, 4; C10 (decile 10) returned 35% of spend; C07 (decile 7, not in the top 3
 * deciles) returned 50% and rated 1.
 */
class PainPointsTest {
  static Dataset<Row> features;
  static Dataset<Row> reviews;

  @BeforeAll
  static void fixtures() {
    Object[][] f = new Object[10][];
    for (int i = 1; i <= 10; i++) {
      double returns = i == 10 ? 0.35 : i == 7 ? 0.5 : 0.0;
      f[i - 1] = new Object[] {String.format("C%02d", i), 100.0 * i, returns};
    }
    features = Fixtures.rows("customer_id string, monetary double, returns_share double", f);
    Dataset<Row> events =
        Fixtures.rows(
            "customer_id string, event_type string, rating int",
            new Object[] {"C09", "review", 1},
            new Object[] {"C09", "review", 2},
            new Object[] {"C09", "review", 2},
            new Object[] {"C08", "review", 5},
            new Object[] {"C08", "review", 4},
            new Object[] {"C08", "share", null},
            new Object[] {"C07", "review", 1});
    reviews = PainPoints.reviews(events, 2);
  }

  static Map<String, String> painPoints(PainPointSettings s) {
    Map<String, String> out = new TreeMap<>();
    for (Row r : PainPoints.table(PainPoints.assess(features, reviews, s)).collectAsList()) {
      out.put(r.getString(0), r.getInt(1) + "|" + r.getString(r.fieldIndex("reason")));
    }
    return out;
  }

  @Test
  void valuableUnhappyCustomersAreFlaggedWithReadableReasons() {
    Map<String, String> p = painPoints(new PainPointSettings(3, 3.0, 1, 2, 2, 0.25));
    assertEquals(
        Map.of(
            "C09", "9|avg rating 1.7 over 3 reviews; 3 complaints (rating <= 2)",
            "C10", "10|35% of spend returned"),
        p);
  }

  @Test
  void thresholdsComeFromSettings() {
    // Returns allowed up to 40%, average 1.7 still low, complaints need 4: C09 on its average only.
    assertEquals(
        Map.of("C09", "9|avg rating 1.7 over 3 reviews"),
        painPoints(new PainPointSettings(3, 3.0, 1, 2, 4, 0.4)));
    // Average threshold 1.5 and complaints need 4: nobody.
    assertEquals(Map.of(), painPoints(new PainPointSettings(3, 1.5, 1, 2, 4, 0.4)));
    // Top 4 deciles: C07 (decile 7) now counts, for its returns and its single 1-star review.
    assertEquals(
        "7|avg rating 1.0 over 1 review; 50% of spend returned",
        painPoints(new PainPointSettings(4, 3.0, 1, 2, 2, 0.4)).get("C07"));
  }

  @Test
  void satisfactionScore() {
    Map<String, Double> sat = new TreeMap<>();
    PainPoints.assess(features, reviews, new PainPointSettings(3, 3.0, 1, 2, 2, 0.25))
        .collectAsList()
        .forEach(r -> sat.put(r.getString(0), r.getDouble(r.fieldIndex("satisfaction"))));
    // C08: rating score (4.5 - 1) / 4 = 0.875, no returns: (0.875 + 1) / 2
    assertEquals(0.9375, sat.get("C08"), 1e-9);
    // C10: no reviews, 35% returned
    assertEquals(0.65, sat.get("C10"), 1e-9);
  }

  @Test
  void onlyTheLookBackWindowsReviewsCount() {
    // Window of 30 days ending 2026-06-30: 2026-06-01 .. 2026-06-30. C09's two 1-star reviews of
    // May (before the window) and one of July (after the run date) are not counted.
    Dataset<Row> events =
        Fixtures.rows(
            "customer_id string, ts timestamp, event_type string, rating int",
            new Object[] {"C09", java.sql.Timestamp.valueOf("2026-05-31 23:59:00"), "review", 1},
            new Object[] {"C09", java.sql.Timestamp.valueOf("2026-05-02 10:00:00"), "review", 1},
            new Object[] {"C09", java.sql.Timestamp.valueOf("2026-06-01 00:00:00"), "review", 4},
            new Object[] {"C09", java.sql.Timestamp.valueOf("2026-06-30 23:59:00"), "review", 2},
            new Object[] {"C09", java.sql.Timestamp.valueOf("2026-07-01 00:00:00"), "review", 1},
            new Object[] {"C08", java.sql.Timestamp.valueOf("2026-04-01 09:00:00"), "review", 1});
    Map<String, String> counted = new TreeMap<>();
    for (Row r :
        PainPoints.reviewsInWindow(events, java.time.LocalDate.of(2026, 6, 30), 30, 2)
            .collectAsList()) {
      counted.put(
          r.getString(0),
          r.getLong(r.fieldIndex("reviews"))
              + "|"
              + r.getDouble(r.fieldIndex("avg_rating"))
              + "|"
              + r.getLong(r.fieldIndex("low_ratings")));
    }
    // C09: 4 and 2 (one complaint); C08's only review is before the window: no row.
    assertEquals(Map.of("C09", "2|3.0|1"), counted);
  }
}
