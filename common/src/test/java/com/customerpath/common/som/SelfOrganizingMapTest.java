package com.customerpath.common.som;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkJobCounter;
import com.customerpath.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class SelfOrganizingMapTest {
  private static final StructType FEATURES =
      new StructType().add("features", SQLDataTypes.VectorType());

  private final SparkSession spark = SparkTestSession.get();

  private Dataset<Row> features(List<double[]> rows) {
    List<Row> out = new ArrayList<>();
    for (double[] r : rows) {
      out.add(RowFactory.create(Vectors.dense(r)));
    }
    return spark.createDataFrame(out, FEATURES).repartition(2);
  }

  private static List<double[]> gaussianBlobs(int n, int dim, long seed) {
    Random random = new Random(seed);
    List<double[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] r = new double[dim];
      double centre = (i % 3) * 4.0;
      for (int f = 0; f < dim; f++) {
        r[f] = centre + random.nextGaussian();
      }
      rows.add(r);
    }
    return rows;
  }

  @Test
  void oneDimensionalMapOrdersItselfAlongALine() {
    Random random = new Random(7);
    List<double[]> line = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double t = random.nextDouble();
      line.add(new double[] {t, 2 * t - 1});
    }
    SelfOrganizingMapModel model =
        new SelfOrganizingMap()
            .setGridRows(1)
            .setGridCols(10)
            .setInitMode("random")
            .setSeed(3)
            .setRadiusStart(5)
            .setRadiusEnd(0.5)
            .setMaxIter(12)
            .fit(features(line));

    double[] first = new double[model.numUnits()];
    for (int j = 0; j < first.length; j++) {
      first[j] = model.codebook().apply(j, 0);
    }
    boolean increasing = true;
    boolean decreasing = true;
    for (int j = 1; j < first.length; j++) {
      increasing &= first[j] > first[j - 1];
      decreasing &= first[j] < first[j - 1];
    }
    assertTrue(
        increasing || decreasing, "codebook not monotonic: " + java.util.Arrays.toString(first));
    assertEquals(0.0, model.topographicError(features(line)), 1e-12);
  }

  @Test
  void transformMatchesBruteForceBestMatchingUnits() {
    Random random = new Random(11);
    // 100 units: a 400-row partition spans two score chunks of the blocked search.
    Vector[] codebook = new Vector[100];
    for (int j = 0; j < codebook.length; j++) {
      codebook[j] = Vectors.dense(random.doubles(5).toArray());
    }
    SelfOrganizingMapModel model =
        SelfOrganizingMapModel.fromCodebook(10, 10, "hexagonal", codebook);
    List<double[]> rows = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      rows.add(random.doubles(5).toArray());
    }
    Dataset<Row> data = features(rows);

    long[] expectedHits = new long[100];
    double distanceSum = 0;
    List<Row> mapped = model.transform(data).collectAsList();
    for (Row row : mapped) {
      double[] x = ((Vector) row.getAs("features")).toArray();
      int best = -1;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int j = 0; j < codebook.length; j++) {
        double d = Math.sqrt(Vectors.sqdist(Vectors.dense(x), codebook[j]));
        if (d < bestDistance) {
          best = j;
          bestDistance = d;
        }
      }
      expectedHits[best]++;
      distanceSum += bestDistance;
      assertEquals(best, (int) row.getAs("prediction"));
      assertEquals(best / 10, (int) row.getAs("bmuRow"));
      assertEquals(best % 10, (int) row.getAs("bmuCol"));
      assertEquals(bestDistance, (double) row.getAs("bmuDistance"), 1e-12);
    }
    // The blocked (matrix-product) search must agree with the brute force as well.
    assertArrayEquals(expectedHits, model.hitCounts(data));
    assertEquals(distanceSum / rows.size(), model.quantizationError(data), 1e-12);
  }

  @Test
  void errorsAndUMatrixOfAHandCheckedCodebook() {
    // 1x3 map whose codebook 0, 10, 1 is folded: units 0 and 2 are close in data space only.
    SelfOrganizingMapModel model =
        SelfOrganizingMapModel.fromCodebook(
            1,
            3,
            "rectangular",
            new Vector[] {Vectors.dense(0), Vectors.dense(10), Vectors.dense(1)});
    // x=0.4: BMU 0 (0.4), 2nd 2 -> error; x=9: BMU 1 (1), 2nd 2 -> fine;
    // x=1.2: BMU 2 (0.2), 2nd 0 -> error; x=6: BMU 1 (4), 2nd 2 -> fine.
    Dataset<Row> data =
        features(
            List.of(new double[] {0.4}, new double[] {9}, new double[] {1.2}, new double[] {6}));
    assertEquals((0.4 + 1 + 0.2 + 4) / 4, model.quantizationError(data), 1e-12);
    assertEquals(0.5, model.topographicError(data), 1e-12);
    assertEquals(
        0.5, model.topographicError(model.transform(data)), 1e-12, "scores transformed data too");
    assertArrayEquals(new long[] {1, 2, 1}, model.hitCounts(data));
    assertArrayEquals(new double[] {10, 9.5, 9}, model.uMatrix(), 1e-12);
    assertEquals(0, model.unitRow(2));
    assertEquals(2, model.unitCol(2));
  }

  @Test
  void quantizationErrorFallsOverEpochs() {
    List<double[]> rows = gaussianBlobs(400, 4, 5);
    int persistedBefore = spark.sparkContext().getPersistentRDDs().size();
    SelfOrganizingMapModel model =
        new SelfOrganizingMap()
            .setGridRows(4)
            .setGridCols(4)
            .setTopology("hexagonal")
            .setInitMode("random")
            .setMaxIter(8)
            .setRadiusStart(3)
            .setRadiusEnd(0.5)
            .setSingleTaskMaxRows(0) // one Spark job per epoch, over cached blocks
            .fit(features(rows));
    assertEquals(
        persistedBefore, spark.sparkContext().getPersistentRDDs().size(), "cached blocks leaked");
    List<TrainingEpoch> history = model.trainingHistory();
    assertEquals(8, history.size());
    assertEquals(3.0, history.get(0).radius(), 1e-12);
    assertEquals(0.5, history.get(7).radius(), 1e-12);
    assertTrue(
        history.get(7).quantizationError() < history.get(0).quantizationError(),
        "history " + history);
    // The last entry describes the returned model on the training data.
    assertEquals(history.get(7).quantizationError(), model.quantizationError(features(rows)), 1e-9);
    assertEquals(history.get(7).topographicError(), model.topographicError(features(rows)), 1e-12);
    // The training summary's hit counts come from the last pass: they match a fresh count.
    assertArrayEquals(model.hitCounts(features(rows)), model.summary().hitCounts());
    assertEquals(rows.size(), model.summary().rows());
    assertEquals(history, model.summary().history());
  }

  @Test
  void oneTaskTrainsTheSameMapAsOneJobPerEpochInOneSparkJob() throws Exception {
    Dataset<Row> data = features(gaussianBlobs(3000, 5, 13)).cache();
    data.count();
    SelfOrganizingMap som =
        new SelfOrganizingMap()
            .setGridRows(5)
            .setGridCols(6)
            .setTopology("hexagonal")
            .setMaxIter(10);

    SparkJobCounter distributedJobs = SparkJobCounter.start(spark);
    SelfOrganizingMapModel distributed =
        som.copy(ParamMap.empty()).setSingleTaskMaxRows(0).fit(data);
    int jobsDistributed = distributedJobs.stop();
    SparkJobCounter oneTaskJobs = SparkJobCounter.start(spark);
    SelfOrganizingMapModel oneTask =
        som.copy(ParamMap.empty()).setSingleTaskMaxRows(3000).fit(data);
    int jobsOneTask = oneTaskJobs.stop();
    // One row past the limit: the task stops reading and the fit runs one job per pass.
    SparkJobCounter overLimitJobs = SparkJobCounter.start(spark);
    SelfOrganizingMapModel overLimit =
        som.copy(ParamMap.empty()).setSingleTaskMaxRows(2999).fit(data);
    int jobsOverLimit = overLimitJobs.stop();
    data.unpersist();

    // The first row, the row count, the initialisation and one job for every one of 11 passes.
    assertEquals(14, jobsDistributed, "distributed fit");
    assertEquals(1, jobsOneTask, "the fit in one task");
    assertEquals(15, jobsOverLimit, "the task that stopped at the limit, then the distributed fit");
    // The same loop over the same rows: only the order of floating-point sums differs.
    for (SelfOrganizingMapModel other : List.of(oneTask, overLimit)) {
      assertEquals(distributed.trainingHistory().size(), other.trainingHistory().size());
      for (int j = 0; j < distributed.numUnits(); j++) {
        for (int f = 0; f < 5; f++) {
          assertEquals(distributed.codebook().apply(j, f), other.codebook().apply(j, f), 1e-9);
        }
      }
      assertArrayEquals(distributed.summary().hitCounts(), other.summary().hitCounts());
      assertEquals(
          distributed.summary().lastEpoch().quantizationError(),
          other.summary().lastEpoch().quantizationError(),
          1e-9);
      assertEquals(3000, other.summary().rows());
    }
  }

  @Test
  void anEmptyDatasetIsAClearError() {
    Dataset<Row> none = features(List.of());
    for (long maxRows : new long[] {0, 100}) {
      assertEquals(
          "SelfOrganizingMap cannot fit an empty dataset",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new SelfOrganizingMap().setSingleTaskMaxRows(maxRows).fit(none))
              .getMessage());
    }
  }

  @Test
  void toleranceStopsTrainingEarly() {
    SelfOrganizingMapModel model =
        new SelfOrganizingMap()
            .setGridRows(2)
            .setGridCols(2)
            .setMaxIter(30)
            .setTol(0.5)
            .fit(features(gaussianBlobs(200, 3, 9)));
    assertTrue(model.trainingHistory().size() < 30, "history " + model.trainingHistory());
    assertArrayEquals(
        model.hitCounts(features(gaussianBlobs(200, 3, 9))),
        model.summary().hitCounts(),
        "an early stop keeps the hit counts of the final codebook");
  }

  @Test
  void invalidParamsAreRejectedWithTheirValues() {
    SelfOrganizingMap som = new SelfOrganizingMap();
    assertEquals(
        "Cannot set SelfOrganizingMap param topology: got 'hex', expected one of [rectangular, hexagonal]",
        assertThrows(IllegalArgumentException.class, () -> som.setTopology("hex")).getMessage());
    assertEquals(
        "Cannot set SelfOrganizingMap param gridRows: got 0, expected > 0",
        assertThrows(IllegalArgumentException.class, () -> som.setGridRows(0)).getMessage());
    assertEquals(
        "Cannot set SelfOrganizingMap param tol: got -1.0, expected >= 0",
        assertThrows(IllegalArgumentException.class, () -> som.setTol(-1)).getMessage());
    assertEquals(
        "Cannot set SelfOrganizingMap param initMode: got 'kmeans', expected one of [random, pca]",
        assertThrows(IllegalArgumentException.class, () -> som.setInitMode("kmeans")).getMessage());
    assertEquals(
        "Cannot set SelfOrganizingMapModel param featuresCol: got '', expected a non-empty column name",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    SelfOrganizingMapModel.fromCodebook(
                            1, 1, "rectangular", new Vector[] {Vectors.dense(1)})
                        .setFeaturesCol(""))
            .getMessage());

    som.setRadiusStart(2).setRadiusEnd(3);
    assertEquals(
        "Cannot set SelfOrganizingMap param radiusEnd: got 3.0, expected <= radiusStart (2.0)",
        assertThrows(IllegalArgumentException.class, () -> som.transformSchema(FEATURES))
            .getMessage());

    StructType wrongType = new StructType().add("features", DataTypes.StringType);
    String message =
        assertThrows(
                IllegalArgumentException.class,
                () -> new SelfOrganizingMap().transformSchema(wrongType))
            .getMessage();
    assertTrue(message.contains("must be of type Vector"), message);
    // Spark's own generic path (set by name) still validates.
    assertThrows(IllegalArgumentException.class, () -> som.set("neighborhood", "cone"));
  }

  @Test
  void defaultsAreDerivedFromTheGrid() {
    SelfOrganizingMap som = new SelfOrganizingMap().setGridRows(6).setGridCols(9);
    assertEquals(4.5, som.getRadiusStart());
    assertEquals(1.0, som.getRadiusEnd());
    assertEquals(0.5, new SelfOrganizingMap().setGridRows(1).setGridCols(1).getRadiusEnd());
    assertEquals(17, som.params().length);
  }

  @Test
  void modelSurvivesSaveAndLoad() throws Exception {
    Dataset<Row> data = features(gaussianBlobs(150, 3, 1));
    SelfOrganizingMapModel model =
        new SelfOrganizingMap()
            .setGridRows(3)
            .setGridCols(2)
            .setTopology("hexagonal")
            .setMaxIter(3)
            .setDistanceCol("dist")
            .fit(data);
    String path = SparkTestSession.tempDir("som-model").resolve("model").toString();
    model.save(path);

    SelfOrganizingMapModel loaded = SelfOrganizingMapModel.load(path);
    assertEquals(model.uid(), loaded.uid());
    for (Param<?> param : model.params()) {
      assertEquals(model.isSet(param), loaded.isSet(param), param.name());
      if (model.isDefined(param)) {
        assertEquals(
            model.getOrDefault(param),
            loaded.getOrDefault(loaded.getParam(param.name())),
            param.name());
      }
    }
    assertEquals("dist", loaded.getDistanceCol());
    assertEquals(model.codebook(), loaded.codebook());
    assertEquals(model.trainingHistory(), loaded.trainingHistory());
    assertEquals(model.transform(data).collectAsList(), loaded.transform(data).collectAsList());

    Exception exists = assertThrows(Exception.class, () -> model.save(path));
    assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
    model.write().overwrite().save(path);
    assertEquals(model.codebook(), SelfOrganizingMapModel.load(path).codebook());
  }

  @Test
  void modelStoredAsPropertiesIsTheSameMapWithoutASparkJob() {
    Dataset<Row> data = features(gaussianBlobs(150, 3, 2));
    SelfOrganizingMapModel model =
        new SelfOrganizingMap()
            .setGridRows(4)
            .setGridCols(3)
            .setTopology("rectangular")
            .setMaxIter(3)
            .fit(data);
    java.util.Properties p = new java.util.Properties();
    model.store(p, "som.");
    java.io.StringWriter text = new java.io.StringWriter();
    java.util.Properties read = new java.util.Properties();
    try {
      p.store(text, null); // through the file's text, as the personas step keeps it
      read.load(new java.io.StringReader(text.toString()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }

    SelfOrganizingMapModel restored = SelfOrganizingMapModel.restore(read, "som.");
    assertEquals(4, restored.getGridRows());
    assertEquals(3, restored.getGridCols());
    assertEquals("rectangular", restored.getTopology());
    assertEquals(model.codebook(), restored.codebook(), "every double exactly");
    assertArrayEquals(model.uMatrix(), restored.uMatrix());
    assertEquals(
        model.transform(data).select("prediction").collectAsList(),
        restored.transform(data).select("prediction").collectAsList());
  }

  @Test
  void estimatorAndPipelineSurviveSaveAndLoad() throws Exception {
    java.nio.file.Path dir = SparkTestSession.tempDir("som-pipeline");
    SelfOrganizingMap som =
        new SelfOrganizingMap()
            .setGridRows(2)
            .setGridCols(3)
            .setMaxIter(2)
            .setNeighborhood("bubble")
            .setRadiusStart(1.5)
            .setFeaturesCol("vec");
    List<Row> rows = new ArrayList<>();
    Random random = new Random(2);
    for (int i = 0; i < 120; i++) {
      rows.add(RowFactory.create(random.nextGaussian(), random.nextGaussian() + (i % 2) * 5));
    }
    Dataset<Row> data =
        spark.createDataFrame(
            rows, new StructType().add("a", DataTypes.DoubleType).add("b", DataTypes.DoubleType));
    Pipeline pipeline =
        new Pipeline()
            .setStages(
                new PipelineStage[] {
                  new VectorAssembler().setInputCols(new String[] {"a", "b"}).setOutputCol("vec"),
                  som
                });
    pipeline.save(dir.resolve("pipeline").toString());
    Pipeline loadedPipeline = Pipeline.load(dir.resolve("pipeline").toString());
    assertEquals(som.uid(), loadedPipeline.getStages()[1].uid());
    // The stage directory Pipeline wrote is a plain estimator save, loadable on its own.
    SelfOrganizingMap loadedSom =
        SelfOrganizingMap.load(
            dir.resolve("pipeline").resolve("stages").resolve("1_" + som.uid()).toString());
    assertEquals(som.uid(), loadedSom.uid());
    assertEquals("bubble", loadedSom.getNeighborhood());
    assertEquals(1.5, loadedSom.getRadiusStart());
    assertEquals(3, loadedSom.getGridCols());
    assertEquals("vec", loadedSom.getFeaturesCol());

    PipelineModel fitted = loadedPipeline.fit(data);
    fitted.save(dir.resolve("pipeline-model").toString());
    PipelineModel loadedModel = PipelineModel.load(dir.resolve("pipeline-model").toString());
    SelfOrganizingMapModel somModel = (SelfOrganizingMapModel) loadedModel.stages()[1];
    assertEquals(((SelfOrganizingMapModel) fitted.stages()[1]).codebook(), somModel.codebook());
    assertEquals(
        fitted.transform(data).select("prediction", "bmuDistance").collectAsList(),
        loadedModel.transform(data).select("prediction", "bmuDistance").collectAsList());
  }
}
