package com.customerpath.common.personas;

import java.util.Arrays;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Params shared by {@link SomKMeans} and {@link SomKMeansModel}. The accessors are public no-arg
 * methods returning a Param, which is how Spark discovers params by reflection. Definitions,
 * validators and defaults live in {@link SomKMeansParamSet}.
 */
public interface SomKMeansParams extends Params {

  /** This owner's Param objects. */
  SomKMeansParamSet somKMeansParams();

  default Param<String> featuresCol() {
    return somKMeansParams().featuresCol;
  }

  default Param<String> predictionCol() {
    return somKMeansParams().predictionCol;
  }

  default Param<String> somRowCol() {
    return somKMeansParams().somRowCol;
  }

  default Param<String> somColCol() {
    return somKMeansParams().somColCol;
  }

  default IntParam gridRows() {
    return somKMeansParams().gridRows;
  }

  default IntParam gridCols() {
    return somKMeansParams().gridCols;
  }

  default Param<String> topology() {
    return somKMeansParams().topology;
  }

  /** Epochs of the map. */
  default IntParam maxIter() {
    return somKMeansParams().maxIter;
  }

  default LongParam seed() {
    return somKMeansParams().seed;
  }

  default IntParam kMin() {
    return somKMeansParams().kMin;
  }

  default IntParam kMax() {
    return somKMeansParams().kMax;
  }

  default Param<String> kSelection() {
    return somKMeansParams().kSelection;
  }

  default IntParam kmeansMaxIter() {
    return somKMeansParams().kmeansMaxIter;
  }

  default DoubleParam minShare() {
    return somKMeansParams().minShare;
  }

  default IntParam stabilityResamples() {
    return somKMeansParams().stabilityResamples;
  }

  default String getFeaturesCol() {
    return getOrDefault(featuresCol());
  }

  default String getPredictionCol() {
    return getOrDefault(predictionCol());
  }

  default String getSomRowCol() {
    return getOrDefault(somRowCol());
  }

  default String getSomColCol() {
    return getOrDefault(somColCol());
  }

  default int getGridRows() {
    return (Integer) getOrDefault(gridRows());
  }

  default int getGridCols() {
    return (Integer) getOrDefault(gridCols());
  }

  default String getTopology() {
    return getOrDefault(topology());
  }

  default int getMaxIter() {
    return (Integer) getOrDefault(maxIter());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default int getKMin() {
    return (Integer) getOrDefault(kMin());
  }

  default int getKMax() {
    return (Integer) getOrDefault(kMax());
  }

  default String getKSelection() {
    return getOrDefault(kSelection());
  }

  /** The k-selection param as the criterion it names. */
  default KSelection.Criterion kSelectionCriterion() {
    return KSelection.Criterion.of(getKSelection());
  }

  default int getKmeansMaxIter() {
    return (Integer) getOrDefault(kmeansMaxIter());
  }

  default double getMinShare() {
    return (Double) getOrDefault(minShare());
  }

  default int getStabilityResamples() {
    return (Integer) getOrDefault(stabilityResamples());
  }

  /** Sets a param after checking it, failing with a message naming the param and both values. */
  default <T> void setChecked(Param<T> param, T value) {
    String expected = somKMeansParams().expectation(param, value);
    if (expected != null) {
      throw invalidParam(param, value, expected);
    }
    set(param, value);
  }

  default IllegalArgumentException invalidParam(Param<?> param, Object value, String expected) {
    String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
    return new IllegalArgumentException(
        String.format(
            "Cannot set %s param %s: value refused (got %s, expected %s)",
            getClass().getSimpleName(), param.name(), shown, expected));
  }

  /**
   * Checks what no single-param validator can: kMin <= kMax, and fewer clusters than the map has
   * units.
   */
  default void validateParams() {
    if (getKMax() < getKMin()) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot cluster the SOM codebook: kMax is below kMin (got kMax %d, expected >= kMin"
                  + " %d)",
              getKMax(), getKMin()));
    }
    int units = getGridRows() * getGridCols();
    if (getKMax() >= units) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot cluster the SOM codebook: kMax needs more units than the %dx%d map has (got"
                  + " kMax %d, expected < %d)",
              getGridRows(), getGridCols(), getKMax(), units));
    }
  }

  /** Checks the features column exists and holds Vectors. */
  default void validateFeaturesColumn(StructType schema) {
    String features = getFeaturesCol();
    if (!Arrays.asList(schema.fieldNames()).contains(features)) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot use %s featuresCol: no such column (got '%s', expected one of %s)",
              getClass().getSimpleName(), features, Arrays.toString(schema.fieldNames())));
    }
    if (!schema.apply(features).dataType().equals(SQLDataTypes.VectorType())) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot use %s featuresCol '%s': not a vector column (got %s, expected vector)",
              getClass().getSimpleName(),
              features,
              schema.apply(features).dataType().catalogString()));
    }
  }

  /**
   * Checks the features column and appends the three output columns (the estimator checks {@link
   * #validateParams} first; a fitted model's clusters are fixed, so the k range does not apply).
   */
  default StructType validateAndTransformSchema(StructType schema) {
    validateFeaturesColumn(schema);
    StructType out = schema;
    for (String name : new String[] {getPredictionCol(), getSomRowCol(), getSomColCol()}) {
      if (Arrays.asList(out.fieldNames()).contains(name)) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot add %s output column '%s': it already exists (got %s, expected a new"
                    + " name)",
                getClass().getSimpleName(), name, Arrays.toString(out.fieldNames())));
      }
      out = out.add(DataTypes.createStructField(name, DataTypes.IntegerType, true));
    }
    return out;
  }
}
