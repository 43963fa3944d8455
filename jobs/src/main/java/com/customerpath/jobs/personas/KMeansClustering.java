package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.personas.ClusterQuality;
import com.customerpath.common.personas.KSelection;
import com.customerpath.common.personas.PersonaModelFile;
import com.customerpath.common.personas.WeightedKMeans;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * MLlib k-means on every customer's feature vector, k chosen in a range by the silhouette (or
 * Davies-Bouldin index) of a sample: the simpler alternative to SOM + k-means. Clusters under the
 * minimum share are merged into the nearest one, as for the codebook.
 */
public final class KMeansClustering implements PersonaClustering {
  private static final int SCORE_SAMPLE = 20_000;
  private final int kMin;
  private final int kMax;
  private final KSelection.Criterion criterion;
  private final int maxIter;
  private final long seed;
  private final double minShare;

  public KMeansClustering(
      int kMin,
      int kMax,
      KSelection.Criterion kSelection,
      int maxIter,
      long seed,
      double minShare) {
    this.kMin = kMin;
    this.kMax = kMax;
    this.criterion = kSelection;
    this.maxIter = maxIter;
    this.seed = seed;
    this.minShare = minShare;
  }

  /**
   * A fitted MLlib model with its clusters merged: merged cluster of each model cluster, merged
   * centers.
   */
  private record Candidate(KMeansModel model, int[] mergedOf, double[][] centers) {
    Dataset<Row> assign(Dataset<Row> rows) {
      int[] map = mergedOf;
      return model
          .transform(rows)
          .withColumn(
              "cluster",
              functions
                  .udf((UDF1<Integer, Integer>) c -> map[c], DataTypes.IntegerType)
                  .apply(col("_kmeans")));
    }
  }

  @Override
  public Fitted fit(Dataset<Row> standardized) {
    long n = standardized.count();
    Dataset<Row> sample =
        n > SCORE_SAMPLE
            ? standardized.sample(false, (double) SCORE_SAMPLE / n, seed)
            : standardized;
    KSelection.Choice<Candidate> choice =
        KSelection.choose(
            kMin,
            kMax,
            criterion,
            k -> {
              KMeansModel model =
                  new KMeans()
                      .setK(k)
                      .setMaxIter(maxIter)
                      .setSeed(seed)
                      .setFeaturesCol(PersonaBuilder.FEATURES)
                      .setPredictionCol("_kmeans")
                      .fit(standardized);
              double[][] centers =
                  Arrays.stream(model.clusterCenters())
                      .map(Vector::toArray)
                      .toArray(double[][]::new);
              double[] sizes =
                  Arrays.stream(model.summary().clusterSizes()).asDoubleStream().toArray();
              int[] identity = new int[centers.length];
              Arrays.setAll(identity, i -> i);
              WeightedKMeans.Result merged =
                  ClusterQuality.mergeSmall(
                      centers, sizes, new WeightedKMeans.Result(identity, centers, 0), minShare);
              return new Candidate(model, merged.labels(), merged.centers());
            },
            c -> score(criterion, c.assign(sample), c.centers()));
    Map<String, Double> quality = new LinkedHashMap<>();
    String key = criterion.key().replace('-', '_');
    choice.scores().forEach((k, s) -> quality.put("personas_k" + k + "_" + key, s));
    Candidate chosen = choice.chosen();
    quality.put("personas_k_tried_selected", (double) choice.k());
    quality.put("personas_k_selected", (double) chosen.centers().length);
    return new Model(chosen.model(), chosen.mergedOf(), chosen.centers(), quality);
  }

  static final String METHOD = "kmeans";

  /** The fitted MLlib model, the merged cluster of each of its clusters and the merged centers. */
  record Model(KMeansModel model, int[] mergedOf, double[][] centroids, Map<String, Double> quality)
      implements Fitted {
    @Override
    public Dataset<Row> assign(Dataset<Row> standardized) {
      return new Candidate(model, mergedOf, centroids)
          .assign(standardized)
          .drop("_kmeans")
          .withColumn("som_row", functions.lit(null).cast("int"))
          .withColumn("som_col", functions.lit(null).cast("int"));
    }

    @Override
    public void store(java.util.Properties p, String prefix) {
      p.setProperty(prefix + "method", METHOD);
      PersonaModelFile.putRows(
          p,
          prefix + "kmeans.centers",
          Arrays.stream(model.clusterCenters()).map(Vector::toArray).toArray(double[][]::new));
      p.setProperty(prefix + "merged_of", PersonaModelFile.ints(mergedOf));
      PersonaModelFile.putRows(p, prefix + "centroids", centroids);
      PersonaClustering.storeQuality(p, prefix, quality);
    }

    static Model restore(java.util.Properties p, String prefix) {
      org.apache.spark.mllib.linalg.Vector[] centers =
          Arrays.stream(PersonaModelFile.rows(p, prefix + "kmeans.centers"))
              .map(org.apache.spark.mllib.linalg.Vectors::dense)
              .toArray(org.apache.spark.mllib.linalg.Vector[]::new);
      KMeansModel model =
          new KMeansModel(
                  org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("kmeans"),
                  new org.apache.spark.mllib.clustering.KMeansModel(centers))
              .setFeaturesCol(PersonaBuilder.FEATURES)
              .setPredictionCol("_kmeans");
      return new Model(
          model,
          PersonaModelFile.ints(p.getProperty(prefix + "merged_of")),
          PersonaModelFile.rows(p, prefix + "centroids"),
          PersonaClustering.restoreQuality(p, prefix));
    }
  }

  private static double score(
      KSelection.Criterion criterion, Dataset<Row> labelled, double[][] centers) {
    if (centers.length < 2) {
      return Double.NaN;
    }
    if (criterion == KSelection.Criterion.SILHOUETTE) {
      return CustomerSilhouette.of(labelled).overall();
    }
    // Davies-Bouldin from each cluster's mean distance to its center (one aggregation).
    Dataset<Row> withDistance = PersonaBuilder.withDistance(labelled, centers);
    List<Row> rows =
        withDistance
            .groupBy("cluster")
            .agg(functions.avg("distance"), functions.count(functions.lit(1)))
            .collectAsList();
    double[] scatter = new double[centers.length];
    for (Row r : rows) {
      scatter[r.getInt(0)] = r.getDouble(1);
    }
    double sum = 0;
    for (int i = 0; i < centers.length; i++) {
      double worst = 0;
      for (int j = 0; j < centers.length; j++) {
        if (i != j) {
          worst =
              Math.max(
                  worst,
                  (scatter[i] + scatter[j])
                      / Math.sqrt(WeightedKMeans.squaredDistance(centers[i], centers[j])));
        }
      }
      sum += worst;
    }
    return sum / centers.length;
  }
}
