package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trim;

import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;

/** Reads the CDNOW files from the shared datasets folder; skips the test if they are absent. */
final class CdnowData {
  /** 39 weeks from 1997-01-01: the calibration period of FHL 2005. */
  static final LocalDate CALIBRATION_END = LocalDate.of(1997, 9, 30);

  static final double WEEK = 7.0;

  private static Dataset<Row> cohortSummary;

  private CdnowData() {}

  /** RfmSummary of CDNOW_sample.txt, computed once per JVM and cached (test classes share it). */
  static synchronized Dataset<Row> cohortSummary(SparkSession spark) {
    if (cohortSummary == null) {
      Dataset<Row> transactions = sampleTransactions(spark);
      cohortSummary = new RfmSummary(CALIBRATION_END, WEEK).transform(transactions).cache();
    }
    return cohortSummary;
  }

  static Path file(String name) {
    Path path = SparkTestSession.sharedDatasets().resolve("cdnow").resolve(name);
    Assumptions.assumeTrue(
        Files.isRegularFile(path),
        "CDNOW file not found, test skipped: "
            + path
            + " (set -Dshared.datasets=... to point at the shared datasets folder)");
    return path;
  }

  /**
   * CDNOW_sample.txt (no header: master id, sample id, yyyymmdd, cds, dollars), keyed by sample id.
   */
  static Dataset<Row> sampleTransactions(SparkSession spark) {
    Dataset<Row> fields = whitespaceFields(spark, file("CDNOW_sample.txt"));
    return transactions(fields, field(2).cast("int").cast("string"), field(3), field(5));
  }

  /** CDNOW_master.txt (header line; customer_id, yyyymmdd, cds, dollars). */
  static Dataset<Row> masterTransactions(SparkSession spark) {
    Dataset<Row> fields =
        whitespaceFields(spark, file("CDNOW_master.txt")).where(field(1).notEqual("customer_id"));
    return transactions(fields, field(1), field(2), field(4));
  }

  /** cdnow_customers_summary.csv as an RfmSummary: customer_id, frequency, recency, age. */
  static Dataset<Row> publishedSummary(SparkSession spark) {
    return spark
        .read()
        .option("header", "true")
        .option("inferSchema", "true")
        .csv(file("cdnow_customers_summary.csv").toString())
        .select(
            col("ID").cast("string").as(RfmSummary.CUSTOMER_ID),
            col("frequency").cast("double").as(RfmSummary.FREQUENCY),
            col("recency").cast("double").as(RfmSummary.RECENCY),
            col("T").cast("double").as(RfmSummary.AGE));
  }

  private static Dataset<Row> whitespaceFields(SparkSession spark, Path path) {
    return spark
        .read()
        .text(path.toString())
        .where(trim(col("value")).notEqual(""))
        .select(split(trim(col("value")), "\\s+").as("f"));
  }

  private static Column field(int oneBased) {
    return element_at(col("f"), oneBased);
  }

  private static Dataset<Row> transactions(
      Dataset<Row> fields, Column id, Column yyyymmdd, Column dollars) {
    return fields.select(
        id.as(RfmSummary.CUSTOMER_ID),
        to_date(yyyymmdd, "yyyyMMdd").cast("timestamp").as(RfmSummary.TS),
        dollars.cast("double").as(RfmSummary.AMOUNT));
  }
}
