package com.customerpath.common.features;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.PipelineSettings.ExternalDatasetSettings;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.io.SourceReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
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
    Optional<Dataset<Row>> products = optional(settings, "products", curated);
    Optional<Dataset<Row>> customers = optional(settings, "customers", curated);
    List<ExternalTable> external = new ArrayList<>();
    for (ExternalDatasetSettings ext : settings.external()) {
      Dataset<Row> rows =
          SourceReader.readTable(
              spark, "external." + ext.name(), ext.path(), ext.format(), ext.options());
      ExternalTable table = new ExternalTable(ext, rows, runDate);
      table.checkUniqueKeys(); // a non-unique key without a pick rule is an error naming an example
      external.add(table);
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
