package com.customerpath.jobs.journey;

import static com.customerpath.jobs.journey.JourneyStages.ADVOCATE;
import static com.customerpath.jobs.journey.JourneyStages.STAGES;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.config.PipelineSettings.PropensitySettings;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Next-stage propensity: P(a customer reaches a higher stage within horizon-days). Features at a
 * date: current stage (one-hot) and days in it, evidence counts per stage over the last 30 and 90
 * days, customer_features as of that date (0 for prospects, with a has_purchase_features flag) and
 * the persona (one-hot; prospects get their own level). Advocates cannot move up and are not scored
 * (null propensity).
 */
public final class JourneyPropensity {
  public static final String LABEL = "label";
  public static final String FEATURES = "features";

  private JourneyPropensity() {}

  /** The trained model and its figures. */
  public record Result(Optional<PipelineModel> model, Map<String, Double> metrics) {}

  /** Snapshot dates, latest (the held-out test slice) first: run - horizon - k * step. */
  public static List<LocalDate> snapshots(LocalDate runDate, PropensitySettings s) {
    List<LocalDate> out = new ArrayList<>();
    for (int k = 0; k < s.snapshots(); k++) {
      out.add(runDate.minusDays(s.horizonDays() + (long) k * s.stepDays()));
    }
    return out;
  }

  /**
   * Feature rows at a date for customers below advocate: stages at the date joined with evidence
   * counts, customer features and persona. customerFeatures may lack customers (prospects); persona
   * may be null.
   */
  public static Dataset<Row> featureRows(
      Dataset<Row> evidence,
      LocalDate asOf,
      int windowDays,
      Dataset<Row> customerFeatures,
      List<String> featureColumns,
      Dataset<Row> personas) {
    Dataset<Row> stages =
        JourneyStages.stagesAt(evidence, asOf, windowDays).filter(col("stage_rank").lt(ADVOCATE));
    List<Column> counts = new ArrayList<>();
    for (int days : new int[] {30, 90}) {
      Column recent =
          col("ts").geq(functions.to_timestamp(lit(asOf.minusDays(days - 1L).toString())));
      for (int i = 0; i < STAGES.size(); i++) {
        counts.add(
            functions
                .count(functions.when(recent.and(col("stage_rank").equalTo(i)), 1))
                .cast("double")
                .as("n" + days + "_" + STAGES.get(i)));
      }
    }
    Dataset<Row> recentCounts =
        JourneyStages.inWindow(evidence, asOf, 90)
            .groupBy("customer_id")
            .agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new));
    List<Column> cf =
        new ArrayList<>(List.of(col("customer_id"), lit(1.0).as("has_purchase_features")));
    featureColumns.forEach(f -> cf.add(col(f).cast("double").as("cf_" + f)));
    Dataset<Row> rows =
        stages
            .join(recentCounts, new String[] {"customer_id"}, "left")
            .join(
                customerFeatures.select(cf.toArray(Column[]::new)),
                new String[] {"customer_id"},
                "left")
            .join(
                personas.select("customer_id", "persona_id"), new String[] {"customer_id"}, "left");
    for (int i = 0; i < ADVOCATE; i++) {
      rows = rows.withColumn("is_" + STAGES.get(i), col("stage_rank").equalTo(i).cast("double"));
    }
    return rows.withColumn("days_in_stage_d", col("days_in_stage").cast("double"))
        .withColumn(
            "persona_index", functions.coalesce(col("persona_id").cast("double").plus(1), lit(0.0)))
        .na()
        .fill(0.0, numericInputs(featureColumns).toArray(String[]::new));
  }

  static List<String> numericInputs(List<String> featureColumns) {
    List<String> in = new ArrayList<>();
    for (int i = 0; i < ADVOCATE; i++) {
      in.add("is_" + STAGES.get(i));
    }
    in.add("days_in_stage_d");
    for (int days : new int[] {30, 90}) {
      STAGES.forEach(s -> in.add("n" + days + "_" + s));
    }
    in.add("has_purchase_features");
    featureColumns.forEach(f -> in.add("cf_" + f));
    return in;
  }

  /** Label: 1 when the customer has evidence of a higher stage in (asOf, asOf + horizon]. */
  public static Dataset<Row> labelled(
      Dataset<Row> rows, Dataset<Row> evidence, LocalDate asOf, int horizonDays) {
    Dataset<Row> later =
        evidence
            .filter(
                col("ts")
                    .geq(functions.to_timestamp(lit(asOf.plusDays(1).toString())))
                    .and(
                        col("ts")
                            .lt(
                                functions.to_timestamp(
                                    lit(asOf.plusDays(horizonDays + 1L).toString())))))
            .groupBy("customer_id")
            .agg(functions.max("stage_rank").as("later_rank"));
    return rows.join(later, new String[] {"customer_id"}, "left")
        .withColumn(
            LABEL,
            functions.coalesce(col("later_rank"), lit(-1)).gt(col("stage_rank")).cast("double"))
        .drop("later_rank");
  }

  public static Pipeline pipeline(List<String> featureColumns, PropensitySettings s) {
    OneHotEncoder persona =
        new OneHotEncoder()
            .setInputCols(new String[] {"persona_index"})
            .setOutputCols(new String[] {"persona_vec"})
            .setDropLast(false)
            .setHandleInvalid("keep");
    List<String> inputs = new ArrayList<>(numericInputs(featureColumns));
    inputs.add("persona_vec");
    VectorAssembler assembler =
        new VectorAssembler()
            .setInputCols(inputs.toArray(String[]::new))
            .setOutputCol("raw_features");
    StandardScaler scaler =
        new StandardScaler()
            .setInputCol("raw_features")
            .setOutputCol(FEATURES)
            .setWithMean(false)
            .setWithStd(true);
    PipelineStage model =
        s.algorithm() == PropensitySettings.Algorithm.GBT
            ? new GBTClassifier()
                .setMaxIter(s.maxIter())
                .setSeed(s.seed())
                .setLabelCol(LABEL)
                .setFeaturesCol(FEATURES)
            : new LogisticRegression()
                .setMaxIter(s.maxIter())
                .setRegParam(s.regParam())
                .setTol(s.tol())
                .setLabelCol(LABEL)
                .setFeaturesCol(FEATURES);
    return new Pipeline().setStages(new PipelineStage[] {persona, assembler, scaler, model});
  }

  /**
   * Trains on the older snapshots and tests on the latest. featuresAt gives customer_features as of
   * a date; personas is tonight's, masked for customers without purchase features at a snapshot (a
   * prospect then was a prospect, whatever persona he has now).
   */
  public static Result train(
      Dataset<Row> evidence,
      LocalDate runDate,
      int windowDays,
      PropensitySettings s,
      Function<LocalDate, Dataset<Row>> featuresAt,
      List<String> featureColumns,
      Dataset<Row> personas) {
    List<LocalDate> dates = snapshots(runDate, s);
    Dataset<Row> train = null;
    Dataset<Row> test = null;
    for (int k = 0; k < dates.size(); k++) {
      LocalDate d = dates.get(k);
      Dataset<Row> rows =
          labelled(
              featureRows(evidence, d, windowDays, featuresAt.apply(d), featureColumns, personas),
              evidence,
              d,
              s.horizonDays());
      rows =
          rows.withColumn(
              "persona_index",
              functions
                  .when(col("has_purchase_features").equalTo(1.0), col("persona_index"))
                  .otherwise(lit(0.0)));
      if (k == 0) {
        test = rows;
      } else {
        train = train == null ? rows : train.unionByName(rows);
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    // Materialise the (small) snapshot rows and cut their long lineage: the model iterates over
    // them.
    List<String> keep = new ArrayList<>(numericInputs(featureColumns));
    keep.addAll(List.of("customer_id", "persona_index", LABEL));
    Column[] keepCols = keep.stream().map(functions::col).toArray(Column[]::new);
    train = train.select(keepCols).localCheckpoint();
    test = test.select(keepCols).localCheckpoint();
    try {
      Row tr = train.agg(functions.count(lit(1)), functions.sum(LABEL)).first();
      Row te = test.agg(functions.count(lit(1)), functions.sum(LABEL)).first();
      long trainRows = tr.getLong(0);
      double trainPos = tr.isNullAt(1) ? 0 : tr.getDouble(1);
      long testRows = te.getLong(0);
      double testPos = te.isNullAt(1) ? 0 : te.getDouble(1);
      m.put("journey_propensity_train_rows", (double) trainRows);
      m.put("journey_propensity_train_positive_rate", trainRows == 0 ? 0 : trainPos / trainRows);
      m.put("journey_propensity_test_rows", (double) testRows);
      m.put("journey_propensity_test_positive_rate", testRows == 0 ? 0 : testPos / testRows);
      if (trainPos == 0 || trainPos == trainRows) {
        m.put("journey_propensity_trained", 0.0);
        return new Result(Optional.empty(), m);
      }
      PipelineModel model = pipeline(featureColumns, s).fit(train);
      m.put("journey_propensity_trained", 1.0);
      if (testPos > 0 && testPos < testRows) {
        double auc =
            new BinaryClassificationEvaluator()
                .setLabelCol(LABEL)
                .setMetricName("areaUnderROC")
                .evaluate(model.transform(test));
        m.put("journey_propensity_auc", auc);
      }
      return new Result(Optional.of(model), m);
    } finally {
      train.unpersist();
      test.unpersist();
    }
  }

  /** customer_id, next_stage_propensity for the feature rows (customers below advocate). */
  public static Dataset<Row> score(PipelineModel model, Dataset<Row> rows) {
    return model
        .transform(rows)
        .select(
            col("customer_id"),
            org.apache
                .spark
                .ml
                .functions
                .vector_to_array(col("probability"), "float64")
                .getItem(1)
                .as("next_stage_propensity"));
  }
}
