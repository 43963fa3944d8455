package com.customerpath.jobs.runtime;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a step needs: the run's date, its settings, the session, the output tables and the process
 * environment (secrets such as the pseudonymisation key come from there, never from config).
 */
public record JobContext(
    LocalDate date,
    PipelineSettings settings,
    SparkSession spark,
    Tables tables,
    Function<String, String> environment) {
  public JobContext(LocalDate date, PipelineSettings settings, SparkSession spark) {
    this(date, settings, spark, new Tables(spark, settings.outputRoot()));
  }

  public JobContext(LocalDate date, PipelineSettings settings, SparkSession spark, Tables tables) {
    this(date, settings, spark, tables, System::getenv);
  }

  /**
   * Keeps each external dataset's checked rows for the rest of the run (under a key that is not a
   * table: nothing writes it), so the features and journey steps read and check it once.
   */
  public BiFunction<String, Supplier<Dataset<Row>>, Dataset<Row>> keptExternals() {
    return (name, read) -> tables.kept("external/" + name, date.toString(), read);
  }

  /** The same context with another environment (tests set a key without touching the process). */
  public JobContext withEnvironment(Function<String, String> environment) {
    return new JobContext(date, settings, spark, tables, environment);
  }
}
