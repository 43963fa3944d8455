package com.customerpath.common.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.ExternalDatasetSettings.Level;
import com.customerpath.common.config.ExternalDatasetSettings.Pick;
import com.customerpath.common.io.InputError;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;

/**
 * Joins an external dataset (demographics by region, a holiday calendar by date ...) onto curated
 * rows by its key. Keys are compared as trimmed text so that "R01" meets "R01" whatever each side's
 * type. Rows whose key has no match keep null (or the dataset's missing-value). A key with several
 * rows is an error unless the dataset says how to pick one (pick = as-of, latest or an aggregate;
 * see ExternalDatasetSettings).
 */
public final class ExternalJoin {
  private static final String KEY = "_ext_key";
  private static final String WHEN = "_ext_when";

  private ExternalJoin() {}

  /** An external dataset as read, with its settings and the run date (for pick = as-of). */
  public record ExternalTable(
      ExternalDatasetSettings settings, Dataset<Row> rows, LocalDate runDate) {
    public ExternalTable(ExternalDatasetSettings settings, Dataset<Row> rows) {
      this(settings, rows, null);
    }

    public String name() {
      return settings.name();
    }

    /** Output name of one of its columns: name_column. */
    public String outputName(String column) {
      return settings.name() + "_" + column;
    }

    /** Transaction-level as-of: joined on the key and the transaction's year (or day). */
    boolean byPeriod() {
      return settings.pick() == Pick.AS_OF && settings.level() == Level.TRANSACTION;
    }

    /**
     * The key and the configured columns (and the pick-by value as _ext_when), rows with a key
     * only.
     */
    Dataset<Row> selected() {
      List<Column> cols = new ArrayList<>();
      cols.add(functions.trim(functions.expr(settings.key()).cast("string")).as(KEY));
      if (!settings.pickBy().isBlank()) {
        cols.add(functions.expr(settings.pickBy()).as(WHEN));
      }
      for (String c : settings.columns()) {
        cols.add(functions.expr(c));
      }
      return rows.select(cols.toArray(Column[]::new)).filter(col(KEY).isNotNull());
    }

    /** Whether pick-by holds years (a number) rather than dates. */
    boolean yearly() {
      return selected().schema().apply(WHEN).dataType() instanceof NumericType;
    }

    /**
     * Fails when a key has several rows and the dataset does not say how to pick one: the error
     * names the dataset, the key and an example (a join would otherwise pick one at random).
     */
    public void checkUniqueKeys() {
      if (settings.pick() != Pick.UNIQUE && !byPeriod()) {
        return;
      }
      Dataset<Row> s = selected();
      Column[] by = byPeriod() ? new Column[] {col(KEY), col(WHEN)} : new Column[] {col(KEY)};
      List<Row> dup =
          s.groupBy(by)
              .count()
              .filter(col("count").gt(1))
              .orderBy(col("count").desc(), col(KEY))
              .limit(1)
              .collectAsList();
      if (!dup.isEmpty()) {
        long keys = s.groupBy(by).count().filter(col("count").gt(1)).count();
        String example =
            byPeriod()
                ? dup.get(0).get(0) + "' and " + settings.pickBy() + " '" + dup.get(0).get(1)
                : String.valueOf(dup.get(0).get(0));
        throw new InputError(
            "External dataset '"
                + name()
                + "' ("
                + settings.path()
                + ") has "
                + keys
                + " key(s) "
                + settings.key()
                + " with several rows, e.g. '"
                + example
                + "' ("
                + dup.get(0).getLong(dup.get(0).size() - 1)
                + " rows); say how to pick one with customerpath.external["
                + name()
                + "].pick = as-of | latest | sum | avg | min | max (and pick-by, the date or year column)");
      }
    }

    /**
     * The dataset reduced to one row per key (per key and period for a transaction-level as-of).
     */
    public Dataset<Row> byKey() {
      Dataset<Row> selected = selected();
      Pick pick = settings.pick();
      List<String> valueCols = new ArrayList<>();
      for (String c : selected.columns()) {
        if (!c.equals(KEY) && !c.equals(WHEN)) {
          valueCols.add(c);
        }
      }
      if (pick == Pick.AS_OF && !byPeriod()) {
        if (runDate == null) {
          throw new IllegalStateException(
              "External dataset '" + name() + "': pick = as-of needs the run date");
        }
        Column notAfter =
            yearly()
                ? col(WHEN).leq(lit(runDate.getYear()))
                : functions
                    .to_date(col(WHEN).cast("string"))
                    .leq(functions.to_date(lit(runDate.toString())));
        selected = selected.filter(notAfter);
      }
      if (pick == Pick.AS_OF && !byPeriod() || pick == Pick.LATEST) {
        // The newest row per key; ties broken by every column so reruns pick the same row.
        List<Column> order = new ArrayList<>(List.of(col(WHEN).desc_nulls_last()));
        valueCols.forEach(c -> order.add(col(quote(c)).asc_nulls_last()));
        selected =
            selected
                .withColumn(
                    "_ext_rank",
                    functions
                        .row_number()
                        .over(Window.partitionBy(col(KEY)).orderBy(order.toArray(Column[]::new))))
                .filter(col("_ext_rank").equalTo(1));
      }
      List<Column> aggs = new ArrayList<>();
      for (String c : valueCols) {
        Column v = col(quote(c));
        Column agg =
            switch (pick) {
              case SUM -> functions.sum(v);
              case AVG -> functions.avg(v);
              case MIN -> functions.min(v);
              case MAX -> functions.max(v);
              case UNIQUE, AS_OF, LATEST ->
                  functions.first(v, true); // one row per key by now (checked or picked)
            };
        aggs.add(agg.as(outputName(c)));
      }
      Column[] by =
          byPeriod() ? new Column[] {col(KEY), col(WHEN).as(WHEN)} : new Column[] {col(KEY)};
      return selected
          .groupBy(by)
          .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
    }

    /** The output column names this dataset adds. */
    public List<String> outputColumns() {
      return List.of(byKey().columns()).stream()
          .filter(c -> !c.equals(KEY) && !c.equals(WHEN))
          .toList();
    }
  }

  /** Left-joins the dataset onto rows whose column {@code joinColumn} holds the key. */
  public static Dataset<Row> join(Dataset<Row> rows, String joinColumn, ExternalTable table) {
    Dataset<Row> byKey = table.byKey();
    Dataset<Row> keyed = rows.withColumn(KEY, functions.trim(col(joinColumn).cast("string")));
    Dataset<Row> joined;
    if (table.byPeriod()) {
      // The row of the transaction's year (pick-by holds years) or day (pick-by holds dates).
      Column when =
          table.yearly()
              ? functions.year(col("ts")).cast(byKey.schema().apply(WHEN).dataType())
              : functions.to_date(col("ts"));
      Dataset<Row> periods =
          table.yearly()
              ? byKey
              : byKey.withColumn(WHEN, functions.to_date(col(WHEN).cast("string")));
      joined =
          keyed
              .withColumn(WHEN, when)
              .join(
                  periods,
                  scala.jdk.javaapi.CollectionConverters.asScala(List.of(KEY, WHEN)).toSeq(),
                  "left")
              .drop(KEY, WHEN);
    } else {
      joined = keyed.join(byKey, KEY, "left").drop(KEY);
    }
    String missing = table.settings().missingValue();
    if (!missing.isEmpty()) {
      java.util.Map<String, Column> filled = new java.util.LinkedHashMap<>();
      for (String c : table.outputColumns()) {
        filled.put(
            c,
            functions.coalesce(
                col(c), functions.lit(missing).cast(byKey.schema().apply(c).dataType())));
      }
      joined = joined.withColumns(filled);
    }
    return joined;
  }

  /** Distinct keys of the rows that the dataset does not have: the keys that do not match. */
  public static Dataset<Row> unmatchedKeys(
      Dataset<Row> rows, String joinColumn, ExternalTable table) {
    Dataset<Row> keys =
        rows.select(functions.trim(col(joinColumn).cast("string")).as(KEY))
            .filter(col(KEY).isNotNull())
            .distinct();
    // Shuffled, not broadcast: the distinct keys are already partitioned by the key, so only the
    // (small) known keys move, and the query needs no broadcast's Spark job of its own.
    Dataset<Row> known = table.byKey().select(col(KEY)).hint("shuffle_hash");
    return keys.join(known, keys.col(KEY).equalTo(known.col(KEY)), "left_anti")
        .withColumnRenamed(KEY, "key");
  }

  static String quote(String c) {
    return "`" + c.replace("`", "``") + "`";
  }
}
