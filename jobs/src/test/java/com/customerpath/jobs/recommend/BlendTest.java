package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** NDCG of candidate lists under weight vectors, on lists whose answers are worked out by hand. */
class BlendTest {
  private static final double ONE_AT_RANK_2 = 1 / (Math.log(3) / Math.log(2)); // 0.6309

  /** A candidate with a buy-again and a global-popularity score (other sources 0). */
  private static Row cand(String product, double buyAgain, double global, boolean relevant) {
    return RowFactory.create(product, buyAgain, 0.0, 0.0, 0.0, global, 0.0, relevant);
  }

  private static double[] only(String feature) {
    double[] w = new double[Recommender.FEATURES.size()];
    w[Recommender.FEATURES.indexOf(feature)] = 1;
    return w;
  }

  @Test
  void meanNdcgPerWeightVectorMatchesTheHandWorkedFigures() {
    StringBuilder ddl = new StringBuilder("n_rel int, cands array<struct<product_id: string");
    Recommender.FEATURES.forEach(f -> ddl.append(", ").append(f).append(": double"));
    ddl.append(", label: boolean>>");
    List<Row> rows = new ArrayList<>();
    // A: the relevant product is the global best seller; the bought one is not relevant.
    rows.add(RowFactory.create(1, List.of(cand("p1", 1, 0, false), cand("p2", 0, 1, true))));
    // B: both candidates relevant: any order is ideal.
    rows.add(RowFactory.create(2, List.of(cand("p3", 0.5, 0, true), cand("p4", 0, 0.5, true))));
    // C: bought in the validation days but no candidate at all: NDCG 0.
    rows.add(RowFactory.create(1, null));
    // Equal scores: the product id decides, as in the final ranking (p5 before p6).
    rows.add(RowFactory.create(1, List.of(cand("p6", 1, 1, true), cand("p5", 1, 1, false))));
    Dataset<Row> lists =
        SparkTestSession.get().createDataFrame(rows, StructType.fromDDL(ddl.toString()));

    double[] ndcg = Blend.evaluate(lists, List.of(only("f_buy_again"), only("f_global")), 10);

    assertArrayEquals(
        new double[] {(ONE_AT_RANK_2 + 1 + 0 + ONE_AT_RANK_2) / 4, (1 + 1 + 0 + ONE_AT_RANK_2) / 4},
        ndcg,
        1e-12);
    // With k = 1 only the first candidate counts.
    assertEquals(
        (0 + 1 + 0 + 0) / 4.0, Blend.evaluate(lists, List.of(only("f_buy_again")), 1)[0], 1e-12);
  }
}
