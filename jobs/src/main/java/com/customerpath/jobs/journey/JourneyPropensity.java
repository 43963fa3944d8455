package com.customerpath.jobs.journey;

import static com.customerpath.jobs.journey.JourneyStages.ADVOCATE;
import static com.customerpath.jobs.journey.JourneyStages.STAGES;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.config.JourneySettings.PropensitySettings;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorSlicer;
import org.apache.spark.ml.regression.GeneralizedLinearRegression;
import org.apache.spark.ml.regression.GeneralizedLinearRegressionModel;
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

  /** The logistic model's output column: P(label = 1). */
  static final String SCORE = "propensity";

  /** The as-of date of a row of {@link #snapshotRows}. */
  public static final String SNAPSHOT = "snapshot";

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
   * counts, customer features and persona, from the date's {@link #snapshotAggregates} (the ones
   * the stages are read from too). customerFeatures may lack customers (prospects); persona may be
   * null.
   */
  public static Dataset<Row> featureRows(
      Dataset<Row> aggregatesAtDate,
      LocalDate asOf,
      Dataset<Row> customerFeatures,
      List<String> featureColumns,
      Dataset<Row> personas) {
    return rowsOf(aggregatesAtDate, List.of(asOf), d -> customerFeatures, featureColumns, personas)
        .drop(SNAPSHOT, LABEL);
  }

  /**
   * The labelled feature rows of every as-of date (column {@code snapshot}), from one aggregation
   * over the evidence: per date and customer below advocate, the stage at the date, the evidence
   * counts per stage over the last 30 and 90 days and the label (evidence of a higher stage in
   * (date, date + horizonDays]), joined with the customer features as of the date (featuresAt; 0
   * for prospects, with a has_purchase_features flag) and the persona.
   */
  public static Dataset<Row> snapshotRows(
      Dataset<Row> evidence,
      List<LocalDate> dates,
      int windowDays,
      int horizonDays,
      Function<LocalDate, Dataset<Row>> featuresAt,
      List<String> featureColumns,
      Dataset<Row> personas) {
    return rowsOf(
        snapshotAggregates(evidence, dates, windowDays, horizonDays),
        dates,
        featuresAt,
        featureColumns,
        personas);
  }

  /**
   * Per as-of date and customer with evidence in its look-back (the longer of windowDays and 90
   * days) or label window: snapshot, customer_id, the window's {@link JourneyStages#reached}
   * aggregates (stage_rank null without evidence in the window), n30_/n90_&lt;stage&gt; (evidence
   * counts per stage over the last 30 and 90 days) and later_rank (the highest stage in (date, date
   * + horizonDays]). Tonight's stages and feature rows both read them: one aggregation of the
   * evidence, not one each.
   */
  public static Dataset<Row> snapshotAggregates(
      Dataset<Row> evidence, List<LocalDate> dates, int windowDays, int horizonDays) {
    // Every window is a range of whole days ending on the as-of date: each exploded row gets its
    // age in days once (an int), and every aggregate compares it with constants. (Comparing the
    // timestamp with day starts computed from the snapshot column made each of the 17 aggregates
    // do date arithmetic per row: 6.6 s of executor time against 4.2 s for the 10M exploded rows
    // of the first night at 1M lines.) An age of 0 is the as-of date itself, negative after it.
    Dataset<Row> evidenceRows =
        evidence.select(
            col("customer_id"), functions.to_date(col("ts")).as(DAY), col("stage_rank"));
    // One date (tonight's scoring) is a constant, and no row is paired with a table of dates.
    Dataset<Row> byDate =
        dates.size() == 1
            ? evidenceRows.withColumn(SNAPSHOT, lit(java.sql.Date.valueOf(dates.get(0))))
            : evidenceRows.withColumn(SNAPSHOT, functions.explode(dateArray(dates)));
    // Each evidence row is kept for the (few) dates whose look-back or label window holds it.
    Column age = col(AGE);
    Dataset<Row> inDateWindow =
        byDate
            .withColumn(AGE, functions.datediff(col(SNAPSHOT), col(DAY)))
            .filter(age.between(-horizonDays, lookbackDays(windowDays) - 1));
    List<Column> aggregates = new ArrayList<>(JourneyStages.reached(lastDays(windowDays), DAY));
    for (int days : new int[] {30, 90}) {
      for (int i = 0; i < STAGES.size(); i++) {
        aggregates.add(
            functions
                .count(functions.when(lastDays(days).and(col("stage_rank").equalTo(i)), 1))
                .cast("double")
                .as("n" + days + "_" + STAGES.get(i)));
      }
    }
    aggregates.add(functions.max(functions.when(age.lt(0), col("stage_rank"))).as("later_rank"));
    return inDateWindow
        .groupBy(SNAPSHOT, "customer_id")
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));
  }

  /**
   * An evidence row's day and its age in days at the as-of date, in {@link #snapshotAggregates}.
   */
  private static final String DAY = "day";

  private static final String AGE = "age_days";

  /** Whether an evidence row is in the days days ending at the as-of date (inclusive). */
  private static Column lastDays(int days) {
    return col(AGE).between(0, days - 1);
  }

  /**
   * How many days back from an as-of date its {@link #snapshotAggregates} read evidence: the stage
   * window or the longest evidence count (90 days), whichever is longer.
   */
  public static int lookbackDays(int windowDays) {
    return Math.max(windowDays, 90);
  }

  /** The feature rows of {@link #snapshotRows} from the dates' {@link #snapshotAggregates}. */
  private static Dataset<Row> rowsOf(
      Dataset<Row> aggregates,
      List<LocalDate> dates,
      Function<LocalDate, Dataset<Row>> featuresAt,
      List<String> featureColumns,
      Dataset<Row> personas) {
    Column asOf = dates.size() == 1 ? lit(java.sql.Date.valueOf(dates.get(0))) : col(SNAPSHOT);
    List<Column> stageRows = new ArrayList<>(List.of(col(SNAPSHOT), col("customer_id")));
    stageRows.addAll(JourneyStages.stageColumns(asOf));
    for (int days : new int[] {30, 90}) {
      STAGES.forEach(stage -> stageRows.add(col("n" + days + "_" + stage)));
    }
    stageRows.add(
        functions
            .coalesce(col("later_rank"), lit(-1))
            .gt(col("stage_rank"))
            .cast("double")
            .as(LABEL));
    Dataset<Row> stages =
        aggregates
            .filter(col("stage_rank").lt(ADVOCATE)) // null (no evidence in the window) drops too
            .select(stageRows.toArray(Column[]::new));

    List<Column> cf =
        new ArrayList<>(List.of(col("customer_id"), lit(1.0).as("has_purchase_features")));
    featureColumns.forEach(f -> cf.add(col(f).cast("double").as("cf_" + f)));
    Dataset<Row> features = null;
    for (LocalDate d : dates) {
      Dataset<Row> f =
          featuresAt
              .apply(d)
              .select(cf.toArray(Column[]::new))
              .withColumn(SNAPSHOT, lit(java.sql.Date.valueOf(d)));
      features = features == null ? f : features.unionByName(f);
    }
    Dataset<Row> rows =
        stages
            .join(features, new String[] {SNAPSHOT, "customer_id"}, "left")
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

  /**
   * The (few) snapshot dates as an array literal: each evidence row is paired with them in its own
   * task, as a broadcast join with a table of dates did, without the broadcast's Spark job.
   */
  private static Column dateArray(List<LocalDate> dates) {
    return functions.array(
        dates.stream().map(d -> lit(java.sql.Date.valueOf(d))).toArray(Column[]::new));
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
            // Logistic regression fitted by Newton's method (iteratively reweighted least
            // squares): one pass over the rows per step, each a Spark job; 12 on the sample where
            // MLlib's LogisticRegression (L-BFGS) took 32.
            : new GeneralizedLinearRegression()
                .setFamily("binomial")
                .setLink("logit")
                .setMaxIter(s.maxIter())
                .setRegParam(s.regParam())
                .setTol(s.tol())
                .setLabelCol(LABEL)
                .setFeaturesCol(FEATURES)
                .setPredictionCol(SCORE);
    return new Pipeline().setStages(new PipelineStage[] {persona, assembler, scaler, model});
  }

  /** The logistic model's input: the scaled features that vary in the training rows. */
  static final String MODEL_FEATURES = "model_features";

  /**
   * Fits {@link #pipeline} on the training rows. The logistic model is fitted on the scaled
   * features that vary: an input that is constant in training (a stage no training row is in, the
   * slot of personas born later) scales to zeros, which Newton's method cannot solve for (a
   * singular matrix: MLlib then falls back to a slower solver with a warning per step). It gets no
   * weight either way; a VectorSlicer before the regression leaves it out.
   */
  public static PipelineModel fit(
      Dataset<Row> train, List<String> featureColumns, PropensitySettings s) {
    Pipeline pipeline = pipeline(featureColumns, s);
    if (s.algorithm() == PropensitySettings.Algorithm.GBT) {
      return pipeline.fit(train);
    }
    PipelineStage[] stages = pipeline.getStages();
    PipelineModel prepared =
        new Pipeline().setStages(Arrays.copyOf(stages, stages.length - 1)).fit(train);
    StandardScalerModel scaler =
        (StandardScalerModel) prepared.stages()[prepared.stages().length - 1];
    double[] std = scaler.std().toArray();
    int[] varying = IntStream.range(0, std.length).filter(i -> std[i] != 0).toArray();
    if (varying.length == 0) {
      return pipeline.fit(train); // nothing varies: an intercept only
    }
    VectorSlicer slicer =
        new VectorSlicer().setInputCol(FEATURES).setOutputCol(MODEL_FEATURES).setIndices(varying);
    GeneralizedLinearRegression regression =
        ((GeneralizedLinearRegression) stages[stages.length - 1]).setFeaturesCol(MODEL_FEATURES);
    GeneralizedLinearRegressionModel fitted =
        regression.fit(slicer.transform(prepared.transform(train)));
    List<PipelineStage> all = new ArrayList<>(Arrays.asList(prepared.stages()));
    all.add(slicer);
    all.add(fitted);
    // Only transformers: fitting the pipeline assembles them without a pass over the rows.
    return new Pipeline().setStages(all.toArray(PipelineStage[]::new)).fit(train);
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
    // A prospect then was a prospect, whatever persona he has now.
    Dataset<Row> rows =
        snapshotRows(
                evidence, dates, windowDays, s.horizonDays(), featuresAt, featureColumns, personas)
            .withColumn(
                "persona_index",
                functions
                    .when(col("has_purchase_features").equalTo(1.0), col("persona_index"))
                    .otherwise(lit(0.0)));
    Map<String, Double> m = new LinkedHashMap<>();
    // Materialise the (small) snapshot rows and cut their long lineage: the model iterates over
    // them.
    List<String> keep = new ArrayList<>(numericInputs(featureColumns));
    keep.addAll(List.of("customer_id", "persona_index", LABEL, SNAPSHOT));
    Dataset<Row> all =
        rows.select(keep.stream().map(functions::col).toArray(Column[]::new)).localCheckpoint();
    Column latest = col(SNAPSHOT).equalTo(lit(java.sql.Date.valueOf(dates.get(0))));
    Dataset<Row> train = all.filter(functions.not(latest));
    Dataset<Row> test = all.filter(latest);
    try {
      Row counts =
          all.agg(
                  functions.count(functions.when(functions.not(latest), 1)),
                  functions.sum(functions.when(functions.not(latest), col(LABEL))),
                  functions.count(functions.when(latest, 1)),
                  functions.sum(functions.when(latest, col(LABEL))))
              .first();
      long trainRows = counts.getLong(0);
      double trainPos = counts.isNullAt(1) ? 0 : counts.getDouble(1);
      long testRows = counts.getLong(2);
      double testPos = counts.isNullAt(3) ? 0 : counts.getDouble(3);
      m.put("journey_propensity_train_rows", (double) trainRows);
      m.put("journey_propensity_train_positive_rate", trainRows == 0 ? 0 : trainPos / trainRows);
      m.put("journey_propensity_test_rows", (double) testRows);
      m.put("journey_propensity_test_positive_rate", testRows == 0 ? 0 : testPos / testRows);
      if (trainPos == 0 || trainPos == trainRows) {
        m.put("journey_propensity_trained", 0.0);
        return new Result(Optional.empty(), m);
      }
      PipelineModel model = fit(train, featureColumns, s);
      m.put("journey_propensity_trained", 1.0);
      if (testPos > 0 && testPos < testRows) {
        m.put("journey_propensity_auc", areaUnderRoc(model.transform(test), scoreOf(model)));
      }
      return new Result(Optional.of(model), m);
    } finally {
      all.unpersist();
    }
  }

  /**
   * Whether a row's customer is in the training sample of the given share (0..1]: a hash of the
   * customer id, so the sample is the same every night and a customer's rows are all in or all out.
   */
  public static Column inSample(double share) {
    long buckets = 1_000_000L;
    return functions
        .pmod(functions.xxhash64(col("customer_id")), lit(buckets))
        .lt(lit(Math.round(share * buckets)));
  }

  /** customer_id, next_stage_propensity for the feature rows (customers below advocate). */
  public static Dataset<Row> score(PipelineModel model, Dataset<Row> rows) {
    return model
        .transform(rows)
        .select(col("customer_id"), scoreOf(model).as("next_stage_propensity"));
  }

  /** A model's score of the label as a number in [0, 1] (a probability vector's second entry). */
  static Column scoreOf(PipelineModel model) {
    return scoreOf(scoreColumn(model));
  }

  /** As above, for the model's score column: a number, or a vector of class probabilities. */
  static Column scoreOf(String c) {
    return c.equals(SCORE)
        ? col(c)
        : org.apache.spark.ml.functions.vector_to_array(col(c), "float64").getItem(1);
  }

  /** Score bins of {@link #areaUnderRoc}: at most this many rows reach the driver. */
  static final int AUC_BINS = 100_000;

  /**
   * ROC AUC of score (in [0, 1]) against the 0/1 {@link #LABEL}, in one Spark job: positives and
   * negatives are counted per score bin of width 1 / {@link #AUC_BINS} and summed on the driver in
   * score order, a pair in the same bin counting as a tie (half). MLlib's evaluator sorts every row
   * and counts them in four jobs; this differs from it only by pairs whose scores are closer than a
   * bin.
   */
  static double areaUnderRoc(Dataset<Row> scored, Column score) {
    Column positive = col(LABEL).gt(0.5);
    List<Row> bins =
        scored
            .groupBy(
                functions
                    .floor(
                        functions
                            .least(functions.greatest(score, lit(0.0)), lit(1.0))
                            .multiply(AUC_BINS))
                    .as("bin"))
            .agg(
                functions.sum(functions.when(positive, 1L).otherwise(0L)).as("pos"),
                functions.sum(functions.when(positive, 0L).otherwise(1L)).as("neg"))
            .collectAsList();
    List<Row> ordered = new ArrayList<>(bins);
    ordered.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    double negativesBelow = 0;
    double area = 0;
    double positives = 0;
    for (Row r : ordered) {
      long pos = r.getLong(1);
      long neg = r.getLong(2);
      area += pos * (negativesBelow + 0.5 * neg);
      negativesBelow += neg;
      positives += pos;
    }
    return positives == 0 || negativesBelow == 0 ? Double.NaN : area / (positives * negativesBelow);
  }

  /**
   * The model's output holding P(label = 1): the logistic model's prediction (a probability), or a
   * classifier's probability vector (GBT, and logistic models kept from before the Newton fit).
   */
  static String scoreColumn(PipelineModel model) {
    return model.stages()[model.stages().length - 1] instanceof GeneralizedLinearRegressionModel
        ? SCORE
        : "probability";
  }
}
