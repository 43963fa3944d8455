package com.customerpath.common.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.config.ValidationSettings.Range;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.io.Tables;
import com.customerpath.common.schema.ColumnMapper;
import com.customerpath.common.schema.Contract.Field;
import com.customerpath.common.schema.Contract.SourceContract;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;

/**
 * Types a mapped source's fields and marks each unusable row with a reason (the first defect) and a
 * detail (every defect). Reasons, in priority order: malformed_row (a CSV record whose fields do
 * not match the header), missing_&lt;field&gt;, unparseable_&lt;field&gt; (also a whole number that
 * is not finite or does not fit an int), non_finite_&lt;field&gt; (NaN, +-Infinity),
 * out_of_range_&lt;field&gt; (outside the configured range), timestamp_after_run_date,
 * exact_duplicate, duplicate_key. The field {@code ts} is called "timestamp" in reasons.
 */
public final class InputValidation {
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";
  private static final String FIELD_REASON = "_field_reason";
  private static final String FIELD_DETAIL = "_field_detail";

  private InputValidation() {}

  /** The mapped rows, typed, with {@code reason} null for usable rows. */
  public static Dataset<Row> flag(
      Dataset<Row> mapped,
      SourceContract contract,
      LocalDate runDate,
      String timestampFormat,
      String dateFormat) {
    return flag(mapped, contract, runDate, timestampFormat, dateFormat, Map.of());
  }

  /**
   * As above, with numeric ranges by field name (fields without one are only checked for
   * finiteness).
   */
  public static Dataset<Row> flag(
      Dataset<Row> mapped,
      SourceContract contract,
      LocalDate runDate,
      String timestampFormat,
      String dateFormat,
      Map<String, Range> ranges) {
    return flag(mapped, contract, runDate, timestampFormat, dateFormat, ranges, false);
  }

  /**
   * As above; with {@code byEventDate} (facts read whole: a full refresh) the duplicate check lays
   * the rows out by event day ({@link CuratedTables#eventDate}): an exact duplicate has the same
   * timestamp, hence the same day, so the check finds every one, and its output is already
   * clustered by the day the curated table is partitioned by: publishing it needs no second
   * shuffle, only each task's sort by day ({@link Tables#replacePartitions}, clustered). Not for
   * sources with a unique key (a key may repeat on other days) nor for one night's input (mostly
   * one day: one task).
   */
  public static Dataset<Row> flag(
      Dataset<Row> mapped,
      SourceContract contract,
      LocalDate runDate,
      String timestampFormat,
      String dateFormat,
      Map<String, Range> ranges,
      boolean byEventDate) {
    if (byEventDate && (!contract.hasTimestamp() || contract.uniqueKey().isPresent())) {
      throw new IllegalArgumentException(
          "Cannot lay out source '"
              + contract.source()
              + "' by event date: only sources with a timestamp and no unique key are");
    }
    for (String f : ranges.keySet()) {
      if (contract.fields().stream().noneMatch(x -> x.name().equals(f) && isNumeric(x))) {
        throw new ConfigError(
            "Wrong config key 'customerpath.validation.ranges."
                + contract.source()
                + "."
                + f
                + "': not a numeric field of "
                + contract.source()
                + " (numeric fields: "
                + contract.fields().stream()
                    .filter(InputValidation::isNumeric)
                    .map(Field::name)
                    .toList()
                + ")");
      }
    }
    // Per-field checks are computed in the same projection as the typed values, on the raw text.
    List<Column> projection = new ArrayList<>();
    List<Column> reasons = new ArrayList<>();
    List<Column> details = new ArrayList<>();
    List<Column> fieldReasons = new ArrayList<>();
    List<Column> fieldDetails = new ArrayList<>();
    for (Field field : contract.fields()) {
      Column raw = col(field.name());
      boolean isText = mapped.schema().apply(field.name()).dataType() instanceof StringType;
      Column text = functions.trim(raw.cast(DataTypes.StringType));
      text = when(text.equalTo(""), lit(null)).otherwise(text);
      // A typed column (Parquet, JSON numbers) is present when not null: its text (formatting a
      // timestamp for every row is costly) is only made for the detail of a quarantined value.
      Column present = isText ? text.isNotNull() : raw.isNotNull();
      Column value = typedValue(raw, text, isText, field, timestampFormat, dateFormat);
      projection.add(value.as(field.name()));
      String label = label(field);
      Column reason = lit(null).cast(DataTypes.StringType);
      Column detail = lit(null).cast(DataTypes.StringType);
      if (isNumeric(field)) {
        // Checked in reverse priority: each later check wins over the earlier ones.
        Range range = ranges.get(field.name());
        if (range != null && range.bounded()) {
          Column outside = lit(false);
          if (range.min() != null) {
            outside = outside.or(value.lt(lit(range.min())));
          }
          if (range.max() != null) {
            outside = outside.or(value.gt(lit(range.max())));
          }
          outside = value.isNotNull().and(outside);
          reason = when(outside, lit("out_of_range_" + label)).otherwise(reason);
          detail =
              when(
                      outside,
                      functions.concat(lit(field.name() + ": "), text, lit(" is outside " + range)))
                  .otherwise(detail);
        }
        if (field.type().equals(DataTypes.DoubleType)) {
          Column nonFinite =
              value
                  .isNaN()
                  .or(value.equalTo(lit(Double.POSITIVE_INFINITY)))
                  .or(value.equalTo(lit(Double.NEGATIVE_INFINITY)));
          reason = when(nonFinite, lit("non_finite_" + label)).otherwise(reason);
          detail =
              when(
                      nonFinite,
                      functions.concat(
                          lit(field.name() + ": "), text, lit(" is not a finite number")))
                  .otherwise(detail);
        }
      }
      if (!field.type().equals(DataTypes.StringType)) {
        Column bad = present.and(value.isNull());
        reason = when(bad, lit("unparseable_" + label)).otherwise(reason);
        detail =
            when(
                    bad,
                    functions.concat(
                        lit(field.name() + ": cannot parse '"),
                        text,
                        lit("' as " + field.type().simpleString())))
                .otherwise(detail);
      }
      if (field.required()) {
        reason = when(functions.not(present), lit("missing_" + label)).otherwise(reason);
        detail = when(functions.not(present), lit(field.name() + " is missing")).otherwise(detail);
      }
      fieldReasons.add(reason);
      fieldDetails.add(detail);
    }
    // The fields' first reason and their details, as two columns: they cross the duplicate check's
    // shuffle, where a pair of (mostly null) columns per field did (4-6% of its bytes at 1M).
    Column fieldDetail = functions.concat_ws("; ", fieldDetails.toArray(Column[]::new));
    projection.add(functions.coalesce(fieldReasons.toArray(Column[]::new)).as(FIELD_REASON));
    projection.add(
        when(fieldDetail.equalTo(""), lit(null)).otherwise(fieldDetail).as(FIELD_DETAIL));
    reasons.add(col(FIELD_REASON));
    details.add(col(FIELD_DETAIL));
    // Duplicates compare whole raw rows, also where source_row leaves columns out; a malformed
    // row also by its text.
    boolean hasRawRow = List.of(mapped.columns()).contains(ColumnMapper.RAW_ROW);
    // A source row that is the raw row less its unread columns crosses the duplicate check's
    // shuffle as a null, and is rebuilt from the raw row after it: the columns travelled twice
    // (with a delivery folder's dt column, every source's columns did).
    org.apache.spark.sql.types.StructType sourceRowType =
        (org.apache.spark.sql.types.StructType)
            mapped.schema().apply(ColumnMapper.SOURCE_ROW).dataType();
    boolean sourceRowFromRaw = ColumnMapper.sourceRowIsPartOfRawRow(mapped);
    projection.add(
        sourceRowFromRaw
            ? lit(null).cast(sourceRowType).as(ColumnMapper.SOURCE_ROW)
            : col(ColumnMapper.SOURCE_ROW));
    boolean hasCorrupt = List.of(mapped.columns()).contains(SourceReader.CORRUPT_RECORD);
    List<Column> wholeRow = new ArrayList<>();
    wholeRow.add(col(hasRawRow ? ColumnMapper.RAW_ROW : ColumnMapper.SOURCE_ROW));
    if (hasRawRow) {
      projection.add(col(ColumnMapper.RAW_ROW));
    }
    projection.add(col(SourceReader.SOURCE_FILE));
    if (hasCorrupt) {
      projection.add(col(SourceReader.CORRUPT_RECORD));
      wholeRow.add(col(SourceReader.CORRUPT_RECORD));
    }
    // The row's hash first: the window sorts on a long (a radix sort prefix) and compares the
    // structs themselves only where hashes tie.
    wholeRow.add(0, functions.xxhash64(wholeRow.toArray(Column[]::new)));
    if (hasCorrupt) {
      // Before every field check: the fields of a row that does not match the header are guesses.
      Column malformed = col(SourceReader.CORRUPT_RECORD).isNotNull();
      projection.add(malformed.as("_malformed"));
      reasons.add(0, when(col("_malformed"), lit("malformed_row")));
      details.add(
          0,
          when(
              col("_malformed"),
              lit(
                  "the record's number of fields differs from the header's"
                      + (hasRawRow
                          ? " (source_row holds the mapped columns Spark could split off; the raw"
                              + " text is not kept, as it may carry unmapped or personal data)"
                          : " (source_row is its raw text)"))));
    }
    projection.add(functions.monotonically_increasing_id().as("_row_order"));
    Dataset<Row> withTypes = mapped.select(projection.toArray(Column[]::new));

    if (contract.hasTimestamp()) {
      Column future = col("ts").geq(functions.to_timestamp(lit(runDate.plusDays(1).toString())));
      reasons.add(when(future, lit("timestamp_after_run_date")));
      details.add(
          when(
              future,
              functions.concat(
                  lit("ts "), col("ts").cast("string"), lit(" is after the run date " + runDate))));
    }
    Column[] inSourceOrder = {col(SourceReader.SOURCE_FILE), col("_row_order")};
    Dataset<Row> numbered = withTypes;
    WindowSpec sameLine;
    if (contract.uniqueKey().isPresent()) {
      // The same line has the same key: numbering lines within (key, line) groups them as the
      // line alone does and reuses the key's partitioning (one shuffle for both checks).
      String key = contract.uniqueKey().get();
      numbered =
          numbered.withColumn(
              "_dup_key",
              col(key)
                  .isNotNull()
                  .and(
                      functions
                          .row_number()
                          .over(Window.partitionBy(col(key)).orderBy(inSourceOrder))
                          .gt(1)));
      List<Column> keyAndRow = new ArrayList<>(wholeRow);
      keyAndRow.add(0, col(key));
      sameLine = Window.partitionBy(keyAndRow.toArray(Column[]::new)).orderBy(inSourceOrder);
    } else if (byEventDate) {
      // The window's shuffle is this repartition (the day is one of its keys). The day comes last:
      // the sort keeps the row's hash as its prefix (a day first made it compare most rows in
      // full). The number of tasks is given, as for the curated write, so that adaptive execution
      // cannot coalesce a small year into one writing task.
      Column day = CuratedTables.eventDate(col("ts"));
      int tasks =
          Integer.parseInt(mapped.sparkSession().conf().get("spark.sql.shuffle.partitions"));
      numbered = numbered.repartition(tasks, day);
      List<Column> rowAndDay = new ArrayList<>(wholeRow);
      rowAndDay.add(day);
      sameLine = Window.partitionBy(rowAndDay.toArray(Column[]::new)).orderBy(inSourceOrder);
    } else {
      sameLine = Window.partitionBy(wholeRow.toArray(Column[]::new)).orderBy(inSourceOrder);
    }
    numbered = numbered.withColumn("_dup_line", functions.row_number().over(sameLine).gt(1));
    reasons.add(when(col("_dup_line"), lit("exact_duplicate")));
    details.add(when(col("_dup_line"), lit("the same line appears earlier in the source")));
    if (contract.uniqueKey().isPresent()) {
      String key = contract.uniqueKey().get();
      reasons.add(when(col("_dup_key"), lit("duplicate_key")));
      details.add(
          when(
              col("_dup_key"),
              functions.concat(lit(key + " '"), col(key), lit("' appears earlier in the source"))));
    }
    Column reason = col(REASON);
    return numbered
        .withColumn(REASON, functions.coalesce(reasons.toArray(Column[]::new)))
        .withColumn(DETAIL, functions.concat_ws("; ", details.toArray(Column[]::new)))
        // Text for the quarantined rows only; accepted rows carry no copy of their source row.
        .withColumn(
            ColumnMapper.SOURCE_ROW,
            functions.when(
                reason.isNotNull(),
                ColumnMapper.sourceRowText(
                    sourceRowFromRaw
                        ? ColumnMapper.sourceRowFromRaw(col(ColumnMapper.RAW_ROW), sourceRowType)
                        : col(ColumnMapper.SOURCE_ROW),
                    hasCorrupt ? col(SourceReader.CORRUPT_RECORD) : null,
                    !hasRawRow))) // ColumnMapper adds the raw row only when the source row is
        // partial
        .drop(SourceReader.CORRUPT_RECORD)
        .drop(FIELD_REASON, FIELD_DETAIL)
        .drop("_row_order", "_malformed", "_dup_line", "_dup_key", ColumnMapper.RAW_ROW);
  }

  /**
   * The flagged rows as ingest keeps them until they are published: the file name only on the
   * quarantined rows, which show it; accepted rows are written without it, and a path on every row
   * was about half the bytes of the rows kept (caches hold their columns uncompressed).
   */
  public static Dataset<Row> withFileOfQuarantinedOnly(Dataset<Row> flagged) {
    return flagged.withColumn(
        SourceReader.SOURCE_FILE, when(col(REASON).isNotNull(), col(SourceReader.SOURCE_FILE)));
  }

  /** Usable rows with the contract's typed fields only. */
  public static Dataset<Row> accepted(Dataset<Row> flagged, SourceContract contract) {
    return flagged
        .filter(col(REASON).isNull())
        .select(contract.fields().stream().map(f -> col(f.name())).toArray(Column[]::new));
  }

  /** Unusable rows as the quarantine table's columns. */
  public static Dataset<Row> quarantined(Dataset<Row> flagged, String source) {
    return flagged
        .filter(col(REASON).isNotNull())
        .select(
            lit(source).as("source"),
            col(SourceReader.SOURCE_FILE).as("source_file"),
            col(ColumnMapper.SOURCE_ROW).as("source_row"),
            col(REASON),
            col(DETAIL));
  }

  private static Column typedValue(
      Column raw,
      Column text,
      boolean isText,
      Field field,
      String timestampFormat,
      String dateFormat) {
    if (field.isTimestamp() || field.isDate()) {
      String format = field.isDate() ? dateFormat : timestampFormat;
      Column ts =
          !isText
              ? raw.try_cast(DataTypes.TimestampType)
              : format.isBlank()
                  ? text.try_cast(DataTypes.TimestampType)
                  : functions.try_to_timestamp(text, lit(format));
      return field.isDate() ? ts.cast(DataTypes.DateType) : ts;
    }
    if (field.type().equals(DataTypes.StringType)) {
      return text;
    }
    if (field.type().equals(DataTypes.IntegerType)) {
      // "4.0" is a valid household size; "four" is not. NaN, infinities and values beyond the
      // int range are unparseable (a plain cast would abort the whole run with CAST_OVERFLOW).
      Column d = (isText ? text : raw).try_cast(DataTypes.DoubleType);
      Column fits =
          functions
              .not(d.isNaN())
              .and(d.geq(lit((double) Integer.MIN_VALUE)))
              .and(d.leq(lit((double) Integer.MAX_VALUE)));
      return when(fits, d.cast(DataTypes.IntegerType));
    }
    return (isText ? text : raw).try_cast(field.type());
  }

  static boolean isNumeric(Field field) {
    return field.type().equals(DataTypes.DoubleType) || field.type().equals(DataTypes.IntegerType);
  }

  private static String label(Field field) {
    return field.name().equals("ts") ? "timestamp" : field.name();
  }
}
