package com.customerpath.jobs.personas;

import com.customerpath.common.personas.SomKMeans;
import com.customerpath.common.personas.SomKMeansModel;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code som-kmeans} persona clustering: the {@link SomKMeans} estimator (a self-organizing
 * map, then k-means on its weighted codebook, k chosen by index) behind {@link PersonaClustering}.
 * The estimator reads {@link PersonaBuilder#FEATURES} and writes {@code cluster}, {@code som_row}
 * and {@code som_col}, its default columns.
 */
public final class SomKMeansClustering implements PersonaClustering {
  private final SomKMeans estimator;

  /** Checks the params together (k range, map size) now, before a night's work. */
  public SomKMeansClustering(SomKMeans estimator) {
    estimator.validateParams();
    this.estimator = estimator.copy(ParamMap.empty()).setFeaturesCol(PersonaBuilder.FEATURES);
  }

  @Override
  public Fitted fit(Dataset<Row> standardized) {
    return new Model(estimator.fit(standardized));
  }

  /** The fitted {@link SomKMeansModel} as a {@link PersonaClustering.Fitted}. */
  record Model(SomKMeansModel model) implements Fitted {

    @Override
    public Dataset<Row> assign(Dataset<Row> standardized) {
      return model.transform(standardized);
    }

    @Override
    public double[][] centroids() {
      return model.centroids();
    }

    @Override
    public Map<String, Double> quality() {
      return model.quality();
    }

    @Override
    public void store(Properties p, String prefix) {
      model.store(p, prefix);
    }

    static Model restore(Properties p, String prefix) {
      return new Model(SomKMeansModel.restore(p, prefix));
    }
  }
}
