package com.customerpath.common.som;

import java.util.Arrays;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Params shared by {@link SelfOrganizingMap} and {@link SelfOrganizingMapModel}. The accessors are
 * public no-arg methods returning a Param, which is how Spark discovers params by reflection.
 * Definitions, rules and defaults live in {@link SelfOrganizingMapParamSet}.
 */
public interface SelfOrganizingMapParams extends Params {

  /** This owner's Param objects. */
  SelfOrganizingMapParamSet somParams();

  default IntParam gridRows() {
    return somParams().gridRows;
  }

  default IntParam gridCols() {
    return somParams().gridCols;
  }

  default Param<String> topology() {
    return somParams().topology;
  }

  default Param<String> neighborhood() {
    return somParams().neighborhood;
  }

  default DoubleParam radiusStart() {
    return somParams().radiusStart;
  }

  default DoubleParam radiusEnd() {
    return somParams().radiusEnd;
  }

  default Param<String> radiusDecay() {
    return somParams().radiusDecay;
  }

  default IntParam maxIter() {
    return somParams().maxIter;
  }

  default DoubleParam tol() {
    return somParams().tol;
  }

  default Param<String> initMode() {
    return somParams().initMode;
  }

  default LongParam seed() {
    return somParams().seed;
  }

  default LongParam singleTaskMaxRows() {
    return somParams().singleTaskMaxRows;
  }

  default Param<String> featuresCol() {
    return somParams().featuresCol;
  }

  default Param<String> predictionCol() {
    return somParams().predictionCol;
  }

  default Param<String> bmuRowCol() {
    return somParams().bmuRowCol;
  }

  default Param<String> bmuColCol() {
    return somParams().bmuColCol;
  }

  default Param<String> distanceCol() {
    return somParams().distanceCol;
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

  default String getNeighborhood() {
    return getOrDefault(neighborhood());
  }

  /** The first epoch's radius: the set value, else max(gridRows, gridCols) / 2. */
  default double getRadiusStart() {
    return isDefined(radiusStart())
        ? (Double) getOrDefault(radiusStart())
        : Math.max(getGridRows(), getGridCols()) / 2.0;
  }

  /**
   * The last epoch's radius: the set value, else the default capped at {@link #getRadiusStart()}.
   */
  default double getRadiusEnd() {
    double end = (Double) getOrDefault(radiusEnd());
    return isSet(radiusEnd()) ? end : Math.min(end, getRadiusStart());
  }

  default String getRadiusDecay() {
    return getOrDefault(radiusDecay());
  }

  default int getMaxIter() {
    return (Integer) getOrDefault(maxIter());
  }

  default double getTol() {
    return (Double) getOrDefault(tol());
  }

  default String getInitMode() {
    return getOrDefault(initMode());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default long getSingleTaskMaxRows() {
    return (Long) getOrDefault(singleTaskMaxRows());
  }

  default String getFeaturesCol() {
    return getOrDefault(featuresCol());
  }

  default String getPredictionCol() {
    return getOrDefault(predictionCol());
  }

  default String getBmuRowCol() {
    return getOrDefault(bmuRowCol());
  }

  default String getBmuColCol() {
    return getOrDefault(bmuColCol());
  }

  default String getDistanceCol() {
    return getOrDefault(distanceCol());
  }

  /** The grid described by gridRows, gridCols and topology. */
  default SomGrid somGrid() {
    return new SomGrid(
        getGridRows(), getGridCols(), SelfOrganizingMapParamSet.HEXAGONAL.equals(getTopology()));
  }

  /** Sets a param after checking it, failing with a message naming the param and both values. */
  default <T> void setChecked(Param<T> param, T value) {
    String expected = somParams().expectation(param, value);
    if (expected != null) {
      throw invalidParam(param, value, expected);
    }
    set(param, value);
  }

  default IllegalArgumentException invalidParam(Param<?> param, Object value, String expected) {
    String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
    return new IllegalArgumentException(
        String.format(
            "Cannot set %s param %s: got %s, expected %s",
            getClass().getSimpleName(), param.name(), shown, expected));
  }

  /** Checks the radius pair, which no single-param rule can do. */
  default void validateRadii() {
    double start = getRadiusStart();
    double end = getRadiusEnd();
    if (end > start) {
      throw invalidParam(radiusEnd(), end, "<= radiusStart (" + start + ")");
    }
  }

  /** Checks the features column exists and holds Vectors. */
  default void validateFeaturesColumn(StructType schema) {
    String features = getFeaturesCol();
    if (!Arrays.asList(schema.fieldNames()).contains(features)) {
      throw new IllegalArgumentException(
          "SelfOrganizingMap featuresCol '"
              + features
              + "' does not exist; available columns: "
              + Arrays.toString(schema.fieldNames()));
    }
    if (!schema.apply(features).dataType().equals(SQLDataTypes.VectorType())) {
      throw new IllegalArgumentException(
          "SelfOrganizingMap featuresCol '"
              + features
              + "' must be of type Vector but was "
              + schema.apply(features).dataType().catalogString());
    }
  }

  /** Checks the params and the features column, and appends the four output columns. */
  default StructType validateAndTransformSchema(StructType schema) {
    validateRadii();
    validateFeaturesColumn(schema);
    StructType out = schema;
    for (StructField field :
        new StructField[] {
          DataTypes.createStructField(getPredictionCol(), DataTypes.IntegerType, false),
          DataTypes.createStructField(getBmuRowCol(), DataTypes.IntegerType, false),
          DataTypes.createStructField(getBmuColCol(), DataTypes.IntegerType, false),
          DataTypes.createStructField(getDistanceCol(), DataTypes.DoubleType, false)
        }) {
      if (Arrays.asList(out.fieldNames()).contains(field.name())) {
        throw new IllegalArgumentException(
            "SelfOrganizingMap output column '" + field.name() + "' already exists");
      }
      out = out.add(field);
    }
    return out;
  }
}
