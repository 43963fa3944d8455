package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Recency-frequency-monetary summary of a calibration period, in the buy-till-you-die convention
 * used for CDNOW (Fader, Hardie and Lee 2005).
 *
 * <p>Input columns: {@code customer_id} (string), {@code ts} (timestamp), {@code amount} (double).
 * Purchases are first aggregated per calendar day (of the session time zone): several orders on one
 * day count as one purchase whose value is their sum. Only days on or before the inclusive
 * calibration end are used, and only customers whose first purchase falls in that window appear.
 *
 * <p>Output columns, one row per customer:
 *
 * <ul>
 *   <li>{@code customer_id}
 *   <li>{@code frequency} x: distinct purchase days minus one (repeat purchases), double
 *   <li>{@code recency} t_x: last purchase day minus first, in units
 *   <li>{@code age} T: calibration end minus first purchase day, in units (CDNOW: 39 weeks ending
 *       1997-09-30 gives T = 272/7 = 38.857 for a customer first seen 1997-01-01)
 *   <li>{@code monetary}: mean value of the repeat purchase days (first day excluded), 0 if x = 0
 * </ul>
 */
public final class RfmSummary {
  public static final String CUSTOMER_ID = "customer_id";
  public static final String TS = "ts";
  public static final String AMOUNT = "amount";
  public static final String FREQUENCY = "frequency";
  public static final String RECENCY = "recency";
  public static final String AGE = "age";
  public static final String MONETARY = "monetary";

  private final LocalDate calibrationEnd;
  private final double unitDays;

  /**
   * @param calibrationEnd last day (inclusive) of the calibration period
   * @param unitDays length of one time unit in days (7 for weeks)
   */
  public RfmSummary(LocalDate calibrationEnd, double unitDays) {
    this.calibrationEnd = Objects.requireNonNull(calibrationEnd, "calibrationEnd");
    if (!(unitDays > 0) || Double.isInfinite(unitDays)) {
      throw new IllegalArgumentException("unitDays must be a positive number, got " + unitDays);
    }
    this.unitDays = unitDays;
  }

  public LocalDate calibrationEnd() {
    return calibrationEnd;
  }

  public double unitDays() {
    return unitDays;
  }

  public Dataset<Row> transform(Dataset<Row> transactions) {
    List<String> columns = List.of(transactions.columns());
    for (String required : List.of(CUSTOMER_ID, TS, AMOUNT)) {
      if (!columns.contains(required)) {
        throw new IllegalArgumentException(
            "RfmSummary needs column '" + required + "'; the input has " + columns);
      }
    }
    Column end = lit(java.sql.Date.valueOf(calibrationEnd));
    Dataset<Row> purchaseDays =
        transactions
            .where(col(CUSTOMER_ID).isNotNull().and(col(TS).isNotNull()))
            .withColumn("day", to_date(col(TS)))
            .where(col("day").leq(end))
            .groupBy(col(CUSTOMER_ID), col("day"))
            .agg(sum(col(AMOUNT).cast("double")).as("day_amount"));

    Dataset<Row> perCustomer =
        purchaseDays
            .groupBy(col(CUSTOMER_ID))
            .agg(
                min("day").as("first_day"),
                max("day").as("last_day"),
                count(lit(1)).as("purchase_days"),
                sum("day_amount").as("total_amount"),
                min_by(col("day_amount"), col("day")).as("first_day_amount"));

    Column repeatDays = col("purchase_days").minus(1);
    return perCustomer.select(
        col(CUSTOMER_ID),
        repeatDays.cast("double").as(FREQUENCY),
        datediff(col("last_day"), col("first_day")).divide(unitDays).as(RECENCY),
        datediff(end, col("first_day")).divide(unitDays).as(AGE),
        when(
                repeatDays.gt(0),
                col("total_amount").minus(col("first_day_amount")).divide(repeatDays))
            .otherwise(lit(0.0))
            .as(MONETARY));
  }
}
