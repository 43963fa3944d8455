package com.customerpath.jobs.tools;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.io.Tables;
import com.customerpath.common.spark.SparkSessions;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Prints rows of one output table partition: --table NAME --date D [--conf F] [--rows N] [--where
 * SQL].
 */
public final class ShowTable {
  private ShowTable() {}

  public static void main(String[] args) {
    Map<String, String> a = new HashMap<>(Map.of("--rows", "20", "--where", "true"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    if (!a.containsKey("--table") || !a.containsKey("--date")) {
      System.err.println(
          "Usage: bin/show-table --table NAME --date YYYY-MM-DD [--conf FILE] [--rows N] [--where SQL]");
      System.exit(2);
    }
    PipelineSettings settings = PipelineSettings.from(ConfigLoader.load(a.get("--conf"), Map.of()));
    SparkSession spark = SparkSessions.create(settings);
    Dataset<Row> rows =
        new Tables(spark, settings.outputRoot())
            .read(a.get("--table"), LocalDate.parse(a.get("--date")))
            .where(a.get("--where"));
    rows.show(Integer.parseInt(a.get("--rows")), false);
    spark.stop();
  }
}
