package com.customerpath.jobs.personas;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The clustering behind personas: fitted on standardized feature vectors (column {@code features}),
 * it assigns each row a {@code cluster} (0..k-1) and, where the method has a map, its {@code
 * som_row} and {@code som_col}.
 */
public interface PersonaClustering {

  Fitted fit(Dataset<Row> standardized);

  /** A fitted clustering: centroids in standardized space and quality figures. */
  interface Fitted {
    /** Adds cluster, som_row and som_col (null when the method has no map). */
    Dataset<Row> assign(Dataset<Row> standardized);

    double[][] centroids();

    Map<String, Double> quality();
  }

  /** A fitted clustering made of its assignment function, centroids and quality figures. */
  record FittedClustering(
      java.util.function.UnaryOperator<Dataset<Row>> assignment,
      double[][] centroids,
      Map<String, Double> quality)
      implements Fitted {
    @Override
    public Dataset<Row> assign(Dataset<Row> standardized) {
      return assignment.apply(standardized);
    }
  }
}
