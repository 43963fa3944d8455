package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.PipelineSettings.BlendSettings;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The learned blend kept between nights (table {@value #TABLE}, one row per source): learning it
 * fits every candidate source a second time on the validation split, so a night uses the blend
 * learned on an earlier night while it is younger than relearn-days and was learned with the same
 * recommender settings (a fingerprint of them is stored beside the weights).
 */
public final class BlendStore {
  public static final String TABLE =
      com.customerpath.common.catalog.PipelineCatalog.TableNames.RECOMMENDATION_BLEND;
  static final StructType SCHEMA =
      StructType.fromDDL(
          "source string, weight double, validation_ndcg_at_10 double, validation_customers long,"
              + " learned_on date, settings_fingerprint string");

  private BlendStore() {}

  /**
   * What the blend depends on, as text that is the same in every JVM (maps sorted, enums by name).
   */
  public static String fingerprint(Recommender.Params p) {
    BlendSettings b = p.blend();
    return String.join(
        "|",
        "learn=" + b.learn(),
        "validation-days=" + b.validationDays(),
        "min=" + b.minValidationCustomers(),
        "max=" + b.maxValidationCustomers(),
        "rounds=" + b.rounds(),
        "min-gain=" + b.minGain(),
        "weights=" + new TreeMap<>(b.weights()),
        "candidates=" + p.candidates(),
        "repeat=" + p.repeat().name(),
        "repeatable=" + p.repeatableCategories(),
        "due=" + p.dueThreshold(),
        "context-boost=" + p.contextBoost(),
        "preference=" + p.preference(),
        "sources=" + p.sources(),
        "als=" + p.als(),
        "use-als=" + p.useAls(),
        "use-personas=" + p.usePersonas());
  }

  /**
   * A learned blend that tonight (date) may use: the latest stored, young enough, same settings.
   */
  public static Optional<Stored> reusable(Tables tables, LocalDate date, Recommender.Params p) {
    Optional<LocalDate> night = tables.latestOnOrBefore(TABLE, date);
    if (night.isEmpty()) {
      return Optional.empty();
    }
    List<Row> rows = tables.read(TABLE, night.get()).collectAsList(); // one row per source
    Map<String, Row> bySource = new TreeMap<>();
    rows.forEach(r -> bySource.put(r.getAs("source"), r));
    if (!bySource.keySet().equals(new java.util.TreeSet<>(BlendSettings.SOURCES))) {
      return Optional.empty();
    }
    Row first = rows.get(0);
    LocalDate learnedOn = first.<java.sql.Date>getAs("learned_on").toLocalDate();
    long age = ChronoUnit.DAYS.between(learnedOn, date);
    if (age < 0
        || age >= p.blend().relearnDays()
        || !fingerprint(p).equals(first.getAs("settings_fingerprint"))) {
      return Optional.empty();
    }
    double[] w = new double[BlendSettings.SOURCES.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = bySource.get(BlendSettings.SOURCES.get(i)).<Double>getAs("weight");
    }
    return Optional.of(
        new Stored(
            new Blend.Fit(
                w,
                first.<Double>getAs("validation_ndcg_at_10"),
                first.<Long>getAs("validation_customers"),
                true),
            learnedOn));
  }

  /** A blend and the night it was learned on. */
  public record Stored(Blend.Fit fit, LocalDate learnedOn) {}

  /** Keeps a learned blend for the nights after; a blend not learned is not kept. */
  public static void save(Tables tables, LocalDate date, Stored stored, Recommender.Params p) {
    if (!stored.fit().learned()) {
      return;
    }
    List<Row> rows = new ArrayList<>();
    double[] w = stored.fit().weights();
    for (int i = 0; i < w.length; i++) {
      rows.add(
          RowFactory.create(
              BlendSettings.SOURCES.get(i),
              w[i],
              stored.fit().validationNdcg(),
              stored.fit().customers(),
              java.sql.Date.valueOf(stored.learnedOn()),
              fingerprint(p)));
    }
    tables.write(
        TABLE,
        date,
        tables.spark().createDataFrame(rows, SCHEMA).coalesce(1).orderBy(col("source")));
  }
}
