package com.customerpath.jobs.journey;

import com.customerpath.common.config.JourneySettings;
import com.customerpath.common.config.JourneySettings.PropensitySettings;
import com.customerpath.common.io.KeptModels;
import com.customerpath.common.io.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;

/**
 * The next-stage propensity model kept between nights, under {@code <root>/}{@value
 * #DIRECTORY}{@code /dt=<night trained>/}: the MLlib pipeline model ({@code model/}) and a small
 * properties file ({@value #TRAINED}) with the night it was trained, a fingerprint of what it
 * depends on and its training figures. Training builds customer features at every snapshot date and
 * fits a model: most of the journey step. A night therefore scores with the model trained on an
 * earlier night while it is younger than retrain-days and the fingerprint matches; a full refresh
 * retrains. The properties file is written last, so a model whose save was cut short is never read.
 */
public final class PropensityModelStore {
  public static final String DIRECTORY =
      com.customerpath.common.catalog.PipelineCatalog.TableNames.JOURNEY_PROPENSITY_MODEL;
  static final String TRAINED = "_trained.properties";
  private static final String MODEL = "model";

  /** The logistic model as numbers ({@link PropensityModel.Logistic}): read without a Spark job. */
  static final String LOGISTIC = "logistic.properties";

  private static final String METRIC = "metric.";

  private PropensityModelStore() {}

  /** A stored model, the night it was trained on and its training figures. */
  public record Stored(PropensityModel model, LocalDate trainedOn, Map<String, Double> metrics) {}

  /**
   * What the model depends on, as text that is the same in every JVM: the propensity settings
   * (except retrain-days), the stage rules and window, the observable stages and the feature
   * columns it was given.
   */
  public static String fingerprint(JourneySettings s, String observable, List<String> columns) {
    PropensitySettings p = s.propensity();
    return String.join(
        "|",
        "horizon=" + p.horizonDays(),
        "step=" + p.stepDays(),
        "snapshots=" + p.snapshots(),
        // The config spelling: fingerprints of models stored before the enum still match.
        "algorithm=" + com.customerpath.common.config.PipelineSettings.configName(p.algorithm()),
        "max-iter=" + p.maxIter(),
        "reg=" + p.regParam(),
        "tol=" + p.tol(),
        "seed=" + p.seed(),
        "max-training-customers=" + p.maxTrainingCustomers(),
        "window=" + s.windowDays(),
        "rules=" + s.rules(),
        "observable=" + observable,
        "columns=" + columns);
  }

  /**
   * The model tonight (date) may score with: the latest stored on or before tonight, trained fewer
   * than retrainDays nights ago with the same fingerprint.
   */
  public static Optional<Stored> reusable(
      Tables tables, LocalDate date, String fingerprint, int retrainDays) {
    Optional<KeptModels.Saved> saved = KeptModels.newest(tables, DIRECTORY, date, TRAINED);
    if (saved.isEmpty()) {
      return Optional.empty();
    }
    Properties trained = saved.get().properties();
    LocalDate trainedOn = LocalDate.parse(trained.getProperty("trained_on"));
    if (!KeptModels.usable(
        trainedOn, date, retrainDays, trained.getProperty("fingerprint"), fingerprint)) {
      return Optional.empty();
    }
    Map<String, Double> metrics = new TreeMap<>();
    for (String key : trained.stringPropertyNames()) {
      if (key.startsWith(METRIC)) {
        metrics.put(key.substring(METRIC.length()), Double.parseDouble(trained.getProperty(key)));
      }
    }
    Path numbers = new Path(saved.get().dir(), LOGISTIC);
    PropensityModel model =
        KeptModels.readProperties(tables, numbers)
            .<PropensityModel>map(PropensityModel.Logistic::fromProperties)
            .orElseGet(
                () ->
                    new PropensityModel.Pipeline(
                        PipelineModel.load(new Path(saved.get().dir(), MODEL).toString())));
    return Optional.of(new Stored(model, trainedOn, metrics));
  }

  /** Keeps tonight's trained model for the nights after (replacing one saved tonight before). */
  public static void save(Tables tables, LocalDate date, Stored stored, String fingerprint) {
    Path dir = new Path(tables.partitionPath(DIRECTORY, date));
    KeptModels.markUnsaved(tables, dir, TRAINED);
    try { // a model saved tonight before, in the other format, must not be read instead
      FileSystem fs = dir.getFileSystem(tables.spark().sparkContext().hadoopConfiguration());
      fs.delete(new Path(dir, LOGISTIC), false);
      fs.delete(new Path(dir, MODEL), true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot replace the propensity model under " + dir, e);
    }
    if (stored.model() instanceof PropensityModel.Logistic logistic) {
      KeptModels.writeProperties(
          tables, new Path(dir, LOGISTIC), logistic.toProperties(), "propensity model");
    } else {
      try {
        ((PropensityModel.Pipeline) stored.model())
            .model()
            .write()
            .overwrite()
            .save(new Path(dir, MODEL).toString());
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot save the propensity model under " + dir, e);
      }
    }
    Properties trained = new Properties();
    trained.setProperty("trained_on", stored.trainedOn().toString());
    trained.setProperty("fingerprint", fingerprint);
    stored.metrics().forEach((k, v) -> trained.setProperty(METRIC + k, Double.toString(v)));
    KeptModels.markSaved(tables, dir, TRAINED, trained, "journey next-stage propensity model");
  }
}
