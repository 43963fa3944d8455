package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.customerpath.testing.SparkTestSession;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class RfmSummaryTest {
  private final SparkSession spark = SparkTestSession.get();

  /**
   * cdnow_customers_summary.csv rounds recency and T to 2 decimals of a week, so they must agree
   * within half a unit of the last digit; frequency must agree exactly. T is (1997-09-30 - first
   * purchase day) / 7, e.g. 272/7 = 38.857 -> 38.86 for a first purchase on 1997-01-01.
   */
  @Test
  void reproducesPublishedCdnowCohortSummary() {
    Dataset<Row> ours = CdnowData.cohortSummary(spark);
    Dataset<Row> published = CdnowData.publishedSummary(spark);
    double rounding = 0.005 + 1e-9;

    assertEquals(2357, ours.count());
    Dataset<Row> joined = ours.as("o").join(published.as("p"), "customer_id");
    assertEquals(2357, joined.count(), "every published customer must be in our summary");
    long mismatches =
        joined
            .where(
                col("o.frequency")
                    .notEqual(col("p.frequency"))
                    .or(abs(col("o.recency").minus(col("p.recency"))).gt(rounding))
                    .or(abs(col("o.age").minus(col("p.age"))).gt(rounding)))
            .count();
    assertEquals(0, mismatches, "customers whose x, t_x or T differ from the published summary");
  }

  @Test
  void aggregatesPurchasesPerDayAndExcludesFirstDayFromMonetary() {
    StructType schema =
        new StructType()
            .add("customer_id", DataTypes.StringType)
            .add("ts", DataTypes.TimestampType)
            .add("amount", DataTypes.DoubleType);
    List<Row> rows =
        List.of(
            RowFactory.create("a", ts("2024-01-01 09:00:00"), 10.0),
            RowFactory.create("a", ts("2024-01-01 17:00:00"), 5.0), // same day: one purchase of 15
            RowFactory.create("a", ts("2024-01-08 10:00:00"), 20.0),
            RowFactory.create("a", ts("2024-01-15 10:00:00"), 40.0),
            RowFactory.create(
                "a", ts("2024-02-01 10:00:00"), 99.0), // after calibration end: ignored
            RowFactory.create("b", ts("2024-01-29 10:00:00"), 7.0),
            RowFactory.create("c", ts("2024-02-02 10:00:00"), 7.0)); // first purchase too late
    Dataset<Row> summary =
        new RfmSummary(LocalDate.of(2024, 1, 29), 7).transform(spark.createDataFrame(rows, schema));

    Map<String, Row> byId =
        summary.collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r));
    assertEquals(2, byId.size());
    Row a = byId.get("a");
    assertEquals(2.0, a.getDouble(1)); // 3 purchase days
    assertEquals(2.0, a.getDouble(2), 1e-12); // 14 days / 7
    assertEquals(4.0, a.getDouble(3), 1e-12); // 28 days / 7
    assertEquals(30.0, a.getDouble(4), 1e-12); // (20 + 40) / 2; the first day's 15 is excluded
    Row b = byId.get("b");
    assertEquals(0.0, b.getDouble(1));
    assertEquals(0.0, b.getDouble(3), 1e-12);
    assertEquals(0.0, b.getDouble(4));
  }

  @Test
  void missingColumnIsAClearError() {
    Dataset<Row> noAmount = spark.sql("SELECT 'a' AS customer_id, current_timestamp() AS ts");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new RfmSummary(LocalDate.of(2024, 1, 1), 7).transform(noAmount));
    assertEquals(
        "RfmSummary needs column 'amount'; the input has [customer_id, ts]", e.getMessage());
  }

  private static Timestamp ts(String text) {
    return Timestamp.from(
        java.time.Instant.parse(text.replace(" ", "T") + "Z")); // UTC, like the session
  }
}
