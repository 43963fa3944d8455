package com.customerpath.common.features;

import com.customerpath.common.config.PipelineSettings.ExternalDatasetSettings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Joins an external dataset (demographics by region, a holiday calendar by date ...) onto
 * curated rows by its key. Keys are compared as trimmed text so that "R01" meets "R01" whatever
 * each side's type. Rows whose key has no match keep null (or the dataset's missing-value).
 */
public final class ExternalJoin {
  private static final String KEY = "_ext_key";

  private ExternalJoin() {}

  /** An external dataset as read, with its settings. */
  public record ExternalTable(ExternalDatasetSettings settings, Dataset<Row> rows) {
    public String name() {
      return settings.name();
    }

    /** Output name of one of its columns: name_column. */
    public String outputName(String column) {
      return settings.name() + "_" + column;
    }

    /** The dataset reduced to one row per key: the key and the configured columns. */
    public Dataset<Row> byKey() {
      List<Column> cols = new ArrayList<>();
      cols.add(functions.trim(functions.expr(settings.key()).cast("string")).as(KEY));
      for (String c : settings.columns()) {
        cols.add(functions.expr(c));
      }
      Dataset<Row> selected = rows.select(cols.toArray(Column[]::new));
      List<Column> firsts = new ArrayList<>();
      for (String c : selected.columns()) {
        if (!c.equals(KEY)) {
          firsts.add(functions.first(col(quote(c)), true).as(outputName(c)));
        }
      }
      // A key listed twice (two holidays on one date) keeps its first row, deterministically.
      return selected.filter(col(KEY).isNotNull()).groupBy(col(KEY))
          .agg(firsts.get(0), firsts.subList(1, firsts.size()).toArray(Column[]::new));
    }

    /** The output column names this dataset adds. */
    public List<String> outputColumns() {
      return List.of(byKey().columns()).stream().filter(c -> !c.equals(KEY)).toList();
    }
  }

  /** Left-joins the dataset onto rows whose column {@code joinColumn} holds the key. */
  public static Dataset<Row> join(Dataset<Row> rows, String joinColumn, ExternalTable table) {
    Dataset<Row> byKey = table.byKey();
    Dataset<Row> joined = rows
        .withColumn(KEY, functions.trim(col(joinColumn).cast("string")))
        .join(byKey, KEY, "left")
        .drop(KEY);
    String missing = table.settings().missingValue();
    if (!missing.isEmpty()) {
      for (String c : table.outputColumns()) {
        joined = joined.withColumn(c, functions.coalesce(col(c),
            functions.lit(missing).cast(byKey.schema().apply(c).dataType())));
      }
    }
    return joined;
  }

  /** Distinct keys of the rows that the dataset does not have: the keys that do not match. */
  public static Dataset<Row> unmatchedKeys(Dataset<Row> rows, String joinColumn, ExternalTable table) {
    Dataset<Row> keys = rows.select(functions.trim(col(joinColumn).cast("string")).as(KEY))
        .filter(col(KEY).isNotNull()).distinct();
    Dataset<Row> known = table.byKey().select(col(KEY));
    return keys.join(known, keys.col(KEY).equalTo(known.col(KEY)), "left_anti").withColumnRenamed(KEY, "key");
  }

  static String quote(String c) {
    return "`" + c.replace("`", "``") + "`";
  }
}
