package com.customerpath.jobs.runtime;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;

/** What a step needs: the run's date, its settings, the session and the output tables. */
public record JobContext(
    LocalDate date, PipelineSettings settings, SparkSession spark, Tables tables) {
  public JobContext(LocalDate date, PipelineSettings settings, SparkSession spark) {
    this(date, settings, spark, new Tables(spark, settings.outputRoot()));
  }
}
