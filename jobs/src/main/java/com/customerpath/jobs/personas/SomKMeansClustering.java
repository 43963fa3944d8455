package com.customerpath.jobs.personas;

import com.customerpath.common.som.SelfOrganizingMap;
import com.customerpath.common.som.SelfOrganizingMapModel;
import com.customerpath.common.som.TrainingEpoch;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * The two-stage method of Vesanto and Alhoniemi (IEEE TNN 2000): a self-organizing map
 * summarises the customers in a small codebook, then k-means clusters the codebook, each unit
 * weighted by the customers it holds, for every k of a range; the k with the best score on the
 * codebook wins (silhouette: highest; Davies-Bouldin: lowest). A customer's persona is the
 * cluster of its best-matching unit. Clustering a few hundred units instead of every customer
 * makes trying many k cheap, and the map smooths noise between groups.
 */
public final class SomKMeansClustering implements PersonaClustering {
  private static final Logger LOG = LoggerFactory.getLogger(SomKMeansClustering.class);

  /** The SOM's and the codebook clustering's settings. */
  public record Config(int gridRows, int gridCols, String topology, int epochs, int kMin, int kMax,
                       String kSelection, int kmeansMaxIter, long seed) {}

  private final Config config;

  public SomKMeansClustering(Config config) {
    if (config.kMin() > config.kMax()) {
      throw new IllegalArgumentException("Cannot cluster the SOM codebook: k-min " + config.kMin()
          + " is above k-max " + config.kMax());
    }
    if (config.kMax() >= config.gridRows() * config.gridCols()) {
      throw new IllegalArgumentException("Cannot cluster the SOM codebook: k-max " + config.kMax()
          + " needs more units than the " + config.gridRows() + "x" + config.gridCols() + " map has");
    }
    this.config = config;
  }

  @Override
  public Fitted fit(Dataset<Row> standardized) {
    SparkSession spark = standardized.sparkSession();
    SelfOrganizingMapModel som = new SelfOrganizingMap()
        .setGridRows(config.gridRows()).setGridCols(config.gridCols()).setTopology(config.topology())
        .setMaxIter(config.epochs()).setSeed(config.seed()).setFeaturesCol(PersonaBuilder.FEATURES)
        .fit(standardized);
    long[] hits = som.hitCounts(standardized);
    Vector[] codebook = som.codebookVectors();
    List<Row> unitRows = new ArrayList<>();
    for (int u = 0; u < codebook.length; u++) {
      if (hits[u] > 0) { // an empty unit represents nobody
        unitRows.add(RowFactory.create(u, codebook[u], (double) hits[u]));
      }
    }
    Dataset<Row> units = spark.createDataFrame(unitRows, new StructType()
        .add("unit", DataTypes.IntegerType).add(PersonaBuilder.FEATURES, new VectorUDT())
        .add("weight", DataTypes.DoubleType)).cache();

    Map<String, Double> quality = new LinkedHashMap<>();
    List<TrainingEpoch> history = som.trainingHistory();
    TrainingEpoch last = history.get(history.size() - 1);
    quality.put("som_quantization_error", last.quantizationError());
    quality.put("som_topographic_error", last.topographicError());
    quality.put("som_units_used", (double) unitRows.size());

    KMeansModel best = null;
    double bestScore = Double.NaN;
    int kMax = Math.min(config.kMax(), unitRows.size() - 1);
    for (int k = config.kMin(); k <= kMax; k++) {
      KMeansModel model = new KMeans().setK(k).setSeed(config.seed()).setMaxIter(config.kmeansMaxIter())
          .setFeaturesCol(PersonaBuilder.FEATURES).setPredictionCol("cluster").setWeightCol("weight").fit(units);
      Dataset<Row> labelled = model.transform(units);
      double score = config.kSelection().equals("silhouette") ? silhouette(labelled)
          : daviesBouldin(labelled, model.clusterCenters());
      quality.put("personas_k" + k + "_" + config.kSelection().replace('-', '_'), score);
      LOG.info("  codebook k-means k={} {}={}", k, config.kSelection(), String.format("%.4f", score));
      boolean better = config.kSelection().equals("silhouette") ? score > bestScore : score < bestScore;
      if (best == null || better) {
        best = model;
        bestScore = score;
      }
    }
    quality.put("personas_k_selected", (double) best.getK());
    KMeansModel chosen = best;
    int[] clusterOfUnit = new int[codebook.length];
    for (int u = 0; u < codebook.length; u++) {
      clusterOfUnit[u] = chosen.predict(codebook[u]); // empty units too, for tomorrow's customers
    }
    units.unpersist();
    double[][] centroids = Arrays.stream(chosen.clusterCenters()).map(Vector::toArray).toArray(double[][]::new);
    List<Row> mapping = new ArrayList<>();
    for (int u = 0; u < codebook.length; u++) {
      mapping.add(RowFactory.create(u, clusterOfUnit[u], som.unitRow(u), som.unitCol(u)));
    }
    Dataset<Row> unitToCluster = spark.createDataFrame(mapping, new StructType()
        .add("_unit", DataTypes.IntegerType).add("cluster", DataTypes.IntegerType)
        .add("som_row", DataTypes.IntegerType).add("som_col", DataTypes.IntegerType));
    SelfOrganizingMapModel mapper = som.setPredictionCol("_unit").setBmuRowCol("_bmu_row").setBmuColCol("_bmu_col")
        .setDistanceCol("_bmu_distance");
    return new FittedClustering(rows -> mapper.transform(rows)
        .join(functions.broadcast(unitToCluster), "_unit")
        .drop("_unit", "_bmu_row", "_bmu_col", "_bmu_distance"), centroids, quality);
  }

  private static double silhouette(Dataset<Row> labelled) {
    return new ClusteringEvaluator().setFeaturesCol(PersonaBuilder.FEATURES).setPredictionCol("cluster")
        .setWeightCol("weight").setMetricName("silhouette").evaluate(labelled);
  }

  /** Davies-Bouldin index on the weighted codebook: mean over clusters of the worst (s_i + s_j) / d_ij. */
  static double daviesBouldin(Dataset<Row> labelled, Vector[] centers) {
    int k = centers.length;
    double[] scatter = new double[k];
    double[] weight = new double[k];
    for (Row r : labelled.select("cluster", PersonaBuilder.FEATURES, "weight").collectAsList()) { // units only
      int c = r.getInt(0);
      double d = Math.sqrt(org.apache.spark.ml.linalg.Vectors.sqdist(r.getAs(1), centers[c]));
      scatter[c] += r.getDouble(2) * d;
      weight[c] += r.getDouble(2);
    }
    double total = 0;
    for (int i = 0; i < k; i++) {
      scatter[i] = weight[i] == 0 ? 0 : scatter[i] / weight[i];
    }
    for (int i = 0; i < k; i++) {
      double worst = 0;
      for (int j = 0; j < k; j++) {
        if (i != j) {
          double dij = Math.sqrt(org.apache.spark.ml.linalg.Vectors.sqdist(centers[i], centers[j]));
          worst = Math.max(worst, (scatter[i] + scatter[j]) / dij);
        }
      }
      total += worst;
    }
    return total / k;
  }
}
