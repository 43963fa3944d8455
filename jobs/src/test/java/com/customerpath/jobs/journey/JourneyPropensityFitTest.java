package com.customerpath.jobs.journey;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.JourneySettings.PropensitySettings;
import com.customerpath.common.io.Tables;
import com.customerpath.testing.SparkJobCounter;
import com.customerpath.testing.SparkTestSession;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * The next-stage model's logistic fit (Newton's method through MLlib's GeneralizedLinearRegression)
 * on rows whose answer is planted: it finds the same model as MLlib's LogisticRegression (L-BFGS)
 * in a fraction of the passes over the rows, each pass a Spark job.
 */
class JourneyPropensityFitTest {
  private static final List<String> FEATURES = List.of("frequency");

  private static PropensitySettings settings(double regParam) {
    return new PropensitySettings(
        30,
        30,
        4,
        FEATURES,
        PropensitySettings.Algorithm.LOGISTIC,
        50,
        regParam,
        1e-4,
        42,
        7,
        100_000);
  }

  /**
   * 4,000 rows with every model input; the label is drawn from a planted logistic model of three of
   * them (ask evidence in the last 30 days, days in stage, the customer's frequency).
   */
  private static Dataset<Row> rows(SparkSession spark) {
    Dataset<Row> rows =
        spark.range(0, 4000, 1, 2).select(col("id").cast("string").as("customer_id"));
    int seed = 1;
    for (String in : JourneyPropensity.numericInputs(FEATURES)) {
      // Correlated and skewed, as evidence counts and spend are: 90-day counts include the
      // 30-day ones (added first), frequency has a long tail.
      Column noise = functions.rand(seed++);
      Column x =
          in.startsWith("n90_")
              ? col("n30_" + in.substring(4)).plus(functions.floor(noise.multiply(2)))
              : in.startsWith("cf_")
                  ? functions.floor(functions.exp(noise.multiply(4)))
                  : functions.floor(noise.multiply(4));
      rows = rows.withColumn(in, x);
    }
    rows = rows.withColumn("persona_index", functions.floor(functions.rand(seed++).multiply(4)));
    Column logit =
        lit(-1.0)
            .plus(col("n30_ask").multiply(0.9))
            .minus(col("days_in_stage_d").multiply(0.6))
            .plus(col("cf_frequency").multiply(0.1));
    Column p = lit(1.0).divide(lit(1.0).plus(functions.exp(logit.multiply(-1))));
    return rows.withColumn(JourneyPropensity.LABEL, functions.rand(seed).lt(p).cast("double"))
        .cache();
  }

  private static double[] scores(PipelineModel model, Dataset<Row> rows) {
    return JourneyPropensity.score(model, rows).orderBy(col("customer_id")).collectAsList().stream()
        .mapToDouble(r -> r.getDouble(1))
        .toArray();
  }

  @Test
  void theNewtonFitFindsLogisticRegressionsModelInAFractionOfTheSparkJobs() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> rows = rows(spark);
    rows.count();
    try {
      // Unregularised, both fits converge to the same maximum-likelihood model.
      SparkJobCounter jobs = SparkJobCounter.start(spark);
      PipelineModel newton = JourneyPropensity.fit(rows, FEATURES, settings(0.0));
      int newtonJobs = jobs.stop();

      PipelineStage[] stages = JourneyPropensity.pipeline(FEATURES, settings(0.0)).getStages();
      stages[stages.length - 1] =
          new LogisticRegression()
              .setMaxIter(100)
              .setRegParam(0.0)
              .setTol(1e-9)
              .setLabelCol(JourneyPropensity.LABEL)
              .setFeaturesCol(JourneyPropensity.FEATURES);
      jobs = SparkJobCounter.start(spark);
      PipelineModel lbfgs = new Pipeline().setStages(stages).fit(rows);
      int lbfgsJobs = jobs.stop();
      System.out.printf(
          "propensity fit on %d rows: Newton %d Spark jobs, L-BFGS %d%n",
          rows.count(), newtonJobs, lbfgsJobs);

      double[] a = scores(newton, rows);
      double[] b = scores(lbfgs, rows); // the probability vector's path: a model kept from before
      assertEquals(4000, a.length);
      double maxDiff = 0;
      for (int i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      }
      assertTrue(maxDiff < 1e-3, "Newton and L-BFGS scores differ by up to " + maxDiff);
      assertTrue(
          newtonJobs * 3 <= lbfgsJobs,
          "Newton fit " + newtonJobs + " Spark jobs, L-BFGS " + lbfgsJobs);

      // The planted inputs carry the signal: higher ask evidence, a higher score.
      PipelineModel regularised = JourneyPropensity.fit(rows, FEATURES, settings(0.01));
      Map<Double, Double> meanByAsk = new java.util.TreeMap<>();
      for (Row r :
          JourneyPropensity.score(regularised, rows)
              .join(rows.select("customer_id", "n30_ask"), "customer_id")
              .groupBy("n30_ask")
              .agg(functions.avg("next_stage_propensity"))
              .collectAsList()) {
        meanByAsk.put(((Number) r.get(0)).doubleValue(), r.getDouble(1));
      }
      List<Double> means = new ArrayList<>(meanByAsk.values());
      for (int i = 1; i < means.size(); i++) {
        assertTrue(means.get(i) > means.get(i - 1), "mean score by n30_ask " + meanByAsk);
      }
    } finally {
      rows.unpersist();
    }
  }

  /**
   * The logistic model kept as numbers scores as the MLlib pipeline it came from, personas born
   * after training included, and a night that reuses it reads it without a Spark job.
   */
  @Test
  void theLogisticModelAsNumbersScoresAsItsPipelineAndLoadsWithoutASparkJob() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> rows = rows(spark);
    try {
      PipelineModel pipeline = JourneyPropensity.fit(rows, FEATURES, settings(0.01));
      PropensityModel model = PropensityModel.of(pipeline);
      assertTrue(model instanceof PropensityModel.Logistic, model.toString());
      // Persona 7 was never seen in training: MLlib's encoder gives it the invalid slot.
      Dataset<Row> tonight =
          rows.withColumn(
              "persona_index",
              functions
                  .when(col("customer_id").endsWith("7"), lit(7.0))
                  .otherwise(col("persona_index")));
      double[] mllib = scores(pipeline, tonight);
      double[] numbers =
          model.score(tonight).orderBy(col("customer_id")).collectAsList().stream()
              .mapToDouble(r -> r.getDouble(1))
              .toArray();
      assertEquals(mllib.length, numbers.length);
      for (int i = 0; i < mllib.length; i++) {
        assertEquals(mllib[i], numbers[i], 1e-12, "row " + i);
      }

      Tables tables = new Tables(spark, SparkTestSession.tempDir("propensity-numbers").toString());
      LocalDate night = LocalDate.parse("2026-06-01");
      PropensityModelStore.save(
          tables, night, new PropensityModelStore.Stored(model, night, Map.of()), "f");
      SparkJobCounter jobs = SparkJobCounter.start(spark);
      PropensityModelStore.Stored kept =
          PropensityModelStore.reusable(tables, night.plusDays(1), "f", 7).orElseThrow();
      assertEquals(0, jobs.stop(), "Spark jobs to load the kept model");
      double[] reloaded =
          kept.model().score(tonight).orderBy(col("customer_id")).collectAsList().stream()
              .mapToDouble(r -> r.getDouble(1))
              .toArray();
      assertEquals(Arrays.toString(numbers), Arrays.toString(reloaded));
    } finally {
      rows.unpersist();
    }
  }

  /** Rows whose inputs are all constant: the model is the base rate, a propensity for everyone. */
  @Test
  void constantInputsGiveTheBaseRate() {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> rows = spark.range(0, 40, 1, 2).select(col("id").cast("string").as("customer_id"));
    for (String in : JourneyPropensity.numericInputs(FEATURES)) {
      rows = rows.withColumn(in, lit(1.0));
    }
    rows =
        rows.withColumn("persona_index", lit(0.0))
            .withColumn(
                JourneyPropensity.LABEL,
                functions.when(col("customer_id").endsWith("0"), 1.0).otherwise(0.0));
    PropensityModel model =
        PropensityModel.of(JourneyPropensity.fit(rows, FEATURES, settings(0.01)));
    assertTrue(model instanceof PropensityModel.Logistic, model.toString());
    for (Row r : model.score(rows).collectAsList()) {
      assertEquals(0.1, r.getDouble(1), 1e-6, "4 of 40 move on");
    }
  }

  @Test
  void theAreaUnderTheRocCurveIsMllibsInOneSparkJob() throws Exception {
    SparkSession spark = SparkTestSession.get();
    // 3 positives (0.9, 0.5, 0.2), 3 negatives (0.5, 0.3, 0.1): of the 9 pairs 6 are ranked right
    // (3 + 2 + 1) and one is tied (0.5), which counts half.
    Dataset<Row> small =
        spark.createDataFrame(
            List.of(
                org.apache.spark.sql.RowFactory.create(0.9, 1.0),
                org.apache.spark.sql.RowFactory.create(0.5, 1.0),
                org.apache.spark.sql.RowFactory.create(0.2, 1.0),
                org.apache.spark.sql.RowFactory.create(0.5, 0.0),
                org.apache.spark.sql.RowFactory.create(0.3, 0.0),
                org.apache.spark.sql.RowFactory.create(0.1, 0.0)),
            new org.apache.spark.sql.types.StructType()
                .add("s", "double")
                .add(JourneyPropensity.LABEL, "double"));
    assertEquals(6.5 / 9, JourneyPropensity.areaUnderRoc(small, col("s")), 1e-12);

    // Scores with many ties and labels that follow them loosely: the same figure as MLlib's
    // evaluator, in one Spark job instead of its four.
    Dataset<Row> scored =
        spark
            .range(0, 20000, 1, 4)
            .select(functions.round(functions.rand(3), 3).as("s"), functions.rand(4).as("u"))
            .withColumn(
                JourneyPropensity.LABEL,
                col("u").lt(col("s").multiply(0.6).plus(0.2)).cast("double"))
            .cache();
    scored.count();
    try {
      SparkJobCounter jobs = SparkJobCounter.start(spark);
      double ours = JourneyPropensity.areaUnderRoc(scored, col("s"));
      int ourJobs = jobs.stop();
      jobs = SparkJobCounter.start(spark);
      double mllib =
          new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator()
              .setLabelCol(JourneyPropensity.LABEL)
              .setRawPredictionCol("s")
              .evaluate(scored);
      int mllibJobs = jobs.stop();
      System.out.printf(
          "ROC AUC %.6f in %d Spark job(s); MLlib %.6f in %d%n", ours, ourJobs, mllib, mllibJobs);
      assertEquals(mllib, ours, 1e-9);
      // A tree model's score is its probability vector's second entry.
      Dataset<Row> vectors =
          scored.withColumn(
              "probability",
              org.apache.spark.ml.functions.array_to_vector(
                  functions.array(lit(1.0).minus(col("s")), col("s"))));
      assertEquals(
          ours,
          JourneyPropensity.areaUnderRoc(vectors, JourneyPropensity.scoreOf("probability")),
          1e-12);
      assertTrue(mllib > 0.6, "the labels follow the scores: " + mllib);
      assertEquals(1, ourJobs);
      assertTrue(mllibJobs > ourJobs, "MLlib " + mllibJobs + " jobs");
    } finally {
      scored.unpersist();
    }
  }
}
