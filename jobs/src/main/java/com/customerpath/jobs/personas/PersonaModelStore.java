package com.customerpath.jobs.personas;

import com.customerpath.common.config.PersonaSettings;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.io.KeptModels;
import com.customerpath.common.io.Tables;
import com.customerpath.common.personas.PersonaModelFile;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The fitted persona model kept between nights, in one properties file {@code <root>/}{@value
 * #DIRECTORY}{@code /dt=<night fitted>/}{@value #FILE}: the scaler's figures (medians, quantiles,
 * means, standard deviations, weights), the self-organizing map's codebook (or the k-means centers)
 * and the cluster of each unit, with the night it was fitted and a fingerprint of what it depends
 * on. Fitting the map and choosing k is most of the personas step; a night therefore assigns its
 * customers to the model fitted on an earlier night while it is younger than retrain-days and the
 * fingerprint matches, and a full refresh refits. Restoring builds the model from these numbers: no
 * Spark job, and the same assignments as the model fitted (doubles are written as Java prints them,
 * which reads back exactly). The file is written under a temporary name and renamed, so a save cut
 * short is never read.
 */
public final class PersonaModelStore {
  public static final String DIRECTORY = PersonaModelFile.DIRECTORY;
  static final String FILE = PersonaModelFile.FILE;

  private PersonaModelStore() {}

  /** A stored model and the night it was fitted. */
  public record Stored(PersonaScaler scaler, PersonaClustering.Fitted fitted, LocalDate fittedOn) {}

  /**
   * What the model depends on, as text that is the same in every JVM: the persona settings that
   * shape the fit (not naming, id matching or retrain-days) and the feature columns resolved from
   * tonight's customer_features (a new category share column refits).
   */
  public static String fingerprint(PersonaSettings s, List<PersonaScaler.Feature> features) {
    return String.join(
        "|",
        "algorithm=" + PipelineSettings.configName(s.algorithm()),
        "features=" + s.features(),
        "k=" + s.kMin() + "-" + s.kMax(),
        "k-selection=" + PipelineSettings.configName(s.kSelection()),
        "max-iter=" + s.maxIter(),
        "seed=" + s.seed(),
        "som=" + s.som(),
        "min-share=" + s.minShare(),
        "groups=" + s.groups(),
        "transforms=" + new TreeMap<>(s.transforms()),
        "stability-resamples=" + s.stabilityResamples(),
        "columns=" + features);
  }

  /**
   * The model tonight (date) may assign with: the latest stored on or before tonight, fitted fewer
   * than retrainDays nights ago with the same fingerprint.
   */
  public static Optional<Stored> reusable(
      Tables tables, LocalDate date, String fingerprint, int retrainDays) {
    Optional<PersonaModelFile.Read> read = PersonaModelFile.latest(tables, date);
    if (read.isEmpty()) {
      return Optional.empty();
    }
    Properties p = read.get().properties();
    LocalDate fittedOn = LocalDate.parse(p.getProperty("fitted_on"));
    if (!KeptModels.usable(
        fittedOn, date, retrainDays, p.getProperty("fingerprint"), fingerprint)) {
      return Optional.empty();
    }
    return Optional.of(
        new Stored(
            PersonaScaler.restore(p, "scaler."),
            PersonaClustering.restore(p, "clustering."),
            fittedOn));
  }

  /** Keeps tonight's fitted model for the nights after (replacing one saved tonight before). */
  public static void save(Tables tables, LocalDate date, Stored stored, String fingerprint) {
    Properties p = new Properties();
    p.setProperty("fitted_on", stored.fittedOn().toString());
    p.setProperty("fingerprint", fingerprint);
    stored.scaler().store(p, "scaler.");
    stored.fitted().store(p, "clustering.");
    PersonaModelFile.write(tables, date, p);
  }
}
