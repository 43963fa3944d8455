package com.customerpath.common.personas;

import com.customerpath.common.som.SelfOrganizingMapParamSet;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import scala.Function1;

/**
 * The Param objects of one {@link SomKMeansParams} owner, each with its validator (Spark's {@link
 * ParamValidators}) and what it expects, and every default in one place. Each owner creates its own
 * set because a Spark Param is bound to its owner's uid.
 */
public final class SomKMeansParamSet implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final List<String> TOPOLOGIES = SelfOrganizingMapParamSet.TOPOLOGIES;

  /** The k-selection criteria as config spells them: silhouette, davies-bouldin. */
  public static final List<String> K_SELECTIONS =
      Arrays.stream(KSelection.Criterion.values()).map(KSelection.Criterion::key).toList();

  final Param<String> featuresCol;
  final Param<String> predictionCol;
  final Param<String> somRowCol;
  final Param<String> somColCol;
  final IntParam gridRows;
  final IntParam gridCols;
  final Param<String> topology;
  final IntParam maxIter;
  final LongParam seed;
  final IntParam kMin;
  final IntParam kMax;
  final Param<String> kSelection;
  final IntParam kmeansMaxIter;
  final DoubleParam minShare;
  final IntParam stabilityResamples;

  /** What each param expects, by name, for the messages of a refused value. */
  private final Map<String, Rule> rules = new HashMap<>();

  SomKMeansParamSet(SomKMeansParams owner) {
    featuresCol =
        new Param<>(
            owner,
            "featuresCol",
            "features column (Vector, standardized)",
            rule("featuresCol", nonEmpty(), "a non-empty column name"));
    predictionCol =
        new Param<>(
            owner,
            "predictionCol",
            "output column: the cluster (0..k-1) of the row's best-matching unit",
            rule("predictionCol", nonEmpty(), "a non-empty column name"));
    somRowCol =
        new Param<>(
            owner,
            "somRowCol",
            "output column: grid row of the row's best-matching unit",
            rule("somRowCol", nonEmpty(), "a non-empty column name"));
    somColCol =
        new Param<>(
            owner,
            "somColCol",
            "output column: grid column of the row's best-matching unit",
            rule("somColCol", nonEmpty(), "a non-empty column name"));
    gridRows =
        new IntParam(
            owner,
            "gridRows",
            "number of rows of the map (> 0)",
            rule("gridRows", ParamValidators.gt(0), "> 0"));
    gridCols =
        new IntParam(
            owner,
            "gridCols",
            "number of columns of the map (> 0)",
            rule("gridCols", ParamValidators.gt(0), "> 0"));
    topology =
        new Param<>(
            owner,
            "topology",
            "unit layout of the map, one of " + TOPOLOGIES,
            rule("topology", ParamValidators.inArray(TOPOLOGIES), "one of " + TOPOLOGIES));
    maxIter =
        new IntParam(
            owner,
            "maxIter",
            "epochs of the map (> 0)",
            rule("maxIter", ParamValidators.gt(0), "> 0"));
    seed =
        new LongParam(
            owner,
            "seed",
            "random seed of the map, the codebook k-means and the stability resamples",
            rule("seed", new AnyValue(), "any long"));
    kMin =
        new IntParam(
            owner,
            "kMin",
            "smallest number of clusters tried (>= 2)",
            rule("kMin", ParamValidators.gtEq(2), ">= 2"));
    kMax =
        new IntParam(
            owner,
            "kMax",
            "largest number of clusters tried (>= 2, >= kMin, < gridRows * gridCols)",
            rule("kMax", ParamValidators.gtEq(2), ">= 2"));
    kSelection =
        new Param<>(
            owner,
            "kSelection",
            "index that chooses k on the codebook, one of "
                + K_SELECTIONS
                + " (silhouette: highest; davies-bouldin: lowest)",
            rule("kSelection", ParamValidators.inArray(K_SELECTIONS), "one of " + K_SELECTIONS));
    kmeansMaxIter =
        new IntParam(
            owner,
            "kmeansMaxIter",
            "maximum Lloyd iterations of each codebook k-means (> 0)",
            rule("kmeansMaxIter", ParamValidators.gt(0), "> 0"));
    minShare =
        new DoubleParam(
            owner,
            "minShare",
            "clusters holding less than this share of the rows are merged into the nearest one"
                + " (in [0, 0.5])",
            rule("minShare", ParamValidators.inRange(0, 0.5), "in [0, 0.5]"));
    stabilityResamples =
        new IntParam(
            owner,
            "stabilityResamples",
            "bootstrap resamples of the hit counts the stability (mean adjusted Rand index) is"
                + " measured on (>= 0; 0: not measured)",
            rule("stabilityResamples", ParamValidators.gtEq(0), ">= 0"));
  }

  /**
   * Sets every default on the owner (the personas step's reference.conf values). Separate from the
   * constructor because Spark resolves the owner's params by reflection, which needs the owner to
   * hold this set already.
   */
  void applyDefaults(SomKMeansParams owner) {
    owner.setDefault(featuresCol, "features");
    owner.setDefault(predictionCol, "cluster");
    owner.setDefault(somRowCol, "som_row");
    owner.setDefault(somColCol, "som_col");
    owner.setDefault(gridRows, 10);
    owner.setDefault(gridCols, 10);
    owner.setDefault(topology, SelfOrganizingMapParamSet.HEXAGONAL);
    owner.setDefault(maxIter, 20);
    owner.setDefault(seed, 42L);
    owner.setDefault(kMin, 4);
    owner.setDefault(kMax, 8);
    owner.setDefault(kSelection, KSelection.Criterion.SILHOUETTE.key());
    owner.setDefault(kmeansMaxIter, 50);
    owner.setDefault(minShare, 0.02);
    owner.setDefault(stabilityResamples, 20);
  }

  /** What the param expects when {@code value} is refused by its validator, otherwise null. */
  @SuppressWarnings("unchecked")
  String expectation(Param<?> param, Object value) {
    Rule rule = rules.get(param.name());
    boolean valid;
    try {
      valid = value != null && (Boolean) ((Function1<Object, Object>) rule.validator).apply(value);
    } catch (IllegalArgumentException e) { // a value of the wrong type
      valid = false;
    }
    return valid ? null : rule.expected;
  }

  private <T> Function1<T, Object> rule(String name, Function1<T, Object> validator, String text) {
    rules.put(name, new Rule(validator, text));
    return validator;
  }

  private static Function1<String, Object> nonEmpty() {
    return new NonEmpty();
  }

  /** A param's validator and what it expects, for messages. */
  private record Rule(Function1<?, Object> validator, String expected) implements Serializable {}

  /** Any value of the param's type. */
  private static final class AnyValue extends scala.runtime.AbstractFunction1<Object, Object>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(Object value) {
      return true;
    }
  }

  /** Column names: not null, not blank. */
  private static final class NonEmpty extends scala.runtime.AbstractFunction1<String, Object>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String value) {
      return value != null && !value.isBlank();
    }
  }
}
