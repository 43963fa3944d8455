package com.customerpath.jobs.personas;

import com.customerpath.common.personas.AdjustedRandIndex;
import com.customerpath.common.personas.ClusterQuality;
import com.customerpath.common.personas.KSelection;
import com.customerpath.common.personas.PersonaModelFile;
import com.customerpath.common.personas.WeightedKMeans;
import com.customerpath.common.som.SelfOrganizingMap;
import com.customerpath.common.som.SelfOrganizingMapModel;
import com.customerpath.common.som.SelfOrganizingMapSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-stage method of Vesanto and Alhoniemi (IEEE TNN 2000): a self-organizing map summarises
 * the customers in a small codebook, then k-means clusters the codebook, each unit weighted by the
 * customers it holds, for every k of a range; the k with the best score on the codebook wins
 * (silhouette: highest; Davies-Bouldin: lowest). A customer's persona is the cluster of its
 * best-matching unit.
 *
 * <p>Only the map is trained in Spark. The codebook (at most rows x cols vectors) and its hit
 * counts (from the map's last training pass) are on the driver, so the k-means of every k, the
 * merging of clusters under the minimum share, the indices and the bootstrap stability are computed
 * there: no Spark job per k.
 */
public final class SomKMeansClustering implements PersonaClustering {
  private static final Logger LOG = LoggerFactory.getLogger(SomKMeansClustering.class);
  private static final int RESTARTS = 10;

  /** The SOM's and the codebook clustering's settings. */
  public record Config(
      int gridRows,
      int gridCols,
      String topology,
      int epochs,
      int kMin,
      int kMax,
      KSelection.Criterion kSelection,
      int kmeansMaxIter,
      long seed,
      double minShare,
      int stabilityResamples) {}

  private final Config config;

  public SomKMeansClustering(Config config) {
    if (config.kMin() > config.kMax()) {
      throw new IllegalArgumentException(
          "Cannot cluster the SOM codebook: k-min "
              + config.kMin()
              + " is above k-max "
              + config.kMax());
    }
    if (config.kMax() >= config.gridRows() * config.gridCols()) {
      throw new IllegalArgumentException(
          "Cannot cluster the SOM codebook: k-max "
              + config.kMax()
              + " needs more units than the "
              + config.gridRows()
              + "x"
              + config.gridCols()
              + " map has");
    }
    this.config = config;
  }

  @Override
  public Fitted fit(Dataset<Row> standardized) {
    SparkSession spark = standardized.sparkSession();
    SelfOrganizingMapModel som =
        new SelfOrganizingMap()
            .setGridRows(config.gridRows())
            .setGridCols(config.gridCols())
            .setTopology(config.topology())
            .setMaxIter(config.epochs())
            .setSeed(config.seed())
            .setFeaturesCol(PersonaBuilder.FEATURES)
            .fit(standardized);
    SelfOrganizingMapSummary summary = som.summary();
    long[] hits = summary.hitCounts();
    Vector[] codebook = som.codebookVectors();
    List<Integer> used = new ArrayList<>();
    for (int u = 0; u < codebook.length; u++) {
      if (hits[u] > 0) { // an empty unit represents nobody
        used.add(u);
      }
    }
    double[][] points = new double[used.size()][];
    double[] weights = new double[used.size()];
    for (int i = 0; i < used.size(); i++) {
      points[i] = codebook[used.get(i)].toArray();
      weights[i] = hits[used.get(i)];
    }

    Map<String, Double> quality = new LinkedHashMap<>();
    quality.put("som_quantization_error", summary.lastEpoch().quantizationError());
    quality.put("som_topographic_error", summary.lastEpoch().topographicError());
    quality.put("som_units_used", (double) used.size());
    quality.put("som_epochs", (double) summary.history().size());

    KSelection.Criterion criterion = config.kSelection();
    int kMax = Math.min(config.kMax(), used.size() - 1);
    int kMin = Math.min(config.kMin(), kMax);
    KSelection.Choice<WeightedKMeans.Result> choice =
        KSelection.choose(
            kMin,
            kMax,
            criterion,
            k -> cluster(points, weights, k, config.seed()),
            c -> score(criterion, points, weights, c));
    String key = criterion.key().replace('-', '_');
    choice
        .scores()
        .forEach(
            (k, s) -> {
              quality.put("personas_k" + k + "_" + key, s);
              LOG.info(
                  "  codebook k-means k={} {}={}",
                  k,
                  criterion.key(),
                  String.format(Locale.ROOT, "%.4f", s));
            });
    WeightedKMeans.Result chosen = choice.chosen();
    quality.put("personas_k_tried_selected", (double) choice.k());
    quality.put("personas_k_selected", (double) chosen.k());
    quality.put(
        "personas_codebook_silhouette",
        ClusterQuality.silhouette(points, weights, chosen.labels(), chosen.k()).overall());
    if (config.stabilityResamples() > 0) {
      quality.put("personas_stability_ari", stability(points, weights, chosen, choice.k()));
    }

    double[][] centroids = chosen.centers();
    int[] clusterOfUnit = new int[codebook.length];
    for (int u = 0; u < codebook.length; u++) {
      // Empty units too, for customers who map there tonight (contexts) or tomorrow.
      clusterOfUnit[u] =
          hits[u] > 0
              ? chosen.labels()[used.indexOf(u)]
              : WeightedKMeans.nearest(codebook[u].toArray(), centroids);
    }
    return new Model(som, clusterOfUnit, centroids, quality);
  }

  static final String METHOD = "som-kmeans";

  /** The fitted map and the cluster of each of its units (empty units: the nearest centroid's). */
  record Model(
      SelfOrganizingMapModel som,
      int[] clusterOfUnit,
      double[][] centroids,
      Map<String, Double> quality)
      implements Fitted {

    @Override
    public Dataset<Row> assign(Dataset<Row> standardized) {
      SparkSession spark = standardized.sparkSession();
      List<Row> mapping = new ArrayList<>();
      for (int u = 0; u < clusterOfUnit.length; u++) {
        mapping.add(RowFactory.create(u, clusterOfUnit[u], som.unitRow(u), som.unitCol(u)));
      }
      Dataset<Row> unitToCluster =
          spark.createDataFrame(
              mapping,
              new StructType()
                  .add("_unit", DataTypes.IntegerType)
                  .add("cluster", DataTypes.IntegerType)
                  .add("som_row", DataTypes.IntegerType)
                  .add("som_col", DataTypes.IntegerType));
      SelfOrganizingMapModel mapper =
          som.copy(new org.apache.spark.ml.param.ParamMap())
              .setFeaturesCol(PersonaBuilder.FEATURES)
              .setPredictionCol("_unit")
              .setBmuRowCol("_bmu_row")
              .setBmuColCol("_bmu_col")
              .setDistanceCol("_bmu_distance");
      return mapper
          .transform(standardized)
          .join(functions.broadcast(unitToCluster), "_unit")
          .drop("_unit", "_bmu_row", "_bmu_col", "_bmu_distance");
    }

    @Override
    public void store(java.util.Properties p, String prefix) {
      p.setProperty(prefix + "method", METHOD);
      som.store(p, prefix + "som.");
      p.setProperty(prefix + "cluster_of_unit", PersonaModelFile.ints(clusterOfUnit));
      PersonaModelFile.putRows(p, prefix + "centroids", centroids);
      PersonaClustering.storeQuality(p, prefix, quality);
    }

    static Model restore(java.util.Properties p, String prefix) {
      return new Model(
          SelfOrganizingMapModel.restore(p, prefix + "som."),
          PersonaModelFile.ints(p.getProperty(prefix + "cluster_of_unit")),
          PersonaModelFile.rows(p, prefix + "centroids"),
          PersonaClustering.restoreQuality(p, prefix));
    }
  }

  /**
   * k-means of the weighted codebook, then clusters under the minimum share merged into their
   * nearest.
   */
  private WeightedKMeans.Result cluster(double[][] points, double[] weights, int k, long seed) {
    WeightedKMeans.Result raw =
        new WeightedKMeans(k, config.kmeansMaxIter(), RESTARTS, seed).fit(points, weights);
    return ClusterQuality.mergeSmall(points, weights, raw, config.minShare());
  }

  private static double score(
      KSelection.Criterion criterion,
      double[][] points,
      double[] weights,
      WeightedKMeans.Result c) {
    if (c.k() < 2) { // everything merged into one cluster: no separation to score
      return Double.NaN;
    }
    return criterion == KSelection.Criterion.SILHOUETTE
        ? ClusterQuality.silhouette(points, weights, c.labels(), c.k()).overall()
        : ClusterQuality.daviesBouldin(points, weights, c.labels(), c.centers());
  }

  /**
   * Mean adjusted Rand index between the chosen clustering and refits on bootstrap resamples of the
   * customers (each unit's weight drawn from Poisson(hits)), counted over the customers. It
   * measures the codebook clustering's stability; the map itself is not refitted.
   */
  private double stability(
      double[][] points, double[] weights, WeightedKMeans.Result chosen, int k) {
    Random random = new Random(config.seed() + 1);
    double sum = 0;
    for (int b = 0; b < config.stabilityResamples(); b++) {
      double[] resampled = new double[weights.length];
      int positive = 0;
      for (int i = 0; i < weights.length; i++) {
        resampled[i] = poisson(weights[i], random);
        positive += resampled[i] > 0 ? 1 : 0;
      }
      if (positive <= k) {
        resampled = weights.clone();
      }
      WeightedKMeans.Result refit = cluster(points, resampled, k, config.seed() + 1 + b);
      double[][] table = new double[chosen.k()][refit.k()];
      for (int i = 0; i < points.length; i++) {
        table[chosen.labels()[i]][refit.labels()[i]] += weights[i];
      }
      sum += AdjustedRandIndex.ofContingency(table);
    }
    return sum / config.stabilityResamples();
  }

  /** A Poisson(lambda) draw: Knuth's method for small lambda, the normal approximation above 50. */
  static double poisson(double lambda, Random random) {
    if (lambda > 50) {
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * random.nextGaussian()));
    }
    double limit = Math.exp(-lambda);
    double p = 1;
    int n = -1;
    do {
      n++;
      p *= random.nextDouble();
    } while (p > limit);
    return n;
  }
}
