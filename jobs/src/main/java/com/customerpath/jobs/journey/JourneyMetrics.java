package com.customerpath.jobs.journey;

import static com.customerpath.jobs.journey.JourneyStages.STAGES;
import static com.customerpath.jobs.journey.JourneyStages.firstColumn;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.spark.Explode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/** Transitions between runs and the stage funnel (pure transforms over journey_stages rows). */
public final class JourneyMetrics {
  public static final String ALL = "all";
  public static final String NEW = "new";
  public static final String LAPSED = "lapsed";

  private JourneyMetrics() {}

  /**
   * Rows once for "all" and once for the customer's persona (when there is one), as a string
   * column. One copy of the rows' plan (an explode, not a union of two copies: these rows carry the
   * journey's whole lineage, and every copy is analysed and optimised again).
   */
  static Dataset<Row> bySegment(Dataset<Row> rows, Column persona) {
    return Explode.nonNull(rows, "segment", List.of(lit(ALL), persona.cast("string")));
  }

  /**
   * Customers by (segment, from_stage, to_stage) from the previous run's stages (customer_id,
   * stage, persona_id) to tonight's: 'new' for customers not in the previous run, 'lapsed' for
   * previous customers without evidence left in the window. The persona is tonight's, else the
   * previous run's. probability = customers / customers of the same segment and from_stage.
   */
  public static Dataset<Row> transitions(Dataset<Row> previous, Dataset<Row> current) {
    Dataset<Row> prev =
        previous.select(
            col("customer_id"),
            col("stage").as("from_stage"),
            col("persona_id").as("previous_persona_id"));
    Dataset<Row> now =
        current.select(col("customer_id"), col("stage").as("to_stage"), col("persona_id"));
    Dataset<Row> joined =
        prev.join(now, new String[] {"customer_id"}, "full_outer")
            .select(
                functions.coalesce(col("from_stage"), lit(NEW)).as("from_stage"),
                functions.coalesce(col("to_stage"), lit(LAPSED)).as("to_stage"),
                functions.coalesce(col("persona_id"), col("previous_persona_id")).as("persona"));
    Dataset<Row> counted =
        bySegment(joined, col("persona"))
            .groupBy(col("segment").as("persona_id"), col("from_stage"), col("to_stage"))
            .agg(functions.count(lit(1)).as("customers"));
    return counted
        .withColumn(
            "probability",
            col("customers")
                .divide(
                    functions
                        .sum("customers")
                        .over(Window.partitionBy("persona_id", "from_stage"))))
        .orderBy("persona_id", "from_stage", "to_stage");
  }

  /** Tonight's stages as previous stages for a first run: nobody. */
  public static Dataset<Row> noPrevious(SparkSession spark) {
    return spark.createDataFrame(
        List.of(), StructType.fromDDL("customer_id STRING, stage STRING, persona_id INT"));
  }

  public static final StructType FUNNEL_SCHEMA =
      StructType.fromDDL(
          "persona_id STRING, stage STRING, stage_rank INT, customers_reached BIGINT, reached_next BIGINT, "
              + "conversion_to_next DOUBLE, purchase_action_ratio DOUBLE, brand_advocacy_ratio DOUBLE, "
              + "median_days_to_next INT, p90_days_to_next INT, observable_stages STRING");

  /**
   * The funnel per segment and stage from journey_stages rows (customer_id, persona_id,
   * first_<stage> dates). customers_reached = customers with evidence of the stage in the window;
   * conversion_to_next = of those, the share that also reached the next stage;
   * purchase_action_ratio = reached act / reached aware, brand_advocacy_ratio = reached advocate /
   * reached aware (the same on every row of a segment). Days to next: from the first date of the
   * stage to the first date of the next (0 when the next came first); customers who have not
   * reached the next stage are censored at the run date; median and p90 are Kaplan-Meier quantiles
   * (null when the estimate does not get that far). Unobservable stages have null counts and rates.
   * The counts are aggregated by Spark; only (segment, stage, days) totals reach the driver.
   */
  public static Dataset<Row> funnel(
      Dataset<Row> stages, LocalDate runDate, String observableStages) {
    Set<String> observable = Set.of(observableStages.split(","));
    Dataset<Row> base = bySegment(stages, col("persona_id"));
    Column runDay = lit(runDate.toString()).cast("date");
    // One row per (segment, stage reached): the stages as an exploded array of structs, so the
    // plan holds one copy of the stages' lineage instead of a union of one per stage.
    List<Column> reachedStages = new ArrayList<>();
    for (int i = 0; i < STAGES.size(); i++) {
      Column first = col(firstColumn(STAGES.get(i)));
      Column next =
          i + 1 < STAGES.size() ? col(firstColumn(STAGES.get(i + 1))) : lit(null).cast("date");
      Column days =
          functions
              .when(next.isNotNull(), functions.greatest(lit(0), functions.datediff(next, first)))
              .otherwise(functions.datediff(runDay, first));
      reachedStages.add(
          functions.when(
              first.isNotNull(),
              functions.struct(
                  lit(i).as("stage_rank"),
                  next.isNotNull().cast("int").as("moved"),
                  days.as("days"))));
    }
    Dataset<Row> longRows =
        Explode.nonNull(base, "reached", reachedStages)
            .select(
                col("segment"),
                col("reached.stage_rank").as("stage_rank"),
                col("reached.moved").as("moved"),
                col("reached.days").as("days"));
    List<Row> totals =
        longRows
            .groupBy("segment", "stage_rank", "days")
            .agg(functions.sum("moved").as("events"), functions.count(lit(1)).as("n"))
            .collectAsList();

    Map<String, long[]> reached = new HashMap<>();
    Map<String, long[]> movedOn = new HashMap<>();
    Map<String, KaplanMeier> km = new HashMap<>();
    Set<String> segments = new TreeSet<>(List.of(ALL));
    for (Row t : totals) {
      String segment = t.getString(0);
      int rank = t.getInt(1);
      long events = t.getLong(3);
      long n = t.getLong(4);
      segments.add(segment);
      reached.computeIfAbsent(segment, k -> new long[STAGES.size()])[rank] += n;
      movedOn.computeIfAbsent(segment, k -> new long[STAGES.size()])[rank] += events;
      km.computeIfAbsent(segment + "/" + rank, k -> new KaplanMeier())
          .add(t.getInt(2), events, n - events);
    }
    int aware = 0;
    int act = STAGES.indexOf("act");
    int advocate = STAGES.size() - 1;
    List<Row> rows = new ArrayList<>();
    for (String segment : segments) {
      long[] r = reached.getOrDefault(segment, new long[STAGES.size()]);
      long[] m = movedOn.getOrDefault(segment, new long[STAGES.size()]);
      boolean awareSeen = observable.contains(STAGES.get(aware)) && r[aware] > 0;
      Double par = awareSeen && observable.contains("act") ? (double) r[act] / r[aware] : null;
      Double bar =
          awareSeen && observable.contains("advocate") ? (double) r[advocate] / r[aware] : null;
      for (int i = 0; i < STAGES.size(); i++) {
        String stage = STAGES.get(i);
        boolean seen = observable.contains(stage);
        boolean nextSeen = i + 1 < STAGES.size() && observable.contains(STAGES.get(i + 1));
        KaplanMeier curve = km.get(segment + "/" + i);
        boolean timed = seen && nextSeen && curve != null;
        rows.add(
            RowFactory.create(
                segment,
                stage,
                i,
                seen ? r[i] : null,
                seen && nextSeen ? m[i] : null,
                seen && nextSeen && r[i] > 0 ? (double) m[i] / r[i] : null,
                par,
                bar,
                timed ? curve.quantile(0.5) : null,
                timed ? curve.quantile(0.9) : null,
                observableStages));
      }
    }
    return base.sparkSession().createDataFrame(rows, FUNNEL_SCHEMA);
  }
}
