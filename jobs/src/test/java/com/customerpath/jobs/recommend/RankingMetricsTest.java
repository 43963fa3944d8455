package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.Fixtures;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed at k = 3 on a catalogue of 8 products: X: recommended [a, b, c, d], relevant {a, c,
 * e}: top 3 = a b c, hits at 1 and 3. precision 2/3, recall 2/3, DCG 1/log2(2) + 1/log2(4) = 1.5,
 * IDCG 1 + 1/log2(3) + 1/log2(4) = 2.130930, NDCG 0.703918, AP (1/1 + 2/3) / 3 = 0.555556. Y: not
 * served, relevant {a}: all 0. Z: recommended [e], relevant {e}: precision 1/3, recall 1, NDCG 1,
 * AP 1 / min(3, 1) = 1. Means: precision 1/3, recall 5/9, NDCG 0.567973, MAP 0.518519, served 2/3,
 * coverage {a,b,c,e} 4/8.
 */
class RankingMetricsTest {
  @Test
  void metricsAtKOnAHandComputedExample() {
    Dataset<Row> lists =
        Fixtures.rows(
            "customer_id string, recommended array<string>, relevant array<string>",
            new Object[] {"X", new String[] {"a", "b", "c", "d"}, new String[] {"a", "c", "e"}},
            new Object[] {"Y", null, new String[] {"a"}},
            new Object[] {"Z", new String[] {"e"}, new String[] {"e"}});
    Map<String, Double> m = RankingMetrics.evaluate(lists, 3, 8);
    assertEquals(1.0 / 3, m.get(RankingMetrics.PRECISION), 1e-6);
    assertEquals(5.0 / 9, m.get(RankingMetrics.RECALL), 1e-6);
    double ndcgX = 1.5 / (1 + 1 / (Math.log(3) / Math.log(2)) + 0.5);
    assertEquals(0.703918, ndcgX, 1e-6);
    assertEquals((ndcgX + 1) / 3, m.get(RankingMetrics.NDCG), 1e-6);
    assertEquals((5.0 / 9 + 1) / 3, m.get(RankingMetrics.MAP), 1e-6);
    assertEquals(2.0 / 3, m.get(RankingMetrics.SERVED), 1e-9);
    assertEquals(0.5, m.get(RankingMetrics.COVERAGE), 1e-9);
  }

  @Test
  void rankedListsFollowRank() {
    Dataset<Row> recs =
        Fixtures.rows(
            "customer_id string, rank int, product_id string",
            new Object[] {"X", 2, "b"},
            new Object[] {"X", 1, "z"},
            new Object[] {"X", 3, "a"});
    Row r = RankingMetrics.rankedLists(recs).first();
    assertEquals(java.util.List.of("z", "b", "a"), r.getList(1));
  }
}
