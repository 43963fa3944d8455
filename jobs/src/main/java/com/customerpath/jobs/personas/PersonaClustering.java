package com.customerpath.jobs.personas;

import com.customerpath.common.personas.PersonaModelFile;
import com.customerpath.common.personas.SomKMeansModel;
import java.util.Map;
import java.util.Properties;
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

    /**
     * Writes what {@link #assign} needs as properties under the prefix, for {@link
     * PersonaClustering#restore}: the model is kept between nights without a Spark job.
     */
    void store(Properties p, String prefix);
  }

  /** The fitted clustering {@link Fitted#store} wrote. */
  static Fitted restore(Properties p, String prefix) {
    String method = p.getProperty(prefix + "method");
    return switch (method) {
      case SomKMeansModel.METHOD -> SomKMeansClustering.Model.restore(p, prefix);
      case KMeansClustering.METHOD -> KMeansClustering.Model.restore(p, prefix);
      default ->
          throw new IllegalStateException("Unknown stored persona clustering '" + method + "'");
    };
  }

  /** Quality figures of the fit as properties (metric.<name>). */
  static void storeQuality(Properties p, String prefix, Map<String, Double> quality) {
    PersonaModelFile.putMetrics(p, prefix, quality);
  }

  static Map<String, Double> restoreQuality(Properties p, String prefix) {
    return PersonaModelFile.metrics(p, prefix);
  }
}
