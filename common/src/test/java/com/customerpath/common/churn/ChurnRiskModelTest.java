package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ChurnRiskModelTest {
  private final SparkSession spark = SparkTestSession.get();

  @Test
  void aRepeatBuyerWhoSpentNothingIsScoredButNotFittedOn() {
    // CDNOW has repeat purchases of $0: Gamma-Gamma is defined for positive spend only.
    Dataset<Row> summary = CdnowData.cohortSummary(spark);
    Dataset<Row> zero =
        summary
            .limit(1)
            .withColumn("customer_id", lit("zero-spender"))
            .withColumn("frequency", lit(2.0).cast(summary.schema().apply("frequency").dataType()))
            .withColumn("monetary", lit(0.0).cast(summary.schema().apply("monetary").dataType()));
    Dataset<Row> withZero = summary.unionByName(zero);
    ChurnRiskModel model = ChurnRiskModel.fit(withZero, 39, FitOptions.defaults().withRestarts(0));
    assertEquals(
        6.25, model.gammaGamma().p(), 6.25 * 0.01, "the $0 customer does not move the spend fit");
    Row scored = model.score(withZero).where(col("customer_id").equalTo("zero-spender")).first();
    assertTrue(
        scored.<Double>getAs("expected_avg_value") > 0, "shrunk towards the population mean");
  }

  @Test
  void fitsAndScoresTheCdnowCohort() {
    Dataset<Row> summary = CdnowData.cohortSummary(spark);
    ChurnRiskModel model = ChurnRiskModel.fit(summary, 39, FitOptions.defaults().withRestarts(0));
    assertEquals(0.243, model.bgNbd().r(), 0.243 * 0.01);
    assertEquals(6.25, model.gammaGamma().p(), 6.25 * 0.01);

    Dataset<Row> scored = model.score(summary);
    List<String> outputs =
        List.of(
            "customer_id",
            "frequency",
            "recency",
            "age",
            "monetary",
            "p_alive",
            "churn_probability",
            "expected_purchases",
            "expected_avg_value",
            "expected_value",
            "p_purchase",
            "p_alive_model",
            "idle_overdue");
    assertEquals(outputs, List.of(scored.columns()));
    // One pass: rows, nulls per column, p_alive range, identities, total forecast.
    List<Column> checks = new ArrayList<>();
    for (String column : outputs) {
      checks.add(sum(when(col(column).isNull(), 1).otherwise(0)));
    }
    checks.add(min("p_alive"));
    checks.add(max("p_alive"));
    checks.add(max(abs(col("churn_probability").plus(col("p_alive")).minus(1))));
    checks.add(
        max(
            abs(
                col("expected_value")
                    .minus(col("expected_purchases").multiply(col("expected_avg_value"))))));
    checks.add(sum("expected_purchases"));
    Row result = scored.agg(count(lit(1)), checks.toArray(new Column[0])).first();
    assertEquals(2357, result.getLong(0));
    for (int i = 0; i < outputs.size(); i++) {
      assertEquals(0, result.getLong(i + 1), "nulls in " + outputs.get(i));
    }
    int k = outputs.size() + 1;
    assertTrue(result.getDouble(k) > 0 && result.getDouble(k + 1) <= 1, "p_alive in (0, 1]");
    assertEquals(1.0, result.getDouble(k + 1), 0.0, "x=0 customers have p_alive 1");
    assertEquals(0.0, result.getDouble(k + 2), 1e-12);
    assertEquals(0.0, result.getDouble(k + 3), 1e-9);

    // Sanity of the forecast against the holdout (weeks 40-78, 1997-10-01..1998-06-30): the
    // cohort's realised repeat purchase days there. Measured: forecast 1653.4 vs actual 1882
    // (-12%); BG/NBD is known to under-forecast CDNOW's holdout somewhat. 15% bounds that.
    double totalExpected = result.getDouble(k + 4);
    long actual =
        CdnowData.sampleTransactions(spark)
            .where(
                col("ts")
                    .geq(java.sql.Timestamp.from(java.time.Instant.parse("1997-10-01T00:00:00Z"))))
            .select(col("customer_id"), to_date(col("ts")))
            .distinct()
            .count();
    System.out.printf(
        "Cohort repeat purchases weeks 40-78: expected %.1f, actual %d%n", totalExpected, actual);
    assertEquals(1882, actual);
    assertEquals(actual, totalExpected, actual * 0.15);
  }

  @Test
  void paretoScoresMatchTheModelAndEvaluateEachUdfOnce() {
    // CDNOW's published Pareto/NBD parameters (a and b hold s and beta).
    ParetoNbd.Params q = new ParetoNbd.Params(0.5534, 10.5776, 0.6061, 11.6689, 0, 0);
    PurchaseFit fit =
        new PurchaseFit(
            PurchaseModel.PARETO_NBD,
            new BgNbdParams(q.r(), q.alpha(), q.s(), q.beta(), 0, 0),
            5.0,
            4,
            4);
    Dataset<Row> summary =
        spark.createDataFrame(
            List.of(
                RowFactory.create("new", 0.0, 0.0, 30.0),
                RowFactory.create("steady", 10.0, 38.0, 39.0),
                RowFactory.create("lapsed", 4.0, 6.0, 39.0),
                RowFactory.create("young", 1.0, 2.0, 3.0)),
            new StructType()
                .add("customer_id", DataTypes.StringType)
                .add("frequency", DataTypes.DoubleType)
                .add("recency", DataTypes.DoubleType)
                .add("age", DataTypes.DoubleType));
    double horizon = 39;
    Dataset<Row> scored =
        ChurnRiskModel.scorePurchases(summary, fit, horizon, ChurnRiskModel.IdleRule.OFF);
    for (Row r : scored.collectAsList()) {
      double x = r.getDouble(1);
      double tx = r.getDouble(2);
      double t = r.getDouble(3);
      String who = r.getString(0);
      assertEquals(ParetoNbd.probabilityAlive(q, x, tx, t), r.<Double>getAs("p_alive"), 1e-12, who);
      assertEquals(
          ParetoNbd.expectedPurchases(q, horizon, x, tx, t),
          r.<Double>getAs("expected_purchases"),
          1e-9,
          who);
      assertEquals(
          ParetoNbd.probabilityPurchase(q, horizon, x, tx, t),
          r.<Double>getAs("p_purchase"),
          1e-12,
          who);
    }
    // P(alive) (2F1) and P(no purchase | alive) (an integral) are the only UDFs, each once: the
    // plan Spark runs holds each a single time.
    // (Above a shuffle, so that Spark does not evaluate the projection of a local table itself.)
    String plan =
        ChurnRiskModel.scorePurchases(
                summary.repartition(1), fit, horizon, ChurnRiskModel.IdleRule.OFF)
            .queryExecution()
            .executedPlan()
            .toString();
    int udfs = plan.split("UDF\\(", -1).length - 1;
    assertEquals(2, udfs, plan);
  }

  @Test
  void negativeFrequencyIsAClearError() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rows.add(RowFactory.create("c" + i, i < 12 ? -1.0 : 1.0, 0.5, 2.0, 10.0));
    }
    Dataset<Row> bad = spark.createDataFrame(rows, schema());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ChurnRiskModel.fit(bad, 39));
    assertEquals(
        "Cannot fit BG/NBD on 'frequency': 12 rows have negative frequency", e.getMessage());
  }

  @Test
  void otherBadInputsAreClearErrors() {
    Dataset<Row> recencyAfterAge =
        spark.createDataFrame(List.of(RowFactory.create("a", 1.0, 5.0, 2.0, 10.0)), schema());
    assertEquals(
        "Cannot fit BG/NBD on 'recency': 1 row has recency greater than age",
        assertThrows(IllegalArgumentException.class, () -> BgNbd.fit(recencyAfterAge))
            .getMessage());

    Dataset<Row> zeroSpend =
        spark.createDataFrame(List.of(RowFactory.create("a", 2.0, 1.0, 2.0, 0.0)), schema());
    assertEquals(
        "Cannot fit Gamma-Gamma on 'monetary': 1 row has frequency > 0 and a missing or"
            + " non-positive monetary value",
        assertThrows(IllegalArgumentException.class, () -> GammaGamma.fit(zeroSpend)).getMessage());

    Dataset<Row> noAge =
        spark
            .createDataFrame(List.of(RowFactory.create("a", 2.0, 1.0, 2.0, 0.0)), schema())
            .drop("age");
    assertEquals(
        "Cannot fit BG/NBD: missing column 'age' (input has [customer_id, frequency,"
            + " recency, monetary])",
        assertThrows(IllegalArgumentException.class, () -> BgNbd.fit(noAge)).getMessage());

    Dataset<Row> empty = spark.createDataFrame(List.of(), schema());
    assertEquals(
        "Cannot fit BG/NBD: the customer summary is empty",
        assertThrows(IllegalArgumentException.class, () -> BgNbd.fit(empty)).getMessage());

    assertThrows(
        IllegalArgumentException.class,
        () -> new ChurnRiskModel(null, null, 0, -1, ChurnRiskModel.IdleRule.OFF));
  }

  private static StructType schema() {
    return new StructType()
        .add("customer_id", DataTypes.StringType)
        .add("frequency", DataTypes.DoubleType)
        .add("recency", DataTypes.DoubleType)
        .add("age", DataTypes.DoubleType)
        .add("monetary", DataTypes.DoubleType);
  }
}
