package com.customerpath.common.som;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;

/**
 * The Param objects of one {@link SelfOrganizingMapParams} owner, with their validation rules and
 * every default in one place. Each owner creates its own set because a Spark Param is bound to its
 * owner's uid.
 */
public final class SelfOrganizingMapParamSet implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String RECTANGULAR = "rectangular";
  public static final String HEXAGONAL = "hexagonal";
  public static final String GAUSSIAN = "gaussian";
  public static final String BUBBLE = "bubble";
  public static final String EXPONENTIAL = "exponential";
  public static final String LINEAR = "linear";
  public static final String RANDOM = "random";
  public static final String PCA = "pca";

  public static final List<String> TOPOLOGIES = List.of(RECTANGULAR, HEXAGONAL);
  public static final List<String> NEIGHBORHOODS = List.of(GAUSSIAN, BUBBLE);
  public static final List<String> RADIUS_DECAYS = List.of(EXPONENTIAL, LINEAR);
  public static final List<String> INIT_MODES = List.of(RANDOM, PCA);

  /** Used when radiusEnd is not set, capped at the effective radiusStart. */
  static final double DEFAULT_RADIUS_END = 1.0;

  static final long DEFAULT_SINGLE_TASK_MAX_ROWS = 100_000;

  final IntParam gridRows;
  final IntParam gridCols;
  final Param<String> topology;
  final Param<String> neighborhood;
  final DoubleParam radiusStart;
  final DoubleParam radiusEnd;
  final Param<String> radiusDecay;
  final IntParam maxIter;
  final DoubleParam tol;
  final Param<String> initMode;
  final LongParam seed;
  final LongParam singleTaskMaxRows;
  final Param<String> featuresCol;
  final Param<String> predictionCol;
  final Param<String> bmuRowCol;
  final Param<String> bmuColCol;
  final Param<String> distanceCol;

  private final Map<String, Rule> rules = new HashMap<>();

  SelfOrganizingMapParamSet(SelfOrganizingMapParams owner) {
    Rule positiveInt = v -> (Integer) v > 0 ? null : "> 0";
    Rule positiveDouble = v -> (Double) v > 0 ? null : "> 0";
    Rule nonNegativeDouble = v -> (Double) v >= 0 ? null : ">= 0";
    Rule anyLong = v -> null;
    Rule columnName = v -> v != null && !((String) v).isBlank() ? null : "a non-empty column name";

    gridRows =
        new IntParam(
            owner,
            "gridRows",
            "number of rows of the map (> 0)",
            register("gridRows", positiveInt));
    gridCols =
        new IntParam(
            owner,
            "gridCols",
            "number of columns of the map (> 0)",
            register("gridCols", positiveInt));
    topology =
        new Param<>(
            owner,
            "topology",
            "unit layout, one of " + TOPOLOGIES,
            register("topology", oneOf(TOPOLOGIES)));
    neighborhood =
        new Param<>(
            owner,
            "neighborhood",
            "neighbourhood kernel on the grid distance, one of " + NEIGHBORHOODS,
            register("neighborhood", oneOf(NEIGHBORHOODS)));
    radiusStart =
        new DoubleParam(
            owner,
            "radiusStart",
            "kernel radius of the first epoch (> 0); unset means max(gridRows, gridCols) / 2",
            register("radiusStart", positiveDouble));
    radiusEnd =
        new DoubleParam(
            owner,
            "radiusEnd",
            "kernel radius of the last epoch (> 0, <= radiusStart); unset means min(1, radiusStart)",
            register("radiusEnd", positiveDouble));
    radiusDecay =
        new Param<>(
            owner,
            "radiusDecay",
            "how the radius goes from radiusStart to radiusEnd over the epochs, one of "
                + RADIUS_DECAYS,
            register("radiusDecay", oneOf(RADIUS_DECAYS)));
    maxIter =
        new IntParam(
            owner, "maxIter", "maximum number of epochs (> 0)", register("maxIter", positiveInt));
    tol =
        new DoubleParam(
            owner,
            "tol",
            "stop when the relative change of the quantization error between epochs is below tol (>= 0)",
            register("tol", nonNegativeDouble));
    initMode =
        new Param<>(
            owner,
            "initMode",
            "codebook initialisation, one of "
                + INIT_MODES
                + ": random sample rows, or the plane of the first two principal components",
            register("initMode", oneOf(INIT_MODES)));
    seed = new LongParam(owner, "seed", "random seed", register("seed", anyLong));
    singleTaskMaxRows =
        new LongParam(
            owner,
            "singleTaskMaxRows",
            "train inside one Spark task (one job for the whole fit instead of one per epoch) when"
                + " the data has at most this many rows; 0 = always one job per epoch (>= 0)",
            register("singleTaskMaxRows", v -> (Long) v >= 0 ? null : ">= 0"));
    featuresCol =
        new Param<>(
            owner, "featuresCol", "features column (Vector)", register("featuresCol", columnName));
    predictionCol =
        new Param<>(
            owner,
            "predictionCol",
            "output column: best-matching unit index row * gridCols + col",
            register("predictionCol", columnName));
    bmuRowCol =
        new Param<>(
            owner,
            "bmuRowCol",
            "output column: grid row of the best-matching unit",
            register("bmuRowCol", columnName));
    bmuColCol =
        new Param<>(
            owner,
            "bmuColCol",
            "output column: grid column of the best-matching unit",
            register("bmuColCol", columnName));
    distanceCol =
        new Param<>(
            owner,
            "distanceCol",
            "output column: Euclidean distance to the best-matching unit's codebook vector",
            register("distanceCol", columnName));
  }

  /**
   * Sets every default on the owner. Separate from the constructor because Spark resolves the
   * owner's params by reflection, which needs the owner to hold this set already.
   */
  void applyDefaults(SelfOrganizingMapParams owner) {
    owner.setDefault(gridRows, 10);
    owner.setDefault(gridCols, 10);
    owner.setDefault(topology, RECTANGULAR);
    owner.setDefault(neighborhood, GAUSSIAN);
    owner.setDefault(radiusEnd, DEFAULT_RADIUS_END);
    owner.setDefault(radiusDecay, EXPONENTIAL);
    owner.setDefault(maxIter, 20);
    // 0 runs the whole radius schedule: stopping while the radius is still large leaves a coarse
    // map.
    owner.setDefault(tol, 0.0);
    owner.setDefault(initMode, PCA);
    owner.setDefault(seed, (long) SelfOrganizingMap.class.getName().hashCode());
    // Below this an epoch is shorter than the scheduling of the Spark job that would run it.
    owner.setDefault(singleTaskMaxRows, DEFAULT_SINGLE_TASK_MAX_ROWS);
    owner.setDefault(featuresCol, "features");
    owner.setDefault(predictionCol, "prediction");
    owner.setDefault(bmuRowCol, "bmuRow");
    owner.setDefault(bmuColCol, "bmuCol");
    owner.setDefault(distanceCol, "bmuDistance");
  }

  /** What the param expects when {@code value} is not acceptable, otherwise null. */
  String expectation(Param<?> param, Object value) {
    return rules.get(param.name()).expectation(value);
  }

  private <T> Validator<T> register(String name, Rule rule) {
    rules.put(name, rule);
    return new Validator<>(rule);
  }

  private static Rule oneOf(List<String> allowed) {
    return v -> v != null && allowed.contains(v) ? null : "one of " + allowed;
  }

  /**
   * A param's acceptance rule: null when the value is fine, else a description of what is expected.
   */
  @FunctionalInterface
  interface Rule extends Serializable {
    String expectation(Object value);
  }

  /** Adapts a {@link Rule} to the Scala predicate Spark checks on every {@code set}. */
  private static final class Validator<T> implements scala.Function1<T, Object>, Serializable {
    private static final long serialVersionUID = 1L;
    private final Rule rule;

    Validator(Rule rule) {
      this.rule = rule;
    }

    @Override
    public Object apply(T value) {
      return rule.expectation(value) == null;
    }
  }
}
