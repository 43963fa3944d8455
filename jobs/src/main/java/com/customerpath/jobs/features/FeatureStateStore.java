package com.customerpath.jobs.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.FeatureSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.features.CustomerFeatures.View;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.KeptModels;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The features step's per-customer aggregates of a night ({@link
 * CustomerFeatures.FeatureWindow#rows()}: per view and customer, before the customers table is
 * joined), kept for the next night under {@code <root>/}{@value #DIRECTORY}{@code /dt=<night>/}
 * with a properties file ({@value #STATE}) written last: the night, a fingerprint of what the rows
 * depend on besides the lines (the aggregation's version and columns, the session time zone,
 * feature settings, look-back, views, each view's category columns, the products' categories, the
 * transaction-level external data) and a signature of every day's curated transaction files up to
 * that night ({@link CuratedTables#eventDateSignatures}).
 *
 * <p>A night carries the kept rows over, aggregating again only the customers with a line on a day
 * after the kept night or on a day that has left the window since ({@link
 * CustomerFeatures.FeatureWindow#rowsUpdating}), when the fingerprint is tonight's and no day up to
 * the kept night has other lines than it had then (late or corrected data, a re-run of an earlier
 * night); otherwise, and on a full refresh, it aggregates every customer and says why.
 */
public final class FeatureStateStore {
  public static final String DIRECTORY = TableNames.CUSTOMER_FEATURES_STATE;
  static final String STATE = "_state.properties";

  /** Raise when the per-customer aggregation changes what a column means. */
  static final int VERSION = 1;

  private FeatureStateStore() {}

  /**
   * What tonight's rows depend on: the fingerprint of everything but the lines, and the signature
   * of every day's curated lines.
   */
  public record Summary(Map<String, String> fingerprint, Map<String, String> daySignatures) {}

  /** Kept rows tonight may carry over, or why it may not. */
  public record Decision(Optional<LocalDate> keptNight, Dataset<Row> keptRows, String reason) {
    public boolean carriesOver() {
      return keptNight.isPresent();
    }
  }

  /**
   * Tonight's summary: one small query (the checksums of the products' categories and of each
   * transaction-level external dataset) and a listing of the curated transactions' files per day.
   */
  public static Summary summarize(
      Tables tables,
      LocalDate date,
      CustomerFeatures.Inputs in,
      CustomerFeatures.FeatureWindow window,
      FeatureSettings settings,
      int lookbackDays,
      List<View> views) {
    Map<String, String> parts = new java.util.LinkedHashMap<>();
    // The version of the aggregation and its columns: rows kept by another release are not mixed
    // with tonight's (a new column, a changed formula).
    parts.put("version", String.valueOf(VERSION));
    parts.put("columns", List.of(window.rows().columns()).toString());
    // Days, weekends and hours are those of the session time zone.
    parts.put(
        "timezone", in.transactions().sparkSession().conf().get("spark.sql.session.timeZone"));
    parts.put("settings", settings.toString());
    parts.put("lookback", String.valueOf(lookbackDays));
    parts.put("contexts", views.stream().map(v -> v.context().label()).toList().toString());
    parts.put("categories", window.categories().toString());
    // The small tables' checksums in one query.
    Map<String, Dataset<Row>> small = new java.util.LinkedHashMap<>();
    in.products().ifPresent(p -> small.put("products", p.select("product_id", "category")));
    for (ExternalTable ext : in.external()) {
      if (ext.settings().level() == ExternalDatasetSettings.Level.TRANSACTION) {
        parts.put("external." + ext.name(), ext.settings().toString());
        small.put("external." + ext.name(), ext.byKey());
      }
    }
    Dataset<Row> sums = null;
    for (Map.Entry<String, Dataset<Row>> e : small.entrySet()) {
      Dataset<Row> one =
          e.getValue()
              .agg(count(lit(1)).as("n"), sum(rowHash(e.getValue())).as("sum"))
              .select(lit(e.getKey()).as("table"), col("n"), col("sum"));
      sums = sums == null ? one : sums.unionByName(one);
    }
    if (sums != null) {
      for (Row r : sums.collectAsList()) {
        parts.put("checksum." + r.getString(0), r.getLong(1) + ":" + r.get(2));
      }
    }
    return new Summary(parts, CuratedTables.eventDateSignatures(tables, "transactions", date));
  }

  /**
   * The rows kept by the newest night before tonight, if tonight may carry them over: not on a full
   * refresh, only with tonight's fingerprint, and only while every day up to that night has the
   * lines it had then.
   */
  public static Decision previous(
      Tables tables, LocalDate date, Summary tonight, boolean fullRefresh) {
    if (fullRefresh) {
      return none("a full refresh");
    }
    Optional<KeptModels.Saved> saved =
        KeptModels.newest(tables, DIRECTORY, date.minusDays(1), STATE);
    if (saved.isEmpty()) {
      return none("no aggregates kept by a night before " + date);
    }
    LocalDate night = saved.get().night();
    Optional<String> why =
        KeptModels.whyNotCarriedOver(
            saved.get().properties(),
            night,
            tonight.fingerprint(),
            tonight.daySignatures(),
            "the aggregates");
    if (why.isPresent()) {
      return none(why.get());
    }
    return new Decision(
        Optional.of(night), tables.read(DIRECTORY, night), "carried over from " + night);
  }

  /**
   * Keeps tonight's rows for the next night (replacing those kept tonight before); rows written.
   */
  public static long save(Tables tables, LocalDate date, Dataset<Row> rows, Summary summary) {
    Path dir = new Path(tables.partitionPath(DIRECTORY, date));
    KeptModels.markUnsaved(tables, dir, STATE);
    long written = tables.write(DIRECTORY, date, rows);
    Properties state =
        KeptModels.stateProperties(date, summary.fingerprint(), summary.daySignatures());
    KeptModels.markSaved(tables, dir, STATE, state, "features: per-customer aggregates");
    // A night reads only the newest state before it (a re-run of tonight that one): older ones
    // (each the size of customer_features) do not pile up.
    KeptModels.dropOlder(tables, DIRECTORY, date);
    return written;
  }

  private static Decision none(String reason) {
    return new Decision(Optional.empty(), null, reason);
  }

  /** A 64-bit hash of every column of a row, as a decimal so that sums of them cannot overflow. */
  private static Column rowHash(Dataset<Row> rows) {
    Column[] all =
        java.util.Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    return functions.xxhash64(all).cast("decimal(20,0)");
  }
}
