package com.customerpath.jobs.personas;

import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.Arrays;
import java.util.Map;

/** MLlib k-means on the standardized features: the first-version persona clustering. */
public final class KMeansClustering implements PersonaClustering {
  private final int k;
  private final int maxIter;
  private final long seed;

  public KMeansClustering(int k, int maxIter, long seed) {
    this.k = k;
    this.maxIter = maxIter;
    this.seed = seed;
  }

  @Override
  public Fitted fit(Dataset<Row> standardized) {
    KMeansModel model = new KMeans().setK(k).setMaxIter(maxIter).setSeed(seed)
        .setFeaturesCol("features").setPredictionCol("cluster").fit(standardized);
    double[][] centroids = Arrays.stream(model.clusterCenters()).map(Vector::toArray).toArray(double[][]::new);
    return new Fitted() {
      @Override
      public Dataset<Row> assign(Dataset<Row> rows) {
        return model.transform(rows)
            .withColumn("som_row", functions.lit(null).cast("int"))
            .withColumn("som_col", functions.lit(null).cast("int"));
      }

      @Override
      public double[][] centroids() {
        return centroids;
      }

      @Override
      public Map<String, Double> quality() {
        return Map.of("kmeans_iterations", (double) model.summary().numIter());
      }
    };
  }
}
