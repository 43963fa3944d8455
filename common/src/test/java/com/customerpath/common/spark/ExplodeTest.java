package com.customerpath.common.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.GenerateExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.junit.jupiter.api.Test;

class ExplodeTest {
  @Test
  void oneRowPerNonNullValueInCompiledCode() {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> rows = spark.range(0, 6).toDF("n");
    // n = 0: no value; 1, 2: one; 3, 4, 5: two (the "divisible" tags of 2 and 3).
    Dataset<Row> tagged =
        Explode.nonNull(
            rows,
            "tag",
            List.of(
                when(col("n").gt(0).and(col("n").mod(2).equalTo(0)), lit("even")),
                when(col("n").gt(0).and(col("n").mod(3).equalTo(0)), lit("three")),
                when(col("n").gt(2).and(col("n").mod(2).equalTo(1)), lit("odd above 2"))));
    List<String> got =
        tagged.orderBy("n", "tag").collectAsList().stream()
            .map(r -> r.getLong(0) + ":" + r.getString(1))
            .toList();
    assertEquals(List.of("2:even", "3:odd above 2", "3:three", "4:even", "5:odd above 2"), got);

    // The explode runs inside whole-stage generated code (array_compact kept it interpreted).
    SparkPlan plan = tagged.queryExecution().executedPlan();
    assertTrue(
        plan.find(
                p ->
                    p instanceof WholeStageCodegenExec w
                        && w.child().find(c -> c instanceof GenerateExec).isDefined())
            .isDefined(),
        plan.toString());
  }
}
