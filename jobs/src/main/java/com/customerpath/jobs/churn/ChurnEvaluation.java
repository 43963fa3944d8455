package com.customerpath.jobs.churn;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.churn.ChurnRiskModel;
import com.customerpath.common.churn.ChurnRiskModel.IdleRule;
import com.customerpath.common.churn.PurchaseFit;
import com.customerpath.common.churn.PurchaseModel;
import com.customerpath.common.churn.RfmSummary;
import com.customerpath.common.config.ChurnSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.NightlyPipeline;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Holdout validation of churn risk: calibrate on the purchases up to the cut-off day (inclusive,
 * within the look-back window), predict the next holdout-days, compare with what happened:
 *
 * <ul>
 *   <li>expected vs actual repeat purchase days per calibration frequency group (the
 *       calibration/holdout chart of Fader, Hardie and Lee 2005) and in total;
 *   <li>ROC AUC of P(buys in the window), expected purchases and P(alive) for "bought again in the
 *       window", and a calibration table of P(buys) in bands against the share who bought;
 *   <li>the same AUC for two simple rankings: recency (fewer days since the last purchase first)
 *       and frequency (more repeat purchases first).
 * </ul>
 *
 * For BG/NBD, MBG/NBD and the configured model with its idle rule. Writes churn_evaluation
 * (section, model, grp, metric, value) for the run date and prints the figures.
 *
 * <pre>bin/evaluate-churn --date 1998-06-30 --conf conf/examples/cdnow.conf
 *     --set customerpath.churn.evaluation.cutoff-date=1997-09-30</pre>
 */
public final class ChurnEvaluation implements NightlyStep {
  public static final String TABLE = "churn_evaluation";
  public static final StructType SCHEMA =
      StructType.fromDDL("section string, model string, grp string, metric string, value double");

  /** Frequency groups 0..6 and 7+, as in FHL 2005's conditional expectations chart. */
  static final int TOP_GROUP = 7;

  /** One evaluated variant: a purchase model and an idle rule. */
  public record Variant(String name, PurchaseModel model, IdleRule idle) {}

  /** Every figure, as rows of {@link #SCHEMA}, plus the headline numbers. */
  public record Result(
      LocalDate cutoff, int holdoutDays, long customers, double boughtShare, List<Row> rows) {
    public double value(String section, String model, String group, String metric) {
      for (Row r : rows) {
        if (r.getString(0).equals(section)
            && r.getString(1).equals(model)
            && r.getString(2).equals(group)
            && r.getString(3).equals(metric)) {
          return r.getDouble(4);
        }
      }
      throw new IllegalArgumentException(
          "No figure " + section + "/" + model + "/" + group + "/" + metric);
    }
  }

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new ChurnEvaluation()));
  }

  @Override
  public String name() {
    return "churn_evaluation";
  }

  /**
   * BG/NBD, MBG/NBD and Pareto/NBD as fitted, and the configured model with the configured idle
   * rule.
   */
  public static List<Variant> variants(ChurnSettings s) {
    List<Variant> v = new ArrayList<>();
    v.add(new Variant(PurchaseModel.BG_NBD.configName(), PurchaseModel.BG_NBD, IdleRule.OFF));
    v.add(new Variant(PurchaseModel.MBG_NBD.configName(), PurchaseModel.MBG_NBD, IdleRule.OFF));
    v.add(
        new Variant(PurchaseModel.PARETO_NBD.configName(), PurchaseModel.PARETO_NBD, IdleRule.OFF));
    if (s.idle().multiple() > 0) {
      v.add(new Variant(s.model().configName() + "+idle", s.model(), s.idle()));
    }
    return v;
  }

  /**
   * @param transactions curated transactions (customer_id, ts, quantity, unit_price), any period
   * @param lookbackDays calibration window length ending on the cut-off
   */
  public static Result evaluate(
      Dataset<Row> transactions,
      LocalDate cutoff,
      int holdoutDays,
      int lookbackDays,
      ChurnSettings s,
      List<Variant> variants) {
    Dataset<Row> purchases = ChurnJob.purchases(transactions);
    Dataset<Row> summary =
        new RfmSummary(cutoff, s.unitDays())
            .transform(ChurnJob.window(purchases, cutoff, lookbackDays));
    Column day = to_date(col("ts"));
    Dataset<Row> holdout =
        purchases
            .where(
                day.gt(lit(java.sql.Date.valueOf(cutoff)))
                    .and(day.leq(lit(java.sql.Date.valueOf(cutoff.plusDays(holdoutDays))))))
            .groupBy("customer_id")
            .agg(countDistinct(day).as("holdout_purchases"));
    Dataset<Row> base =
        summary
            .join(holdout, new String[] {"customer_id"}, "left")
            .withColumn(
                "holdout_purchases", coalesce(col("holdout_purchases"), lit(0L)).cast("double"))
            .withColumn("label", when(col("holdout_purchases").gt(0), 1.0).otherwise(0.0))
            .withColumn("idle_days", col("age").minus(col("recency")).multiply(s.unitDays()))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Row totals = base.agg(count(lit(1)), avg("label")).first();
    long customers = totals.getLong(0);
    double boughtShare = totals.isNullAt(1) ? Double.NaN : totals.getDouble(1);
    List<Row> rows = new ArrayList<>();
    double horizon = holdoutDays / s.unitDays();

    // Baselines: rankings that need no model.
    rows.add(
        figure("auc", "recency", "all", "roc_auc", auc(base, col("idle_days").multiply(-1.0))));
    rows.add(figure("auc", "frequency", "all", "roc_auc", auc(base, col("frequency"))));

    for (Variant v : variants) {
      PurchaseFit fit = v.model().fit(base, s.fit());
      Dataset<Row> scored =
          ChurnRiskModel.scorePurchases(base, fit, horizon, v.idle())
              .persist(StorageLevel.MEMORY_AND_DISK());
      rows.add(figure("fit", v.name(), "all", "log_likelihood", fit.params().logLikelihood()));
      rows.add(
          figure("auc", v.name(), "all", "roc_auc", auc(scored, col(ChurnRiskModel.P_PURCHASE))));
      rows.add(
          figure(
              "auc", v.name(), "all", "roc_auc_p_alive", auc(scored, col(ChurnRiskModel.P_ALIVE))));
      rows.add(
          figure(
              "auc",
              v.name(),
              "all",
              "roc_auc_expected_purchases",
              auc(scored, col(ChurnRiskModel.EXPECTED_PURCHASES))));
      // Calibration/holdout chart: per calibration frequency group, mean expected vs actual.
      Column group = least(col("frequency"), lit((double) TOP_GROUP)).cast("int");
      for (Row r :
          scored
              .groupBy(group.as("grp"))
              .agg(count(lit(1)), avg(ChurnRiskModel.EXPECTED_PURCHASES), avg("holdout_purchases"))
              .orderBy("grp")
              .collectAsList()) {
        String g = r.getInt(0) == TOP_GROUP ? TOP_GROUP + "+" : String.valueOf(r.getInt(0));
        rows.add(figure("frequency_group", v.name(), g, "customers", r.getLong(1)));
        rows.add(figure("frequency_group", v.name(), g, "expected_mean", r.getDouble(2)));
        rows.add(figure("frequency_group", v.name(), g, "actual_mean", r.getDouble(3)));
      }
      Row t =
          scored
              .agg(
                  sum(ChurnRiskModel.EXPECTED_PURCHASES),
                  sum("holdout_purchases"),
                  count(when(col("idle_days").gt(365), 1)),
                  count(when(col("idle_days").gt(365).and(col(ChurnRiskModel.P_ALIVE).gt(0.9)), 1)))
              .first();
      rows.add(figure("total", v.name(), "all", "expected_purchases", t.getDouble(0)));
      rows.add(figure("total", v.name(), "all", "actual_purchases", t.getDouble(1)));
      rows.add(figure("idle", v.name(), "all", "idle_over_365_days", t.getLong(2)));
      rows.add(
          figure(
              "idle",
              v.name(),
              "all",
              "idle_over_365_days_p_alive_above_0_9_share",
              t.getLong(2) == 0 ? Double.NaN : (double) t.getLong(3) / t.getLong(2)));
      // Calibration table: P(buys in the window) in tenths against the share who bought.
      Column band = least(floor(col(ChurnRiskModel.P_PURCHASE).multiply(10)), lit(9)).cast("int");
      for (Row r :
          scored
              .groupBy(band.as("band"))
              .agg(count(lit(1)), avg(ChurnRiskModel.P_PURCHASE), avg("label"))
              .orderBy("band")
              .collectAsList()) {
        String g = String.format("%.1f-%.1f", r.getInt(0) / 10.0, (r.getInt(0) + 1) / 10.0);
        rows.add(figure("calibration", v.name(), g, "customers", r.getLong(1)));
        rows.add(figure("calibration", v.name(), g, "predicted", r.getDouble(2)));
        rows.add(figure("calibration", v.name(), g, "observed", r.getDouble(3)));
      }
      scored.unpersist();
    }
    base.unpersist();
    return new Result(cutoff, holdoutDays, customers, boughtShare, rows);
  }

  /** ROC AUC of {@code score} for label = bought in the window; ties count half (no binning). */
  static double auc(Dataset<Row> data, Column score) {
    return new BinaryClassificationEvaluator()
        .setMetricName("areaUnderROC")
        .setNumBins(0)
        .setLabelCol("label")
        .setRawPredictionCol("score_")
        .evaluate(data.select(col("label"), score.cast("double").as("score_")));
  }

  static Row figure(String section, String model, String group, String metric, double value) {
    return RowFactory.create(section, model, group, metric, value);
  }

  @Override
  public StepResult run(JobContext ctx) {
    ChurnSettings s = ctx.settings().churn();
    if (!CuratedTables.exists(ctx.tables(), "transactions", ctx.date())) {
      JobRunner.runStep(ctx, NightlyPipeline.step("ingest"));
    }
    LocalDate cutoff = s.cutoff(ctx.date());
    int holdoutDays =
        (int)
            Math.min(
                s.holdoutDays(), java.time.temporal.ChronoUnit.DAYS.between(cutoff, ctx.date()));
    if (holdoutDays < 1) {
      throw new IllegalArgumentException(
          "Wrong value for config key 'customerpath.churn.evaluation.cutoff-date': "
              + cutoff
              + " leaves no holdout day before the run date "
              + ctx.date());
    }
    Result r =
        evaluate(
            CuratedTables.read(ctx.tables(), "transactions", ctx.date()),
            cutoff,
            holdoutDays,
            ctx.settings().run().lookbackDays(),
            s,
            variants(s));
    StepResult result = new StepResult(name());
    result.written(
        TABLE,
        ctx.tables().write(TABLE, ctx.date(), ctx.spark().createDataFrame(r.rows(), SCHEMA)));
    System.out.print(format(r, variants(s)));
    String chosen = variants(s).get(variants(s).size() - 1).name();
    result.metric(
        "churn_evaluation_auc_model_p_purchase", r.value("auc", chosen, "all", "roc_auc"));
    result.metric(
        "churn_evaluation_auc_model_expected_purchases",
        r.value("auc", chosen, "all", "roc_auc_expected_purchases"));
    result.metric("churn_evaluation_auc_recency", r.value("auc", "recency", "all", "roc_auc"));
    result.metric("churn_evaluation_auc_frequency", r.value("auc", "frequency", "all", "roc_auc"));
    return result;
  }

  /** The figures side by side, for a person. */
  public static String format(Result r, List<Variant> variants) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "%nChurn holdout evaluation: calibration up to %s, holdout %d days; %d customers, "
                + "%.1f%% bought again in the holdout%n",
            r.cutoff(), r.holdoutDays(), r.customers(), 100 * r.boughtShare()));
    b.append(
        String.format(
            "%nROC AUC for 'buys again in the holdout' (0.5 = coin toss, 1 = perfect):%n"));
    b.append(
        String.format("  %-16s %.3f%n", "recency", r.value("auc", "recency", "all", "roc_auc")));
    b.append(
        String.format(
            "  %-16s %.3f%n", "frequency", r.value("auc", "frequency", "all", "roc_auc")));
    for (Variant v : variants) {
      b.append(
          String.format(
              "  %-16s P(buys) %.3f  expected purchases %.3f  P(alive) %.3f%n",
              v.name(),
              r.value("auc", v.name(), "all", "roc_auc"),
              r.value("auc", v.name(), "all", "roc_auc_expected_purchases"),
              r.value("auc", v.name(), "all", "roc_auc_p_alive")));
    }
    b.append(String.format("%nRepeat purchase days in the holdout, expected vs actual:%n"));
    for (Variant v : variants) {
      double e = r.value("total", v.name(), "all", "expected_purchases");
      double a = r.value("total", v.name(), "all", "actual_purchases");
      b.append(
          String.format(
              "  %-16s expected %10.1f  actual %8.0f  (%+.1f%%)  idle>365d with P(alive)>0.9: %.1f%%%n",
              v.name(),
              e,
              a,
              100 * (e - a) / a,
              100
                  * r.value(
                      "idle", v.name(), "all", "idle_over_365_days_p_alive_above_0_9_share")));
    }
    for (Variant v : variants) {
      b.append(
          String.format(
              "%n%s per calibration frequency group: group, customers, expected mean, actual mean%n",
              v.name()));
      Map<String, double[]> groups = new LinkedHashMap<>();
      for (Row row : r.rows()) {
        if (row.getString(0).equals("frequency_group") && row.getString(1).equals(v.name())) {
          double[] g = groups.computeIfAbsent(row.getString(2), k -> new double[3]);
          g[List.of("customers", "expected_mean", "actual_mean").indexOf(row.getString(3))] =
              row.getDouble(4);
        }
      }
      groups.forEach(
          (g, f) -> b.append(String.format("  %-4s %8.0f %8.3f %8.3f%n", g, f[0], f[1], f[2])));
      b.append(
          String.format(
              "%s calibration: P(buys) band, customers, mean predicted, share bought%n", v.name()));
      Map<String, double[]> bands = new LinkedHashMap<>();
      for (Row row : r.rows()) {
        if (row.getString(0).equals("calibration") && row.getString(1).equals(v.name())) {
          double[] g = bands.computeIfAbsent(row.getString(2), k -> new double[3]);
          g[List.of("customers", "predicted", "observed").indexOf(row.getString(3))] =
              row.getDouble(4);
        }
      }
      bands.forEach(
          (g, f) -> b.append(String.format("  %-8s %8.0f %8.3f %8.3f%n", g, f[0], f[1], f[2])));
    }
    return b.toString();
  }
}
