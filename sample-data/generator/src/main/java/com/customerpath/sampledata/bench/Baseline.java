package com.customerpath.sampledata.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import java.time.LocalDate;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark's yardstick: a plain Spark job on the same inputs as the pipeline (a generated data
 * set's transactions and events, up to the run date), dropping exact duplicates and writing one
 * aggregate row per customer. The pipeline's time is compared with this job's.
 *
 * <p>Usage: {@code Baseline --data DIR --out DIR --date YYYY-MM-DD [--shuffle-partitions N]}
 */
public final class Baseline {
  private Baseline() {}

  public static void main(String[] args) {
    String data = null;
    String out = null;
    LocalDate date = null;
    String partitions = "8";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--data" -> data = args[i + 1];
        case "--out" -> out = args[i + 1];
        case "--date" -> date = LocalDate.parse(args[i + 1]);
        case "--shuffle-partitions" -> partitions = args[i + 1];
        default ->
            throw new IllegalArgumentException(
                "Unknown argument "
                    + args[i]
                    + "; expected --data, --out, --date or --shuffle-partitions");
      }
    }
    if (data == null || out == null || date == null) {
      throw new IllegalArgumentException("Baseline needs --data DIR --out DIR --date YYYY-MM-DD");
    }
    // The same session settings as the pipeline's local runs (reference.conf, generated.conf).
    SparkSession spark =
        SparkSession.builder()
            .master(System.getProperty("spark.master", "local[*]"))
            .appName("customer-path-baseline")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", partitions)
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      long t0 = System.nanoTime();
      long rows = run(spark, data, out, date);
      System.out.printf(
          Locale.ROOT,
          "baseline_rows=%d%nbaseline_seconds=%.2f%n",
          rows,
          (System.nanoTime() - t0) / 1e9);
    } finally {
      spark.stop();
    }
  }

  /** Writes one row per customer to {@code out} and returns the rows written. */
  static long run(SparkSession spark, String data, String out, LocalDate date) {
    Column before = lit(date.plusDays(1).toString()).cast("timestamp");
    Dataset<Row> transactions =
        spark
            .read()
            .parquet(data + "/transactions")
            .drop("dt")
            .dropDuplicates()
            .where(col("order_ts").lt(before))
            .groupBy("cust_id")
            .agg(
                countDistinct("order_id").as("orders"),
                count(lit(1)).as("lines"),
                sum(col("qty").multiply(col("unit_price"))).as("spend"),
                max("order_ts").as("last_order_ts"));
    Dataset<Row> events =
        spark
            .read()
            .parquet(data + "/events")
            .drop("dt")
            .dropDuplicates()
            .where(col("event_ts").lt(before))
            .groupBy("cust_id")
            .agg(count(lit(1)).as("events"), max("event_ts").as("last_event_ts"));
    transactions
        .join(events, "cust_id", "full_outer")
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(out);
    return spark.read().parquet(out).count();
  }
}
