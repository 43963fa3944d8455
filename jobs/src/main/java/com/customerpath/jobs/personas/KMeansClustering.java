package com.customerpath.jobs.personas;

import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MLlib k-means on every customer's standardized features, k chosen in a range by the
 * silhouette (or Davies-Bouldin) of a sample: the simpler alternative to SOM + k-means.
 */
public final class KMeansClustering implements PersonaClustering {
  private static final int SCORE_SAMPLE = 20_000;
  private final int kMin;
  private final int kMax;
  private final String kSelection;
  private final int maxIter;
  private final long seed;

  public KMeansClustering(int kMin, int kMax, String kSelection, int maxIter, long seed) {
    this.kMin = kMin;
    this.kMax = kMax;
    this.kSelection = kSelection;
    this.maxIter = maxIter;
    this.seed = seed;
  }

  @Override
  public Fitted fit(Dataset<Row> standardized) {
    long n = standardized.count();
    Dataset<Row> sample = n > SCORE_SAMPLE ? standardized.sample(false, (double) SCORE_SAMPLE / n, seed) : standardized;
    Map<String, Double> quality = new LinkedHashMap<>();
    KMeansModel best = null;
    double bestScore = Double.NaN;
    for (int k = kMin; k <= kMax; k++) {
      KMeansModel model = new KMeans().setK(k).setMaxIter(maxIter).setSeed(seed)
          .setFeaturesCol(PersonaBuilder.FEATURES).setPredictionCol("cluster").fit(standardized);
      Dataset<Row> labelled = model.transform(sample).withColumn("weight", functions.lit(1.0));
      double score = kSelection.equals("silhouette")
          ? new ClusteringEvaluator().setFeaturesCol(PersonaBuilder.FEATURES).setPredictionCol("cluster")
              .setMetricName("silhouette").evaluate(labelled)
          : SomKMeansClustering.daviesBouldin(labelled, model.clusterCenters());
      quality.put("personas_k" + k + "_" + kSelection.replace('-', '_'), score);
      boolean better = kSelection.equals("silhouette") ? score > bestScore : score < bestScore;
      if (best == null || better) {
        best = model;
        bestScore = score;
      }
    }
    quality.put("personas_k_selected", (double) best.getK());
    KMeansModel chosen = best;
    double[][] centroids = Arrays.stream(chosen.clusterCenters()).map(Vector::toArray).toArray(double[][]::new);
    return new FittedClustering(rows -> chosen.transform(rows)
        .withColumn("som_row", functions.lit(null).cast("int"))
        .withColumn("som_col", functions.lit(null).cast("int")), centroids, quality);
  }
}
