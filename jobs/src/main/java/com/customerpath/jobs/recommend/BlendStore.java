package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.RecommendationSettings.BlendSettings;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The learned blend kept between nights (table {@value #TABLE}, one row per segment and source:
 * segment "all" holds the weights of every customer, the others those of the buyer segments that
 * learned their own): learning it fits every candidate source a second time on the validation
 * split, so a night uses the blend learned on an earlier night while it is younger than
 * relearn-days and was learned with the same recommender settings (a fingerprint of them is stored
 * beside the weights).
 */
public final class BlendStore {
  public static final String TABLE =
      com.customerpath.common.catalog.PipelineCatalog.TableNames.RECOMMENDATION_BLEND;
  static final StructType SCHEMA =
      StructType.fromDDL(
          "segment string, source string, weight double, validation_ndcg_at_10 double, validation_customers long,"
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
        "by-segment=" + b.bySegment(),
        "heavy-min-orders=" + b.heavyMinOrders(),
        "weights=" + new TreeMap<>(b.weights()),
        "candidates=" + p.candidates(),
        "repeat=" + p.repeat().name(),
        "repeatable=" + p.repeatableCategories(),
        "due=" + p.dueThreshold(),
        "context-boost=" + p.contextBoost(),
        "preference=" + p.preference(),
        "sources=" + p.sources(),
        "als=" + p.als().fitSettings(),
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
    Dataset<Row> stored = tables.read(TABLE, night.get());
    if (!List.of(stored.columns()).contains("segment")) {
      return Optional.empty(); // kept before blends by segment: learned again
    }
    List<Row> rows = stored.collectAsList(); // one row per segment and source
    Map<String, Map<String, Double>> bySegment = new TreeMap<>();
    rows.forEach(
        r ->
            bySegment
                .computeIfAbsent(r.getAs("segment"), k -> new TreeMap<>())
                .put(r.getAs("source"), r.<Double>getAs("weight")));
    java.util.Set<String> sources = new java.util.TreeSet<>(BlendSettings.SOURCES);
    if (!bySegment.containsKey(ALL)
        || bySegment.values().stream().anyMatch(w -> !w.keySet().equals(sources))) {
      return Optional.empty();
    }
    Row first = rows.get(0);
    LocalDate learnedOn = first.<java.sql.Date>getAs("learned_on").toLocalDate();
    if (!com.customerpath.common.io.KeptModels.usable(
        learnedOn,
        date,
        p.blend().relearnDays(),
        first.getAs("settings_fingerprint"),
        fingerprint(p))) {
      return Optional.empty();
    }
    Map<String, double[]> own = new java.util.LinkedHashMap<>();
    for (String segment : Blend.SEGMENTS) {
      if (bySegment.containsKey(segment)) {
        own.put(segment, inSourceOrder(bySegment.get(segment)));
      }
    }
    return Optional.of(
        new Stored(
            new Blend.Fit(
                inSourceOrder(bySegment.get(ALL)),
                first.<Double>getAs("validation_ndcg_at_10"),
                first.<Long>getAs("validation_customers"),
                true,
                own,
                p.blend().heavyMinOrders()),
            learnedOn));
  }

  private static final String ALL = "all";

  private static double[] inSourceOrder(Map<String, Double> bySource) {
    double[] w = new double[BlendSettings.SOURCES.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = bySource.get(BlendSettings.SOURCES.get(i));
    }
    return w;
  }

  /** A blend and the night it was learned on. */
  public record Stored(Blend.Fit fit, LocalDate learnedOn) {}

  /** Keeps a learned blend for the nights after; a blend not learned is not kept. */
  public static void save(Tables tables, LocalDate date, Stored stored, Recommender.Params p) {
    if (!stored.fit().learned()) {
      return;
    }
    List<Row> rows = new ArrayList<>();
    Map<String, double[]> bySegment = new java.util.LinkedHashMap<>();
    bySegment.put(ALL, stored.fit().weights());
    bySegment.putAll(stored.fit().bySegment());
    bySegment.forEach(
        (segment, w) -> {
          for (int i = 0; i < w.length; i++) {
            rows.add(
                RowFactory.create(
                    segment,
                    BlendSettings.SOURCES.get(i),
                    w[i],
                    stored.fit().validationNdcg(),
                    stored.fit().customers(),
                    java.sql.Date.valueOf(stored.learnedOn()),
                    fingerprint(p)));
          }
        });
    tables.write(
        TABLE,
        date,
        tables
            .spark()
            .createDataFrame(rows, SCHEMA)
            .coalesce(1)
            .orderBy(col("segment"), col("source")));
  }
}
