package com.customerpath.common.som;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
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

  @Override
  public SelfOrganizingMapModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    if (dataset.storageLevel().equals(StorageLevel.NONE())) {
      LOG.warn(
          "The input data is not directly cached, which may hurt performance if its"
              + " parent RDDs are also uncached.");
    }
    Dataset<Row> features = dataset.select(getFeaturesCol());
    List<Row> first = features.takeAsList(1);
    if (first.isEmpty()) {
      throw new IllegalArgumentException("SelfOrganizingMap cannot fit an empty dataset");
    }
    Vector firstVector = (Vector) first.get(0).get(0);
    if (firstVector == null) {
      throw new IllegalArgumentException("SelfOrganizingMap cannot use null feature vectors");
    }
    int dim = firstVector.size();
    JavaRDD<FeatureBlock> blocks =
        features
            .toJavaRDD()
            .mapPartitions(rows -> FeatureBlock.fromRows(rows, dim))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return train(blocks, dim);
    } finally {
      blocks.unpersist(false);
    }
  }

  private SelfOrganizingMapModel train(JavaRDD<FeatureBlock> blocks, int dim) {
    long start = System.nanoTime();
    SomGrid grid = somGrid();
    int units = grid.numUnits();
    long rows = blocks.map(block -> (long) block.size).reduce(Long::sum);
    double[] codebook =
        SelfOrganizingMapParamSet.PCA.equals(getInitMode())
            ? CodebookInitializer.pca(blocks, grid, dim)
            : CodebookInitializer.random(blocks, rows, units, dim, getSeed());
    LOG.info(
        "SelfOrganizingMap {}x{} {} on {} rows x {} features: cached and initialised ({}) in {} s",
        grid.rows(),
        grid.cols(),
        getTopology(),
        rows,
        dim,
        getInitMode(),
        seconds(start));

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(blocks.context());
    List<TrainingEpoch> history = new ArrayList<>();
    RadiusSchedule schedule =
        new RadiusSchedule(
            getRadiusStart(),
            getRadiusEnd(),
            SelfOrganizingMapParamSet.LINEAR.equals(getRadiusDecay()),
            getMaxIter());
    boolean bubble = SelfOrganizingMapParamSet.BUBBLE.equals(getNeighborhood());
    // Each pass measures the codebook it searches and sums rows for the next update, so epoch e's
    // errors come from the pass after its update: maxIter + 1 passes, the last without sums.
    PassStatistics stats = pass(jsc, blocks, grid, codebook, dim, true);
    for (int epoch = 0; epoch < getMaxIter(); epoch++) {
      long epochStart = System.nanoTime();
      double radius = schedule.radius(epoch);
      codebook = batchUpdate(grid, codebook, dim, stats, radius, bubble);
      boolean last = epoch == getMaxIter() - 1;
      stats = pass(jsc, blocks, grid, codebook, dim, !last);
      TrainingEpoch summary =
          new TrainingEpoch(epoch + 1, radius, stats.quantizationError(), stats.topographicError());
      history.add(summary);
      LOG.info("SelfOrganizingMap {} in {} s", summary, seconds(epochStart));
      if (epoch > 0 && converged(history, getTol())) {
        break;
      }
    }
    // The last pass searched the final codebook: its counts are the training hit counts.
    SelfOrganizingMapModel model =
        new SelfOrganizingMapModel(uid, codebook, dim, history, stats.counts);
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  /** One distributed BMU pass against a broadcast codebook. */
  private static PassStatistics pass(
      JavaSparkContext jsc,
      JavaRDD<FeatureBlock> blocks,
      SomGrid grid,
      double[] codebook,
      int dim,
      boolean withSums) {
    Broadcast<BmuSearch> search = jsc.broadcast(new BmuSearch(grid, codebook, dim));
    try {
      return blocks
          .mapPartitions(part -> List.of(search.value().accumulate(part, withSums)).iterator())
          .treeAggregate(
              new PassStatistics(grid.numUnits(), dim, withSums),
              PassStatistics::merge,
              PassStatistics::merge);
    } finally {
      search.destroy();
    }
  }

  /** Relative change of the quantization error between the last two epochs is below tol. */
  private static boolean converged(List<TrainingEpoch> history, double tol) {
    double previous = history.get(history.size() - 2).quantizationError();
    double current = history.get(history.size() - 1).quantizationError();
    return Math.abs(previous - current) < tol * previous;
  }

  /**
   * Kohonen's batch rule. Units whose weighted count is zero (no data within a bubble) keep their
   * weights.
   */
  static double[] batchUpdate(
      SomGrid grid,
      double[] codebook,
      int dim,
      PassStatistics stats,
      double radius,
      boolean bubble) {
    int units = grid.numUnits();
    double[] updated = codebook.clone();
    double twoRadiusSquared = 2 * radius * radius;
    double[] numerator = new double[dim];
    for (int j = 0; j < units; j++) {
      Arrays.fill(numerator, 0);
      double denominator = 0;
      for (int i = 0; i < units; i++) {
        if (stats.counts[i] == 0) {
          continue;
        }
        double d2 = grid.squaredDistance(j, i);
        double h = bubble ? (d2 <= radius * radius ? 1 : 0) : Math.exp(-d2 / twoRadiusSquared);
        if (h == 0) {
          continue;
        }
        denominator += h * stats.counts[i];
        for (int f = 0; f < dim; f++) {
          numerator[f] += h * stats.sums[i * dim + f];
        }
      }
      if (denominator > 0) {
        for (int f = 0; f < dim; f++) {
          updated[j * dim + f] = numerator[f] / denominator;
        }
      }
    }
    return updated;
  }

  private static String seconds(long startNanos) {
    return String.format("%.3f", (System.nanoTime() - startNanos) / 1e9);
  }

  public static MLReader<SelfOrganizingMap> read() {
    return new DefaultParamsReader<>();
  }

  public static SelfOrganizingMap load(String path) {
    return read().load(path);
  }

  /** Radius per epoch, from start (first epoch) to end (last epoch); a single epoch uses end. */
  record RadiusSchedule(double start, double end, boolean linear, int epochs) {
    double radius(int epoch) {
      double progress = epochs == 1 ? 1.0 : (double) epoch / (epochs - 1);
      return linear ? start + (end - start) * progress : start * Math.pow(end / start, progress);
    }
  }
}
