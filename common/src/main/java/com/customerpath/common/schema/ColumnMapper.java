package com.customerpath.common.schema;

import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.privacy.CustomerIdPseudonymiser;
import com.customerpath.common.schema.Contract.Field;
import com.customerpath.common.schema.Contract.SourceContract;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.functions;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Maps a source's columns to the contract's logical fields. A mapping value is a source column name
 * or a Spark SQL expression over the source's columns; an unmapped field is taken from a column of
 * the same name. The result holds each logical field (still untyped), the source row as a struct
 * (rendered as JSON text for quarantined rows only: see {@link #sourceRowText}) and the file it
 * came from.
 *
 * <p>The source row holds only the columns the mapping uses: a column no field reads (a name, an
 * e-mail, a phone number) never reaches an output table. With a pseudonymiser, customer_id is
 * replaced by its pseudonym, in the field and in the source row. When the source row leaves
 * something out, the whole raw row is kept as {@link #RAW_ROW} for duplicate detection only (never
 * written).
 */
public final class ColumnMapper {
  public static final String SOURCE_ROW = "_source_row";
  public static final String RAW_ROW = "_raw_row";

  /**
   * Metadata of {@link #SOURCE_ROW} when it is {@link #RAW_ROW} less the columns no field reads
   * (nothing pseudonymised): it can then be rebuilt from the raw row ({@link #sourceRowFromRaw})
   * where only the raw row is carried, as through the duplicate check's shuffle.
   */
  public static final String PART_OF_RAW_ROW = "part_of_raw_row";

  /** Whether the mapped rows' source row is part of their raw row ({@link #PART_OF_RAW_ROW}). */
  public static boolean sourceRowIsPartOfRawRow(Dataset<Row> mapped) {
    if (!Arrays.asList(mapped.columns()).contains(RAW_ROW)) {
      return false;
    }
    org.apache.spark.sql.types.Metadata m = mapped.schema().apply(SOURCE_ROW).metadata();
    return m.contains(PART_OF_RAW_ROW) && m.getBoolean(PART_OF_RAW_ROW);
  }

  /**
   * The source row (of type sourceRow, the struct {@link #map} gives) from the raw row, field by
   * field: only where {@link #sourceRowIsPartOfRawRow}.
   */
  public static Column sourceRowFromRaw(
      Column rawRow, org.apache.spark.sql.types.StructType sourceRow) {
    Column[] fields =
        Arrays.stream(sourceRow.fields())
            .map(f -> rawRow.getField(f.name()).as(f.name()))
            .toArray(Column[]::new);
    return functions.struct(fields);
  }

  /**
   * The quarantine's source_row text of a mapped row: the source row struct as JSON; a malformed
   * row (the reader's corrupt-record text, when the source has that column) as it was written,
   * unless its text may carry what the source row leaves out (complete false: unmapped or
   * pseudonymised columns), then the columns Spark could split off.
   */
  public static Column sourceRowText(Column sourceRow, Column corrupt, boolean complete) {
    Column json = functions.to_json(sourceRow);
    return corrupt != null && complete
        ? functions.when(corrupt.isNotNull(), corrupt).otherwise(json)
        : json;
  }

  private static final String CUSTOMER_ID = "customer_id";

  private ColumnMapper() {}

  public static Dataset<Row> map(Dataset<Row> raw, SourceSettings source, SourceContract contract) {
    return map(raw, source, contract, Optional.empty());
  }

  public static Dataset<Row> map(
      Dataset<Row> raw,
      SourceSettings source,
      SourceContract contract,
      Optional<CustomerIdPseudonymiser> pseudonymiser) {
    List<String> rawColumns =
        Arrays.stream(raw.columns())
            .filter(
                c -> !c.equals(SourceReader.SOURCE_FILE) && !c.equals(SourceReader.CORRUPT_RECORD))
            .toList();
    boolean hasCorrupt = Arrays.asList(raw.columns()).contains(SourceReader.CORRUPT_RECORD);
    Set<String> fieldNames =
        contract.fields().stream().map(Field::name).collect(Collectors.toSet());
    for (String mapped : source.columns().keySet()) {
      if (!fieldNames.contains(mapped)) {
        throw new SchemaError(
            "Cannot map source '"
                + source.name()
                + "': config key 'customerpath.inputs."
                + source.name()
                + ".columns."
                + mapped
                + "' is not a field of "
                + source.name()
                + " (fields: "
                + contract.fields().stream().map(Field::name).toList()
                + ")");
      }
    }
    List<Column> out = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    Set<String> customerIdColumns = Set.of();
    Column customerId = null;
    for (Field field : contract.fields()) {
      Column column = fieldColumn(raw, rawColumns, source, field);
      Set<String> reads = columnsRead(raw, rawColumns, column);
      used.addAll(reads);
      if (field.name().equals(CUSTOMER_ID) && pseudonymiser.isPresent()) {
        column = pseudonymiser.get().apply(column);
        customerIdColumns = reads;
        customerId = column;
      }
      out.add(column.as(field.name()));
    }
    // The source row: the used columns in file order, a pseudonymised id in place of its column
    // (or, from an expression over several columns, as customer_id at the end).
    List<Column> rowColumns = new ArrayList<>();
    boolean idPlaced = false;
    for (String c : rawColumns) {
      if (!used.contains(c)) {
        continue;
      }
      if (customerIdColumns.contains(c)) {
        if (customerIdColumns.size() == 1) {
          rowColumns.add(customerId.as(c));
          idPlaced = true;
        }
        continue;
      }
      rowColumns.add(raw.col(quote(c)));
    }
    if (customerId != null && !idPlaced) {
      rowColumns.add(customerId.as(CUSTOMER_ID));
    }
    boolean complete = customerId == null && used.size() == rawColumns.size();
    // Structs, not JSON: a row becomes text only if it is quarantined (a few rows), and duplicates
    // are found by comparing the structs.
    Column sourceRow = functions.struct(rowColumns.toArray(Column[]::new));
    out.add(
        customerId == null && !complete
            ? sourceRow.as(
                SOURCE_ROW,
                new org.apache.spark.sql.types.MetadataBuilder()
                    .putBoolean(PART_OF_RAW_ROW, true)
                    .build())
            : sourceRow.as(SOURCE_ROW));
    if (hasCorrupt) {
      out.add(raw.col(SourceReader.CORRUPT_RECORD));
    }
    if (!complete) {
      Column[] all = rawColumns.stream().map(c -> raw.col(quote(c))).toArray(Column[]::new);
      out.add(functions.struct(all).as(RAW_ROW));
    }
    out.add(raw.col(SourceReader.SOURCE_FILE));
    return raw.select(out.toArray(Column[]::new));
  }

  /** The source columns a field's column reads (a column, or every column of an expression). */
  private static Set<String> columnsRead(Dataset<Row> raw, List<String> rawColumns, Column column) {
    Set<String> names = new LinkedHashSet<>();
    LogicalPlan plan =
        ((org.apache.spark.sql.classic.Dataset<Row>) raw.select(column))
            .queryExecution()
            .analyzed();
    for (Attribute a : CollectionConverters.asJava(plan.references().toSeq())) {
      if (rawColumns.contains(a.name())) {
        names.add(a.name());
      }
    }
    return names;
  }

  private static Column fieldColumn(
      Dataset<Row> raw, List<String> rawColumns, SourceSettings source, Field field) {
    String mapping = source.columns().get(field.name());
    if (mapping == null) {
      if (rawColumns.contains(field.name())) {
        return raw.col(quote(field.name()));
      }
      if (field.required()) {
        throw new SchemaError(
            "Cannot read source '"
                + source.name()
                + "' from "
                + source.location()
                + ": required column '"
                + field.name()
                + "' is missing and not mapped (file columns: "
                + rawColumns
                + "; map it with customerpath.inputs."
                + source.name()
                + ".columns."
                + field.name()
                + ")");
      }
      return functions.lit(null).cast(field.type());
    }
    if (rawColumns.contains(mapping)) {
      return raw.col(quote(mapping));
    }
    try {
      Column expr = functions.expr(mapping);
      raw.select(expr).schema(); // resolve now: a wrong name fails here, naming the field
      return expr;
    } catch (Exception e) {
      throw new SchemaError(
          "Cannot read source '"
              + source.name()
              + "' from "
              + source.location()
              + ": column '"
              + field.name()
              + "' is mapped to '"
              + mapping
              + "', which is neither a column of the file nor a valid expression over it (file columns: "
              + rawColumns
              + ")",
          e);
    }
  }

  static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }
}
