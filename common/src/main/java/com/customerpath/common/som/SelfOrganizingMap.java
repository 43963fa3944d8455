package com.customerpath.common.som;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kohonen's batch Self-Organizing Map as a Spark ML estimator.
 *
 * <p>Each epoch broadcasts the codebook, finds every row's best-matching unit (BMU) block by block
 * with one matrix product per block, sums rows and counts per BMU across partitions with {@code
 * treeAggregate}, and sets every unit on the driver to the kernel-weighted mean {@code w_j = sum_i
 * h(j,i) S_i / sum_i h(j,i) N_i}. The kernel radius decays from radiusStart to radiusEnd over
 * maxIter epochs. The features are copied once into cached dense blocks.
 *
 * <p>Data of at most singleTaskMaxRows rows trains inside one task instead: the same loop over the
 * blocks that task holds, so the whole fit is one Spark job where it would otherwise be one per
 * epoch, each costing more to schedule than its pass over a few thousand rows.
 */
public final class SelfOrganizingMap extends Estimator<SelfOrganizingMapModel>
    implements SelfOrganizingMapParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SelfOrganizingMap.class);

  private final String uid;
  private final SelfOrganizingMapParamSet somParams;

  public SelfOrganizingMap(String uid) {
    this.uid = uid;
    this.somParams = new SelfOrganizingMapParamSet(this);
    somParams.applyDefaults(this);
  }

  public SelfOrganizingMap() {
    this(Identifiable$.MODULE$.randomUID("som"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public SelfOrganizingMapParamSet somParams() {
    return somParams;
  }

  public SelfOrganizingMap setGridRows(int value) {
    setChecked(gridRows(), value);
    return this;
  }

  public SelfOrganizingMap setGridCols(int value) {
    setChecked(gridCols(), value);
    return this;
  }

  public SelfOrganizingMap setTopology(String value) {
    setChecked(topology(), value);
    return this;
  }

  public SelfOrganizingMap setNeighborhood(String value) {
    setChecked(neighborhood(), value);
    return this;
  }

  public SelfOrganizingMap setRadiusStart(double value) {
    setChecked(radiusStart(), value);
    return this;
  }

  public SelfOrganizingMap setRadiusEnd(double value) {
    setChecked(radiusEnd(), value);
    return this;
  }

  public SelfOrganizingMap setRadiusDecay(String value) {
    setChecked(radiusDecay(), value);
    return this;
  }

  public SelfOrganizingMap setMaxIter(int value) {
    setChecked(maxIter(), value);
    return this;
  }

  public SelfOrganizingMap setTol(double value) {
    setChecked(tol(), value);
    return this;
  }

  public SelfOrganizingMap setInitMode(String value) {
    setChecked(initMode(), value);
    return this;
  }

  public SelfOrganizingMap setSeed(long value) {
    setChecked(seed(), value);
    return this;
  }

  public SelfOrganizingMap setFeaturesCol(String value) {
    setChecked(featuresCol(), value);
    return this;
  }

  public SelfOrganizingMap setPredictionCol(String value) {
    setChecked(predictionCol(), value);
    return this;
  }

  public SelfOrganizingMap setBmuRowCol(String value) {
    setChecked(bmuRowCol(), value);
    return this;
  }

  public SelfOrganizingMap setBmuColCol(String value) {
    setChecked(bmuColCol(), value);
    return this;
  }

  public SelfOrganizingMap setDistanceCol(String value) {
    setChecked(distanceCol(), value);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return validateAndTransformSchema(schema);
  }

  @Override
  public SelfOrganizingMap copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public SelfOrganizingMap setSingleTaskMaxRows(long value) {
    setChecked(singleTaskMaxRows(), value);
    return this;
  }

  @Override
  public SelfOrganizingMapModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    if (dataset.storageLevel().equals(StorageLevel.NONE())) {
      LOG.warn(
          "The input data is not directly cached, which may hurt performance if its"
              + " parent RDDs are also uncached.");
    }
    long start = System.nanoTime();
    Dataset<Row> features = dataset.select(getFeaturesCol());
    SomTraining training = training();
    // One task reads the rows: every one of them, and trains on them there, when there are at
    // most singleTaskMaxRows; otherwise it stops at the first row past the limit.
    SomTraining.Trained trained =
        getSingleTaskMaxRows() > 0
            ? trainInOneTask(features, getSingleTaskMaxRows(), training)
            : null;
    boolean inOneTask = trained != null;
    if (!inOneTask) {
      trained = trainDistributed(features, training);
    }
    LOG.info(
        "SelfOrganizingMap {}x{} {} on {} rows x {} features: {} epochs {} in {} s",
        getGridRows(),
        getGridCols(),
        getTopology(),
        trained.rows(),
        trained.dim(),
        trained.history().size(),
        inOneTask ? "in one task" : "one Spark job each",
        String.format("%.3f", (System.nanoTime() - start) / 1e9));
    SelfOrganizingMapModel model =
        new SelfOrganizingMapModel(
            uid, trained.codebook(), trained.dim(), trained.history(), trained.counts());
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  private SomTraining training() {
    SomGrid grid = somGrid();
    return new SomTraining(
        grid,
        new SomTraining.RadiusSchedule(
            getRadiusStart(),
            getRadiusEnd(),
            SelfOrganizingMapParamSet.LINEAR.equals(getRadiusDecay()),
            getMaxIter()),
        SelfOrganizingMapParamSet.BUBBLE.equals(getNeighborhood()),
        SelfOrganizingMapParamSet.PCA.equals(getInitMode()),
        getSeed(),
        getTol());
  }

  /**
   * Every epoch inside the one task that reads all the rows: one Spark job for the whole fit, the
   * rows never leave the executor, and only the codebook and its history come back. Null when there
   * are more than maxRows rows (or none).
   */
  private static SomTraining.Trained trainInOneTask(
      Dataset<Row> features, long maxRows, SomTraining training) {
    List<SomTraining.Trained> result =
        features
            .toJavaRDD()
            .coalesce(1)
            .mapPartitions(
                part -> {
                  List<FeatureBlock> blocks = FeatureBlock.allOf(part, maxRows);
                  if (blocks == null || blocks.isEmpty()) { // too many rows, or none
                    return List.<SomTraining.Trained>of().iterator();
                  }
                  SomData data = new SomData.InTask(blocks, blocks.get(0).dim);
                  return List.of(training.train(data)).iterator();
                })
            .collect();
    return result.isEmpty() ? null : result.get(0);
  }

  /** One Spark job per pass over blocks cached across the cluster, the codebook broadcast. */
  private static SomTraining.Trained trainDistributed(Dataset<Row> features, SomTraining training) {
    List<Row> head = features.takeAsList(1);
    if (head.isEmpty()) {
      throw new IllegalArgumentException("SelfOrganizingMap cannot fit an empty dataset");
    }
    Vector first = (Vector) head.get(0).get(0);
    if (first == null) {
      throw new IllegalArgumentException("SelfOrganizingMap cannot use null feature vectors");
    }
    int dim = first.size();
    JavaRDD<FeatureBlock> blocks =
        features
            .toJavaRDD()
            .mapPartitions(part -> FeatureBlock.fromRows(part, dim))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long rows = blocks.map(block -> (long) block.size).reduce(Long::sum);
      return training.train(new SomData.Distributed(blocks, rows, dim));
    } finally {
      blocks.unpersist(false);
    }
  }

  public static MLReader<SelfOrganizingMap> read() {
    return new DefaultParamsReader<>();
  }

  public static SelfOrganizingMap load(String path) {
    return read().load(path);
  }
}
