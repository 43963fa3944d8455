package com.customerpath.common.personas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SOM + codebook k-means estimator: params, a fit on known clusters, transform, keeping. */
class SomKMeansTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("blob", DataTypes.IntegerType)
          .add("features", SQLDataTypes.VectorType());
  private static final double[][] CENTRES = {{0, 0}, {10, 0}, {0, 10}};

  private static SparkSession spark;
  private static Dataset<Row> blobs;
  private static SomKMeansModel model;

  /** Three well-separated round blobs of 100 points each (sd 0.5, centres 10 apart). */
  @BeforeAll
  static void fit() {
    spark = SparkTestSession.get();
    Random random = new Random(5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double[] c = CENTRES[i % 3];
      rows.add(
          RowFactory.create(
              i,
              i % 3,
              Vectors.dense(
                  c[0] + 0.5 * random.nextGaussian(), c[1] + 0.5 * random.nextGaussian())));
    }
    blobs = spark.createDataFrame(rows, SCHEMA).repartition(2).cache();
    model = estimator().fit(blobs);
  }

  @AfterAll
  static void release() {
    blobs.unpersist();
  }

  private static SomKMeans estimator() {
    return new SomKMeans()
        .setGridRows(4)
        .setGridCols(4)
        .setTopology("rectangular")
        .setMaxIter(10)
        .setKMin(2)
        .setKMax(5)
        .setKmeansMaxIter(30)
        .setMinShare(0.05) // a unit or two between blobs is not a cluster of its own
        .setStabilityResamples(3)
        .setSeed(3);
  }

  /** id -> (blob, cluster, som_row, som_col), ordered by id. */
  private static List<Row> assigned(SomKMeansModel m) {
    return m.transform(blobs)
        .select("id", "blob", "cluster", "som_row", "som_col")
        .orderBy("id")
        .collectAsList();
  }

  @Test
  void invalidParamsAreRefusedWithTheParamAndTheValue() {
    SomKMeans est = new SomKMeans();
    assertEquals(
        "Cannot set SomKMeans param kMin: value refused (got 1, expected >= 2)",
        assertThrows(IllegalArgumentException.class, () -> est.setKMin(1)).getMessage());
    assertEquals(
        "Cannot set SomKMeans param gridRows: value refused (got 0, expected > 0)",
        assertThrows(IllegalArgumentException.class, () -> est.setGridRows(0)).getMessage());
    assertEquals(
        "Cannot set SomKMeans param topology: value refused (got 'hex', expected one of"
            + " [rectangular, hexagonal])",
        assertThrows(IllegalArgumentException.class, () -> est.setTopology("hex")).getMessage());
    assertEquals(
        "Cannot set SomKMeans param kSelection: value refused (got 'elbow', expected one of"
            + " [silhouette, davies-bouldin])",
        assertThrows(IllegalArgumentException.class, () -> est.setKSelection("elbow"))
            .getMessage());
    assertEquals(
        "Cannot set SomKMeans param minShare: value refused (got 0.6, expected in [0, 0.5])",
        assertThrows(IllegalArgumentException.class, () -> est.setMinShare(0.6)).getMessage());
    assertEquals(
        "Cannot set SomKMeans param stabilityResamples: value refused (got -1, expected >= 0)",
        assertThrows(IllegalArgumentException.class, () -> est.setStabilityResamples(-1))
            .getMessage());
    assertEquals(
        "Cannot set SomKMeans param kmeansMaxIter: value refused (got 0, expected > 0)",
        assertThrows(IllegalArgumentException.class, () -> est.setKmeansMaxIter(0)).getMessage());
    assertEquals(
        "Cannot set SomKMeansModel param predictionCol: value refused (got '', expected a"
            + " non-empty column name)",
        assertThrows(
                IllegalArgumentException.class,
                () -> model.copy(ParamMap.empty()).setPredictionCol(""))
            .getMessage());
    // Spark's own generic path (set by name) runs the same validators.
    assertThrows(IllegalArgumentException.class, () -> est.set("maxIter", 0));
    assertEquals(8, est.getKMax(), "a refused value leaves the param as it was");

    StructType schema = new StructType().add("features", SQLDataTypes.VectorType());
    assertEquals(
        "Cannot cluster the SOM codebook: kMax is below kMin (got kMax 4, expected >= kMin 5)",
        assertThrows(
                IllegalArgumentException.class,
                () -> new SomKMeans().setKMin(5).setKMax(4).transformSchema(schema))
            .getMessage());
    assertEquals(
        "Cannot cluster the SOM codebook: kMax needs more units than the 2x2 map has (got kMax"
            + " 4, expected < 4)",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    new SomKMeans()
                        .setGridRows(2)
                        .setGridCols(2)
                        .setKMin(2)
                        .setKMax(4)
                        .transformSchema(schema))
            .getMessage());
    String wrongType =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    new SomKMeans()
                        .transformSchema(new StructType().add("features", DataTypes.StringType)))
            .getMessage();
    assertEquals(
        "Cannot use SomKMeans featuresCol 'features': not a vector column (got string, expected"
            + " vector)",
        wrongType);
    String missing =
        assertThrows(
                IllegalArgumentException.class,
                () -> new SomKMeans().setFeaturesCol("x").transformSchema(schema))
            .getMessage();
    assertTrue(missing.startsWith("Cannot use SomKMeans featuresCol: no such column"), missing);
  }

  @Test
  void defaultsAreThePersonaStepsAndSetInOnePlace() {
    SomKMeans est = new SomKMeans();
    assertEquals("features", est.getFeaturesCol());
    assertEquals("cluster", est.getPredictionCol());
    assertEquals("som_row", est.getSomRowCol());
    assertEquals("som_col", est.getSomColCol());
    assertEquals(10, est.getGridRows());
    assertEquals(10, est.getGridCols());
    assertEquals("hexagonal", est.getTopology());
    assertEquals(20, est.getMaxIter());
    assertEquals(42L, est.getSeed());
    assertEquals(4, est.getKMin());
    assertEquals(8, est.getKMax());
    assertEquals("silhouette", est.getKSelection());
    assertEquals(KSelection.Criterion.SILHOUETTE, est.kSelectionCriterion());
    assertEquals(50, est.getKmeansMaxIter());
    assertEquals(0.02, est.getMinShare());
    assertEquals(20, est.getStabilityResamples());
    assertEquals(15, est.params().length);
    for (var p : est.params()) {
      assertTrue(est.hasDefault(p), p.name() + " has a default");
      assertFalse(est.isSet(p), p.name() + " is not set");
    }
    assertEquals(
        KSelection.Criterion.DAVIES_BOULDIN,
        est.setKSelection(KSelection.Criterion.DAVIES_BOULDIN).kSelectionCriterion());
  }

  @Test
  void threeWellSeparatedBlobsAreThreeClusters() {
    assertEquals(3, model.k());
    SomKMeansSummary summary = model.summary();
    assertEquals(3, summary.k());
    assertTrue(summary.kTried() >= 3, "the k whose fit won, before merging");
    assertEquals(List.of(2, 3, 4, 5), List.copyOf(summary.scores().keySet()));
    assertEquals(300, summary.som().rows());
    assertEquals(3.0, model.quality().get("personas_k_selected"));
    assertEquals(1.0, model.quality().get("personas_stability_ari"), 1e-9);
    assertTrue(model.quality().get("personas_codebook_silhouette") > 0.8);

    int[] clusterOfBlob = {-1, -1, -1};
    for (Row r : assigned(model)) {
      int blob = r.getInt(1);
      if (clusterOfBlob[blob] < 0) {
        clusterOfBlob[blob] = r.getInt(2);
      }
      assertEquals(clusterOfBlob[blob], r.getInt(2), "every point of blob " + blob);
    }
    Set<Integer> distinct = new HashSet<>();
    for (int c : clusterOfBlob) {
      distinct.add(c);
    }
    assertEquals(3, distinct.size(), "one cluster per blob");
    for (int b = 0; b < 3; b++) {
      double[] centroid = model.centroids()[clusterOfBlob[b]];
      assertEquals(CENTRES[b][0], centroid[0], 0.5, "blob " + b + " centroid x");
      assertEquals(CENTRES[b][1], centroid[1], 0.5, "blob " + b + " centroid y");
    }
  }

  @Test
  void transformAppendsTheClusterAndTheMapPosition() {
    Dataset<Row> out = model.transform(blobs);
    assertEquals(model.transformSchema(blobs.schema()), out.schema());
    assertEquals(
        List.of("id", "blob", "features", "cluster", "som_row", "som_col"), List.of(out.columns()));
    for (Row r : assigned(model)) {
      assertTrue(r.getInt(3) >= 0 && r.getInt(3) < 4 && r.getInt(4) >= 0 && r.getInt(4) < 4);
    }
    SomKMeansModel renamed =
        model
            .copy(ParamMap.empty())
            .setPredictionCol("persona")
            .setSomRowCol("row")
            .setSomColCol("col");
    List<Row> expected = assigned(model);
    List<Row> actual =
        renamed
            .transform(blobs)
            .select("id", "blob", "persona", "row", "col")
            .orderBy("id")
            .collectAsList();
    assertEquals(expected, actual);
    assertEquals(
        "Cannot add SomKMeansModel output column 'cluster': it already exists (got [id, blob,"
            + " features, cluster, som_row, som_col], expected a new name)",
        assertThrows(IllegalArgumentException.class, () -> model.transform(out)).getMessage());
  }

  @Test
  void copyKeepsTheParams() {
    SomKMeans est = estimator();
    SomKMeans copied = est.copy(ParamMap.empty());
    assertEquals(est.uid(), copied.uid());
    for (var p : est.params()) {
      assertEquals(est.getOrDefault(p), copied.getOrDefault(copied.getParam(p.name())), p.name());
    }
    SomKMeans changed = est.copy(new ParamMap().put(est.kMax(), 4));
    assertEquals(4, changed.getKMax());
    assertEquals(5, est.getKMax(), "copying with extras leaves the original");

    // The fitted model carries the estimator's params, and so does its copy.
    assertEquals(5, model.getKMax());
    assertEquals(3L, model.getSeed());
    assertEquals("rectangular", model.getTopology());
    assertTrue(model.hasParent());
    SomKMeansModel copy = model.copy(ParamMap.empty());
    assertEquals(model.uid(), copy.uid());
    assertEquals(5, copy.getKMax());
    assertEquals(assigned(model), assigned(copy));
    copy.setPredictionCol("persona");
    assertEquals("cluster", model.getPredictionCol(), "a copy's setter leaves the original");
  }

  @Test
  void aStoredModelRestoresToTheSameAssignments() {
    Properties p = new Properties();
    model.store(p, "clustering.");
    assertEquals(SomKMeansModel.METHOD, p.getProperty("clustering.method"));
    SomKMeansModel restored = SomKMeansModel.restore(p, "clustering.");
    assertFalse(restored.hasSummary());
    assertEquals(assigned(model), assigned(restored));
    assertArrayEquals(model.clusterOfUnit(), restored.clusterOfUnit());
    for (int c = 0; c < model.k(); c++) {
      assertArrayEquals(model.centroids()[c], restored.centroids()[c]);
    }
    assertEquals(model.quality(), restored.quality());
    assertEquals(4, restored.getGridRows());
    assertEquals("rectangular", restored.getTopology());
    Properties again = new Properties();
    restored.store(again, "clustering.");
    assertEquals(p, again, "restoring and storing again writes the same properties");

    p.setProperty("clustering.method", "kmeans");
    assertEquals(
        "Cannot restore a SomKMeansModel from clustering.method: another clustering (got"
            + " 'kmeans', expected 'som-kmeans')",
        assertThrows(IllegalArgumentException.class, () -> SomKMeansModel.restore(p, "clustering."))
            .getMessage());
  }

  /** The keys the personas step wrote before the estimator (PersonaModelStore files) restore. */
  @Test
  void aModelFileWrittenBeforeTheEstimatorRestores() throws Exception {
    String file =
        String.join(
            "\n",
            "clustering.centroids=2",
            "clustering.centroids.0=10.0,0.0",
            "clustering.centroids.1=0.0,0.0",
            "clustering.cluster_of_unit=1,0",
            "clustering.method=som-kmeans",
            "clustering.metric.personas_k_selected=2.0",
            "clustering.som.codebook=2",
            "clustering.som.codebook.0=0.0,0.0",
            "clustering.som.codebook.1=10.0,0.0",
            "clustering.som.cols=2",
            "clustering.som.rows=1",
            "clustering.som.topology=rectangular");
    Properties p = new Properties();
    p.load(new java.io.StringReader(file));
    SomKMeansModel kept = SomKMeansModel.restore(p, "clustering.");
    assertEquals(2, kept.k());
    assertEquals(java.util.Map.of("personas_k_selected", 2.0), kept.quality());
    for (Row r : assigned(kept)) {
      int blob = r.getInt(1);
      // Blob 0 (0, 0) and blob 2 (0, 10) map to unit 0, blob 1 (10, 0) to unit 1.
      assertEquals(blob == 1 ? 0 : 1, r.getInt(2), "cluster of a point of blob " + blob);
      assertEquals(0, r.getInt(3));
      assertEquals(blob == 1 ? 1 : 0, r.getInt(4));
    }
    Properties again = new Properties();
    kept.store(again, "clustering.");
    assertEquals(p, again, "stored again with the same keys and values");
  }

  @Test
  void estimatorAndModelSurviveMllibSaveAndLoad() throws Exception {
    String dir = SparkTestSession.tempDir("som-kmeans").toString();
    SomKMeansModel renamed = model.copy(ParamMap.empty()).setPredictionCol("persona");
    renamed.write().save(dir + "/model");
    SomKMeansModel loaded = SomKMeansModel.load(dir + "/model");
    assertEquals(renamed.uid(), loaded.uid());
    assertEquals("persona", loaded.getPredictionCol());
    assertEquals(5, loaded.getKMax());
    assertEquals(
        renamed.transform(blobs).orderBy("id").collectAsList(),
        loaded.transform(blobs).orderBy("id").collectAsList());

    SomKMeans est = estimator();
    est.write().save(dir + "/estimator");
    SomKMeans back = SomKMeans.load(dir + "/estimator");
    assertEquals(est.uid(), back.uid());
    for (var param : est.params()) {
      assertEquals(est.getOrDefault(param), back.getOrDefault(back.getParam(param.name())));
    }
  }
}
