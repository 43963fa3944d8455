package com.customerpath.common.features;

import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.io.SourceReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The inputs of the feature computation: curated transactions, products and customers (when
 * configured) and the external datasets. Shared by the features and journey steps; the caller says
 * how a curated source is read (a source name in, its rows out).
 */
public final class FeatureInputs {
  private FeatureInputs() {}

  public static CustomerFeatures.Inputs assemble(
      SparkSession spark,
      PipelineSettings settings,
      java.time.LocalDate runDate,
      Function<String, Dataset<Row>> curated) {
    return assemble(spark, settings, runDate, curated, (name, read) -> read.get());
  }

  /**
   * As above; keep(name, read) gives an external dataset's rows, read and checked by read, and may
   * keep them for the rest of a run ({@code Tables.kept}): the features and journey steps of a
   * night then read and check each external dataset once.
   */
  public static CustomerFeatures.Inputs assemble(
      SparkSession spark,
      PipelineSettings settings,
      java.time.LocalDate runDate,
      Function<String, Dataset<Row>> curated,
      BiFunction<String, Supplier<Dataset<Row>>, Dataset<Row>> keep) {
    Optional<Dataset<Row>> products = optional(settings, "products", curated);
    Optional<Dataset<Row>> customers = optional(settings, "customers", curated);
    List<ExternalTable> external = new ArrayList<>();
    for (ExternalDatasetSettings ext : settings.external()) {
      Dataset<Row> rows =
          keep.apply(
              ext.name(),
              () -> {
                Dataset<Row> read =
                    SourceReader.readTable(
                        spark, "external." + ext.name(), ext.path(), ext.format(), ext.options());
                // A non-unique key without a pick rule is an error naming an example.
                new ExternalTable(ext, read, runDate).checkUniqueKeys();
                return read;
              });
      external.add(new ExternalTable(ext, rows, runDate));
    }
    return new CustomerFeatures.Inputs(
        curated.apply("transactions"), products, customers, external);
  }

  private static Optional<Dataset<Row>> optional(
      PipelineSettings settings, String source, Function<String, Dataset<Row>> curated) {
    if (!settings.input(source).configured()) {
      return Optional.empty();
    }
    return Optional.of(curated.apply(source));
  }
}
