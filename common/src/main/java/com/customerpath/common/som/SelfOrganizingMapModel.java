package com.customerpath.common.som;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A trained Self-Organizing Map: a codebook vector per grid unit. {@code transform} adds the
 * best-matching unit (index, row, column) and the Euclidean distance to it.
 */
public final class SelfOrganizingMapModel extends Model<SelfOrganizingMapModel>
    implements SelfOrganizingMapParams, MLWritable {
  private static final long serialVersionUID = 1L;
  private static final String BMU_STRUCT = "__som_bmu";
  private static final StructType BMU_TYPE =
      new StructType()
          .add("unit", DataTypes.IntegerType, false)
          .add("row", DataTypes.IntegerType, false)
          .add("col", DataTypes.IntegerType, false)
          .add("distance", DataTypes.DoubleType, false);

  private final String uid;
  private final SelfOrganizingMapParamSet somParams;

  /** units x dim, row-major. */
  private final double[] codebook;

  private final int dim;
  private final List<TrainingEpoch> history;

  /**
   * Training rows per unit for the final codebook (the last training pass), or null when not
   * trained here.
   */
  private final long[] trainingHits;

  SelfOrganizingMapModel(String uid, double[] codebook, int dim, List<TrainingEpoch> history) {
    this(uid, codebook, dim, history, null);
  }

  SelfOrganizingMapModel(
      String uid, double[] codebook, int dim, List<TrainingEpoch> history, long[] trainingHits) {
    this.uid = uid;
    this.somParams = new SelfOrganizingMapParamSet(this);
    somParams.applyDefaults(this);
    this.codebook = codebook;
    this.dim = dim;
    this.history = List.copyOf(history);
    this.trainingHits = trainingHits == null ? null : trainingHits.clone();
  }

  /**
   * A model with a given codebook (one vector per unit, index {@code row * gridCols + col}) and no
   * training history, e.g. to score with a codebook trained elsewhere.
   */
  public static SelfOrganizingMapModel fromCodebook(
      int gridRows, int gridCols, String topology, Vector[] codebook) {
    SomGrid grid =
        new SomGrid(gridRows, gridCols, SelfOrganizingMapParamSet.HEXAGONAL.equals(topology));
    if (codebook.length != grid.numUnits()) {
      throw new IllegalArgumentException(
          "SelfOrganizingMapModel codebook has "
              + codebook.length
              + " vectors but a "
              + gridRows
              + "x"
              + gridCols
              + " grid has "
              + grid.numUnits()
              + " units");
    }
    int dim = codebook[0].size();
    double[] values = new double[codebook.length * dim];
    for (int j = 0; j < codebook.length; j++) {
      if (codebook[j].size() != dim) {
        throw new IllegalArgumentException(
            "SelfOrganizingMapModel codebook vectors must have one size: "
                + "vector 0 has "
                + dim
                + " but vector "
                + j
                + " has "
                + codebook[j].size());
      }
      System.arraycopy(codebook[j].toArray(), 0, values, j * dim, dim);
    }
    SelfOrganizingMapModel model =
        new SelfOrganizingMapModel(Identifiable$.MODULE$.randomUID("som"), values, dim, List.of());
    model.setChecked(model.gridRows(), gridRows);
    model.setChecked(model.gridCols(), gridCols);
    model.setChecked(model.topology(), topology);
    return model;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public SelfOrganizingMapParamSet somParams() {
    return somParams;
  }

  public SelfOrganizingMapModel setFeaturesCol(String value) {
    setChecked(featuresCol(), value);
    return this;
  }

  public SelfOrganizingMapModel setPredictionCol(String value) {
    setChecked(predictionCol(), value);
    return this;
  }

  public SelfOrganizingMapModel setBmuRowCol(String value) {
    setChecked(bmuRowCol(), value);
    return this;
  }

  public SelfOrganizingMapModel setBmuColCol(String value) {
    setChecked(bmuColCol(), value);
    return this;
  }

  public SelfOrganizingMapModel setDistanceCol(String value) {
    setChecked(distanceCol(), value);
    return this;
  }

  public int numUnits() {
    return codebook.length / dim;
  }

  public int numFeatures() {
    return dim;
  }

  public int unitRow(int unit) {
    return grid().row(unit);
  }

  public int unitCol(int unit) {
    return grid().col(unit);
  }

  /** The codebook as a units x features matrix. */
  public Matrix codebook() {
    return new DenseMatrix(numUnits(), dim, codebook, true);
  }

  /** The codebook vector of every unit, indexed by unit. */
  public Vector[] codebookVectors() {
    Vector[] vectors = new Vector[numUnits()];
    for (int j = 0; j < vectors.length; j++) {
      vectors[j] = Vectors.dense(Arrays.copyOfRange(codebook, j * dim, (j + 1) * dim));
    }
    return vectors;
  }

  /**
   * Per epoch: radius and the training-data errors of the codebook it produced; empty for {@link
   * #fromCodebook}.
   */
  public List<TrainingEpoch> trainingHistory() {
    return history;
  }

  /**
   * Whether the model carries its training summary (false once saved and loaded, or built from a
   * codebook).
   */
  public boolean hasSummary() {
    return trainingHits != null;
  }

  /**
   * The training summary, as MLlib's clustering models keep one: per-unit hit counts of the
   * training data on the final codebook (from the last training pass: no extra pass over the data)
   * and the errors per epoch.
   */
  public SelfOrganizingMapSummary summary() {
    if (trainingHits == null) {
      throw new IllegalStateException(
          "SelfOrganizingMapModel "
              + uid
              + " has no training summary"
              + " (it was loaded or built from a codebook); use hitCounts(dataset)");
    }
    return new SelfOrganizingMapSummary(trainingHits.clone(), history);
  }

  /**
   * Writes the grid and the codebook as properties under the prefix (doubles as Java prints them:
   * {@link #restore} builds the same model, without a Spark job).
   */
  public void store(java.util.Properties p, String prefix) {
    p.setProperty(prefix + "rows", String.valueOf(getGridRows()));
    p.setProperty(prefix + "cols", String.valueOf(getGridCols()));
    p.setProperty(prefix + "topology", getTopology());
    com.customerpath.common.personas.PersonaModelFile.putRows(
        p,
        prefix + "codebook",
        java.util.Arrays.stream(codebookVectors()).map(Vector::toArray).toArray(double[][]::new));
  }

  /** The model {@link #store} wrote (no training summary). */
  public static SelfOrganizingMapModel restore(java.util.Properties p, String prefix) {
    return fromCodebook(
        Integer.parseInt(p.getProperty(prefix + "rows")),
        Integer.parseInt(p.getProperty(prefix + "cols")),
        p.getProperty(prefix + "topology"),
        java.util.Arrays.stream(
                com.customerpath.common.personas.PersonaModelFile.rows(p, prefix + "codebook"))
            .map(org.apache.spark.ml.linalg.Vectors::dense)
            .toArray(Vector[]::new));
  }

  /** Per unit: mean Euclidean distance of its codebook vector to those of its grid neighbours. */
  public double[] uMatrix() {
    SomGrid grid = grid();
    double[] u = new double[numUnits()];
    for (int j = 0; j < u.length; j++) {
      int[] neighbours = grid.neighbours(j);
      double sum = 0;
      for (int n : neighbours) {
        double s = 0;
        for (int f = 0; f < dim; f++) {
          double d = codebook[j * dim + f] - codebook[n * dim + f];
          s += d * d;
        }
        sum += Math.sqrt(s);
      }
      u[j] = neighbours.length == 0 ? 0 : sum / neighbours.length;
    }
    return u;
  }

  /** Mean Euclidean distance from each row to its best-matching unit. */
  public double quantizationError(Dataset<?> dataset) {
    return evaluate(dataset).quantizationError();
  }

  /** Share of rows whose best and second-best matching units are not grid neighbours. */
  public double topographicError(Dataset<?> dataset) {
    return evaluate(dataset).topographicError();
  }

  /** Number of rows whose best-matching unit is each unit. */
  public long[] hitCounts(Dataset<?> dataset) {
    return evaluate(dataset).counts;
  }

  private PassStatistics evaluate(Dataset<?> dataset) {
    validateFeaturesColumn(dataset.schema());
    BmuSearch search = new BmuSearch(grid(), codebook, dim);
    int d = dim;
    JavaRDD<PassStatistics> partials =
        dataset
            .select(getFeaturesCol())
            .toJavaRDD()
            .mapPartitions(
                rows ->
                    List.of(search.accumulate(FeatureBlock.fromRows(rows, d), false)).iterator());
    return partials.treeAggregate(
        new PassStatistics(numUnits(), dim, false), PassStatistics::merge, PassStatistics::merge);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return validateAndTransformSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    UserDefinedFunction bmu =
        functions.udf(bmuOf(codebook, dim, grid().cols()), BMU_TYPE).asNonNullable();
    Column struct = functions.col(BMU_STRUCT);
    Map<String, Column> outputs = new LinkedHashMap<>();
    outputs.put(getPredictionCol(), struct.getField("unit"));
    outputs.put(getBmuRowCol(), struct.getField("row"));
    outputs.put(getBmuColCol(), struct.getField("col"));
    outputs.put(getDistanceCol(), struct.getField("distance"));
    return dataset
        .withColumn(BMU_STRUCT, bmu.apply(dataset.col(getFeaturesCol())))
        .withColumns(outputs)
        .drop(BMU_STRUCT);
  }

  /** Row-wise BMU for transform; static so the closure ships only the codebook. */
  private static UDF1<Vector, Row> bmuOf(double[] codebook, int dim, int cols) {
    int units = codebook.length / dim;
    return features -> {
      if (features == null) {
        throw new IllegalArgumentException(
            "SelfOrganizingMapModel cannot map a null feature vector");
      }
      if (features.size() != dim) {
        throw new IllegalArgumentException(
            "SelfOrganizingMapModel expects "
                + dim
                + " features but got a vector of size "
                + features.size());
      }
      double[] x = features.toArray();
      int best = 0;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int j = 0; j < units; j++) {
        double s = 0;
        int offset = j * dim;
        // Stop summing once this unit is already worse than the best so far.
        for (int f = 0; f < dim && s < bestDistance; f++) {
          double diff = x[f] - codebook[offset + f];
          s += diff * diff;
        }
        if (s < bestDistance) {
          best = j;
          bestDistance = s;
        }
      }
      return RowFactory.create(best, best / cols, best % cols, Math.sqrt(bestDistance));
    };
  }

  /** The grid of the current params, checked against the codebook size. */
  private SomGrid grid() {
    SomGrid grid = somGrid();
    if (grid.numUnits() != numUnits()) {
      throw new IllegalStateException(
          "SelfOrganizingMapModel grid "
              + grid.rows()
              + "x"
              + grid.cols()
              + " does not match its codebook of "
              + numUnits()
              + " units");
    }
    return grid;
  }

  @Override
  public SelfOrganizingMapModel copy(ParamMap extra) {
    SelfOrganizingMapModel copied =
        new SelfOrganizingMapModel(uid, codebook, dim, history, trainingHits);
    return copyValues(copied, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  public static MLReader<SelfOrganizingMapModel> read() {
    return new Reader();
  }

  public static SelfOrganizingMapModel load(String path) {
    return read().load(path);
  }

  private static final StructType CODEBOOK_SCHEMA =
      new StructType()
          .add("unit", DataTypes.IntegerType, false)
          .add("weights", SQLDataTypes.VectorType(), false);
  private static final StructType HISTORY_SCHEMA =
      new StructType()
          .add("epoch", DataTypes.IntegerType, false)
          .add("radius", DataTypes.DoubleType, false)
          .add("quantizationError", DataTypes.DoubleType, false)
          .add("topographicError", DataTypes.DoubleType, false);

  /** Params as MLlib metadata JSON; codebook and history as Parquet under {@code data/}. */
  private static final class Writer extends MLWriter {
    private final SelfOrganizingMapModel model;

    Writer(SelfOrganizingMapModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(model, path, sparkSession());
      List<Row> units = new ArrayList<>();
      Vector[] vectors = model.codebookVectors();
      for (int j = 0; j < vectors.length; j++) {
        units.add(RowFactory.create(j, vectors[j]));
      }
      List<Row> epochs = new ArrayList<>();
      for (TrainingEpoch e : model.history) {
        epochs.add(
            RowFactory.create(e.epoch(), e.radius(), e.quantizationError(), e.topographicError()));
      }
      sparkSession()
          .createDataFrame(units, CODEBOOK_SCHEMA)
          .coalesce(1)
          .write()
          .parquet(path + "/data/codebook");
      sparkSession()
          .createDataFrame(epochs, HISTORY_SCHEMA)
          .coalesce(1)
          .write()
          .parquet(path + "/data/history");
    }
  }

  private static final class Reader extends MLReader<SelfOrganizingMapModel> {
    @Override
    public SelfOrganizingMapModel load(String path) {
      DefaultParamsReader.Metadata metadata =
          DefaultParamsReader.loadMetadata(
              path, sparkSession(), SelfOrganizingMapModel.class.getName());
      List<Row> units =
          sparkSession().read().parquet(path + "/data/codebook").orderBy("unit").collectAsList();
      int dim = ((Vector) units.get(0).get(1)).size();
      double[] codebook = new double[units.size() * dim];
      for (Row unit : units) {
        System.arraycopy(((Vector) unit.get(1)).toArray(), 0, codebook, unit.getInt(0) * dim, dim);
      }
      List<TrainingEpoch> history = new ArrayList<>();
      for (Row e :
          sparkSession().read().parquet(path + "/data/history").orderBy("epoch").collectAsList()) {
        history.add(new TrainingEpoch(e.getInt(0), e.getDouble(1), e.getDouble(2), e.getDouble(3)));
      }
      SelfOrganizingMapModel model =
          new SelfOrganizingMapModel(metadata.uid(), codebook, dim, history);
      metadata.getAndSetParams(model, scala.Option.empty());
      return model;
    }
  }
}
