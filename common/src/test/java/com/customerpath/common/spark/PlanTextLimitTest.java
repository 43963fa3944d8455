package com.customerpath.common.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.testing.SparkTestSession;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * The plan text Spark builds for its listeners is capped by the default settings. Adaptive
 * execution posts the whole extended explain of a query (parsed, analysed, optimised and physical
 * plans) at every re-planning; a plan that reuses its inputs in many branches grows that text
 * exponentially, and one such text ran the recommender's evaluation out of memory.
 */
class PlanTextLimitTest {
  private static final String KEY = "spark.sql.maxPlanStringLength";

  @Test
  void theDefaultSettingsCapEachQuerysPlanText() {
    PipelineSettings settings =
        PipelineSettings.from(
            ConfigLoader.load(null, Map.of("customerpath.inputs.transactions.path", "x")));
    String limit = settings.spark().conf().get(KEY);
    assertEquals("100000", limit);

    SparkSession spark = SparkTestSession.get();
    // A wide row (every plan node lists its 40 long column names), each level a union of the
    // previous one
    // with itself: the plan's text doubles per level. Planned only, never run.
    Column[] wide = new Column[40];
    for (int i = 0; i < wide.length; i++) {
      wide[i] =
          functions
              .col("id")
              .plus(i)
              .as(
                  "a_column_name_long_enough_to_make_each_node_of_the_plan_print_a_long_line_of_text_"
                      + "x".repeat(40)
                      + i);
    }
    Dataset<Row> query = spark.range(1).select(wide);
    for (int i = 0; i < 6; i++) {
      query = query.union(query);
    }
    String before = spark.conf().get(KEY);
    try {
      spark.conf().set(KEY, limit);
      int capped = query.queryExecution().toString().length();
      spark.conf().set(KEY, String.valueOf(Integer.MAX_VALUE - 16));
      int uncapped = query.queryExecution().toString().length();
      assertTrue(uncapped > 3 * Integer.parseInt(limit), "uncapped plan text: " + uncapped);
      assertTrue(capped <= Integer.parseInt(limit) + 1_000, "capped plan text: " + capped);
    } finally {
      spark.conf().set(KEY, before);
    }
  }
}
