package com.customerpath.common.personas;

import com.customerpath.common.som.SelfOrganizingMap;
import com.customerpath.common.som.SelfOrganizingMapModel;
import com.customerpath.common.som.SelfOrganizingMapSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persona clustering by the two-stage method of Vesanto and Alhoniemi (IEEE TNN 2000) as a Spark ML
 * estimator: a {@link SelfOrganizingMap} summarises the rows in a small codebook, then k-means
 * clusters the codebook, each unit weighted by the rows it holds, for every k of [kMin, kMax]; the
 * k with the best score on the codebook wins (silhouette: highest; Davies-Bouldin: lowest). A row's
 * cluster is the cluster of its best-matching unit.
 *
 * <p>Only the map is trained in Spark. The codebook (at most gridRows x gridCols vectors) and its
 * hit counts (from the map's last training pass) are on the driver, so the k-means of every k
 * ({@link WeightedKMeans}, best of {@value #RESTARTS} seeded restarts), the merging of clusters
 * under the minimum share, the indices and the bootstrap stability are computed there: no Spark job
 * per k.
 */
public final class SomKMeans extends Estimator<SomKMeansModel>
    implements SomKMeansParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SomKMeans.class);

  /** Seeded restarts of each codebook k-means; the lowest inertia wins. */
  static final int RESTARTS = 10;

  private final String uid;
  private final SomKMeansParamSet params;

  public SomKMeans(String uid) {
    this.uid = uid;
    this.params = new SomKMeansParamSet(this);
    params.applyDefaults(this);
  }

  public SomKMeans() {
    this(Identifiable$.MODULE$.randomUID("somKMeans"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public SomKMeansParamSet somKMeansParams() {
    return params;
  }

  public SomKMeans setFeaturesCol(String value) {
    setChecked(featuresCol(), value);
    return this;
  }

  public SomKMeans setPredictionCol(String value) {
    setChecked(predictionCol(), value);
    return this;
  }

  public SomKMeans setSomRowCol(String value) {
    setChecked(somRowCol(), value);
    return this;
  }

  public SomKMeans setSomColCol(String value) {
    setChecked(somColCol(), value);
    return this;
  }

  public SomKMeans setGridRows(int value) {
    setChecked(gridRows(), value);
    return this;
  }

  public SomKMeans setGridCols(int value) {
    setChecked(gridCols(), value);
    return this;
  }

  public SomKMeans setTopology(String value) {
    setChecked(topology(), value);
    return this;
  }

  /** Epochs of the map. */
  public SomKMeans setMaxIter(int value) {
    setChecked(maxIter(), value);
    return this;
  }

  public SomKMeans setSeed(long value) {
    setChecked(seed(), value);
    return this;
  }

  public SomKMeans setKMin(int value) {
    setChecked(kMin(), value);
    return this;
  }

  public SomKMeans setKMax(int value) {
    setChecked(kMax(), value);
    return this;
  }

  /** The criterion's config spelling: silhouette or davies-bouldin. */
  public SomKMeans setKSelection(String value) {
    setChecked(kSelection(), value);
    return this;
  }

  public SomKMeans setKSelection(KSelection.Criterion value) {
    return setKSelection(value.key());
  }

  public SomKMeans setKmeansMaxIter(int value) {
    setChecked(kmeansMaxIter(), value);
    return this;
  }

  public SomKMeans setMinShare(double value) {
    setChecked(minShare(), value);
    return this;
  }

  public SomKMeans setStabilityResamples(int value) {
    setChecked(stabilityResamples(), value);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    validateParams();
    return validateAndTransformSchema(schema);
  }

  @Override
  public SomKMeans copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public SomKMeansModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    SelfOrganizingMapModel som =
        new SelfOrganizingMap()
            .setGridRows(getGridRows())
            .setGridCols(getGridCols())
            .setTopology(getTopology())
            .setMaxIter(getMaxIter())
            .setSeed(getSeed())
            .setFeaturesCol(getFeaturesCol())
            .fit(dataset);
    SelfOrganizingMapSummary somSummary = som.summary();
    long[] hits = somSummary.hitCounts();
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
    quality.put("som_quantization_error", somSummary.lastEpoch().quantizationError());
    quality.put("som_topographic_error", somSummary.lastEpoch().topographicError());
    quality.put("som_units_used", (double) used.size());
    quality.put("som_epochs", (double) somSummary.history().size());

    KSelection.Criterion criterion = kSelectionCriterion();
    int kMax = Math.min(getKMax(), used.size() - 1);
    int kMin = Math.min(getKMin(), kMax);
    KSelection.Choice<WeightedKMeans.Result> choice =
        KSelection.choose(
            kMin,
            kMax,
            criterion,
            k -> cluster(points, weights, k, getSeed()),
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
    if (getStabilityResamples() > 0) {
      quality.put("personas_stability_ari", stability(points, weights, chosen, choice.k()));
    }

    double[][] centroids = chosen.centers();
    int[] clusterOfUnit = new int[codebook.length];
    for (int u = 0; u < codebook.length; u++) {
      // Empty units too, for rows that map there later (contexts, the nights after).
      clusterOfUnit[u] =
          hits[u] > 0
              ? chosen.labels()[used.indexOf(u)]
              : WeightedKMeans.nearest(codebook[u].toArray(), centroids);
    }
    SomKMeansModel model =
        new SomKMeansModel(
            uid,
            som,
            clusterOfUnit,
            centroids,
            quality,
            new SomKMeansSummary(somSummary, choice.k(), chosen.k(), choice.scores(), quality));
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  /**
   * k-means of the weighted codebook, then clusters under the minimum share merged into their
   * nearest.
   */
  private WeightedKMeans.Result cluster(double[][] points, double[] weights, int k, long seed) {
    WeightedKMeans.Result raw =
        new WeightedKMeans(k, getKmeansMaxIter(), RESTARTS, seed).fit(points, weights);
    return ClusterQuality.mergeSmall(points, weights, raw, getMinShare());
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
   * rows (each unit's weight drawn from Poisson(hits)), counted over the rows. It measures the
   * codebook clustering's stability; the map itself is not refitted.
   */
  private double stability(
      double[][] points, double[] weights, WeightedKMeans.Result chosen, int k) {
    long seed = getSeed();
    int resamples = getStabilityResamples();
    Random random = new Random(seed + 1);
    double sum = 0;
    for (int b = 0; b < resamples; b++) {
      double[] resampled = new double[weights.length];
      int positive = 0;
      for (int i = 0; i < weights.length; i++) {
        resampled[i] = poisson(weights[i], random);
        positive += resampled[i] > 0 ? 1 : 0;
      }
      if (positive <= k) {
        resampled = weights.clone();
      }
      WeightedKMeans.Result refit = cluster(points, resampled, k, seed + 1 + b);
      double[][] table = new double[chosen.k()][refit.k()];
      for (int i = 0; i < points.length; i++) {
        table[chosen.labels()[i]][refit.labels()[i]] += weights[i];
      }
      sum += AdjustedRandIndex.ofContingency(table);
    }
    return sum / resamples;
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

  public static MLReader<SomKMeans> read() {
    return new DefaultParamsReader<>();
  }

  public static SomKMeans load(String path) {
    return read().load(path);
  }
}
