package com.customerpath.common.io;

import com.customerpath.common.config.PipelineSettings.SourceSettings;
import com.customerpath.common.config.PipelineSettings.TableSettings;
import com.customerpath.common.schema.SchemaError;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.util.Map;

/**
 * Reads a source's raw rows: one file or folder, or several named tables combined by a SQL
 * query. CSV is read as text columns (no inference) so that parsing, and its failures, are
 * ours to record. Adds {@code _source_file}, the file each row came from.
 */
public final class SourceReader {
  public static final String SOURCE_FILE = "_source_file";

  private SourceReader() {}

  public static Dataset<Row> read(SparkSession spark, SourceSettings source) {
    if (source.tables().isEmpty()) {
      Dataset<Row> raw = readTable(spark, source.name(), source.path(), source.format(), source.options());
      if (!source.query().isBlank()) {
        // A query over the single file, e.g. to skip a header line of a text file.
        raw.createOrReplaceTempView(source.name() + "_raw");
        raw = runQuery(spark, source, source.query().replace("{source}", source.name() + "_raw"));
      }
      return raw.withColumn(SOURCE_FILE, functions.input_file_name());
    }
    for (Map.Entry<String, TableSettings> t : source.tables().entrySet()) {
      TableSettings table = t.getValue();
      readTable(spark, source.name() + "." + t.getKey(), table.path(), table.format(), table.options())
          .createOrReplaceTempView(t.getKey());
    }
    return runQuery(spark, source, source.query())
        .withColumn(SOURCE_FILE, functions.lit(source.location()));
  }

  private static Dataset<Row> runQuery(SparkSession spark, SourceSettings source, String query) {
    try {
      Dataset<Row> out = spark.sql(query);
      out.schema(); // analyse now, so a bad query fails here with the source's name
      return out;
    } catch (Exception e) {
      throw new SchemaError("Cannot read source '" + source.name() + "' from " + source.location()
          + ": its query does not run: " + firstLine(e.getMessage()), e);
    }
  }

  public static Dataset<Row> readTable(SparkSession spark, String name, String path, String format,
                                       Map<String, String> options) {
    try {
      Dataset<Row> df = switch (format) {
        case "csv" -> spark.read().option("inferSchema", "false").options(options).csv(path);
        case "parquet" -> spark.read().options(options).parquet(path);
        case "json" -> spark.read().options(options).json(path);
        case "text" -> spark.read().options(options).text(path);
        default -> throw new SchemaError("Cannot read source '" + name + "': unknown format '" + format
            + "', expected csv, parquet, json or text");
      };
      return df;
    } catch (SchemaError e) {
      throw e;
    } catch (Exception e) {
      throw new SchemaError("Cannot read source '" + name + "' from " + path + " as " + format + ": "
          + firstLine(e.getMessage()), e);
    }
  }

  static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
