package com.customerpath.common.schema;

import com.customerpath.common.config.PipelineSettings.SourceSettings;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.schema.Contract.Field;
import com.customerpath.common.schema.Contract.SourceContract;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Maps a source's columns to the contract's logical fields. A mapping value is a source column name
 * or a Spark SQL expression over the source's columns; an unmapped field is taken from a column of
 * the same name. The result holds each logical field (still untyped), the source row as JSON text
 * (kept for quarantine) and the file it came from.
 */
public final class ColumnMapper {
  public static final String SOURCE_ROW = "_source_row";

  private ColumnMapper() {}

  public static Dataset<Row> map(Dataset<Row> raw, SourceSettings source, SourceContract contract) {
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
    for (Field field : contract.fields()) {
      out.add(fieldColumn(raw, rawColumns, source, field).as(field.name()));
    }
    Column[] rawCols = rawColumns.stream().map(c -> raw.col(quote(c))).toArray(Column[]::new);
    Column json = functions.to_json(functions.struct(rawCols));
    if (hasCorrupt) {
      // A malformed row is kept as it was written, not as the header's columns.
      Column corrupt = raw.col(SourceReader.CORRUPT_RECORD);
      out.add(functions.when(corrupt.isNotNull(), corrupt).otherwise(json).as(SOURCE_ROW));
      out.add(corrupt);
    } else {
      out.add(json.as(SOURCE_ROW));
    }
    out.add(raw.col(SourceReader.SOURCE_FILE));
    Dataset<Row> mapped = raw.select(out.toArray(Column[]::new));
    return mapped;
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
