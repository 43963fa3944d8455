package com.customerpath.common.personas;

import com.customerpath.common.som.SelfOrganizingMapModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link SomKMeans}: the self-organizing map, the cluster of each of its units (empty
 * units: the nearest centroid's), the centroids in the feature space and the quality figures of the
 * fit. {@code transform} adds the cluster of each row's best-matching unit and that unit's grid row
 * and column.
 *
 * <p>Kept between nights as properties ({@link #store}, {@link #restore}: doubles as Java prints
 * them, so the restored model assigns every row as the fitted one, without a Spark job), or saved
 * the MLlib way ({@link #write}: params as metadata JSON, the same properties as data).
 */
public final class SomKMeansModel extends Model<SomKMeansModel>
    implements SomKMeansParams, MLWritable {
  private static final long serialVersionUID = 1L;

  /** The value of the {@code method} key {@link #store} writes. */
  public static final String METHOD = "som-kmeans";

  private static final String UNIT = "_unit";

  private final String uid;
  private final SomKMeansParamSet params;
  private final SelfOrganizingMapModel som;
  private final int[] clusterOfUnit;
  private final double[][] centroids;
  private final Map<String, Double> quality;

  /** Null once stored and restored. */
  private final SomKMeansSummary summary;

  SomKMeansModel(
      String uid,
      SelfOrganizingMapModel som,
      int[] clusterOfUnit,
      double[][] centroids,
      Map<String, Double> quality,
      SomKMeansSummary summary) {
    this.uid = uid;
    this.params = new SomKMeansParamSet(this);
    params.applyDefaults(this);
    if (clusterOfUnit.length != som.numUnits()) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot build a SomKMeansModel: one cluster per map unit is needed (got %d, expected"
                  + " %d)",
              clusterOfUnit.length, som.numUnits()));
    }
    this.som = som;
    this.clusterOfUnit = clusterOfUnit;
    this.centroids = centroids;
    this.quality = quality;
    this.summary = summary;
    // The grid is the map's, whatever the defaults say.
    set(gridRows(), som.getGridRows());
    set(gridCols(), som.getGridCols());
    set(topology(), som.getTopology());
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public SomKMeansParamSet somKMeansParams() {
    return params;
  }

  public SomKMeansModel setFeaturesCol(String value) {
    setChecked(featuresCol(), value);
    return this;
  }

  public SomKMeansModel setPredictionCol(String value) {
    setChecked(predictionCol(), value);
    return this;
  }

  public SomKMeansModel setSomRowCol(String value) {
    setChecked(somRowCol(), value);
    return this;
  }

  public SomKMeansModel setSomColCol(String value) {
    setChecked(somColCol(), value);
    return this;
  }

  /** The fitted map. */
  public SelfOrganizingMapModel som() {
    return som;
  }

  /** The cluster of every map unit, indexed by unit ({@code row * gridCols + col}). */
  public int[] clusterOfUnit() {
    return clusterOfUnit.clone();
  }

  /** Number of clusters. */
  public int k() {
    return centroids.length;
  }

  /** The centroid of each cluster, in the features' space (the shared arrays: do not change). */
  public double[][] centroids() {
    return centroids;
  }

  /**
   * The fit's quality figures (SOM errors and units used, every tried k's score, k, codebook
   * silhouette, stability), kept by {@link #store}.
   */
  public Map<String, Double> quality() {
    return Collections.unmodifiableMap(quality);
  }

  /** Whether the model carries its training summary (false once stored and restored). */
  public boolean hasSummary() {
    return summary != null;
  }

  public SomKMeansSummary summary() {
    if (summary == null) {
      throw new IllegalStateException(
          "Cannot give the SomKMeansModel "
              + uid
              + " training summary: it was restored (got no summary, expected a fitted model)");
    }
    return summary;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return validateAndTransformSchema(schema);
  }

  /**
   * Adds the cluster, grid row and grid column of each row's best-matching unit: the map's
   * transform, then a look-up in three arrays indexed by unit, literals of the plan (at most a few
   * hundred units). A join with a unit-to-cluster table cost a broadcast, and so a Spark job, in
   * every query that used the assignment.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    int units = clusterOfUnit.length;
    int[] rowOfUnit = new int[units];
    int[] colOfUnit = new int[units];
    for (int u = 0; u < units; u++) {
      rowOfUnit[u] = som.unitRow(u);
      colOfUnit[u] = som.unitCol(u);
    }
    SelfOrganizingMapModel mapper =
        som.copy(ParamMap.empty())
            .setFeaturesCol(getFeaturesCol())
            .setPredictionCol(UNIT)
            .setBmuRowCol("_bmu_row")
            .setBmuColCol("_bmu_col")
            .setDistanceCol("_bmu_distance");
    return mapper
        .transform(dataset)
        .withColumn(
            getPredictionCol(), functions.get(functions.lit(clusterOfUnit), functions.col(UNIT)))
        .withColumn(getSomRowCol(), functions.get(functions.lit(rowOfUnit), functions.col(UNIT)))
        .withColumn(getSomColCol(), functions.get(functions.lit(colOfUnit), functions.col(UNIT)))
        .drop(UNIT, "_bmu_row", "_bmu_col", "_bmu_distance");
  }

  @Override
  public SomKMeansModel copy(ParamMap extra) {
    SomKMeansModel copied =
        new SomKMeansModel(uid, som, clusterOfUnit, centroids, quality, summary);
    return copyValues(copied, extra).setParent(parent());
  }

  /**
   * Writes what {@link #transform} needs and the quality figures as properties under the prefix:
   * {@code method}, the map under {@code som.}, {@code cluster_of_unit}, {@code centroids} and
   * {@code metric.<name>}.
   */
  public void store(Properties p, String prefix) {
    p.setProperty(prefix + "method", METHOD);
    som.store(p, prefix + "som.");
    p.setProperty(prefix + "cluster_of_unit", PersonaModelFile.ints(clusterOfUnit));
    PersonaModelFile.putRows(p, prefix + "centroids", centroids);
    PersonaModelFile.putMetrics(p, prefix, quality);
  }

  /** The model {@link #store} wrote (no training summary; default params but the grid). */
  public static SomKMeansModel restore(Properties p, String prefix) {
    return restore(p, prefix, Identifiable$.MODULE$.randomUID("somKMeans"));
  }

  private static SomKMeansModel restore(Properties p, String prefix, String uid) {
    String method = p.getProperty(prefix + "method");
    if (method != null && !METHOD.equals(method)) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot restore a SomKMeansModel from %smethod: another clustering (got '%s',"
                  + " expected '%s')",
              prefix, method, METHOD));
    }
    return new SomKMeansModel(
        uid,
        SelfOrganizingMapModel.restore(p, prefix + "som."),
        PersonaModelFile.ints(p.getProperty(prefix + "cluster_of_unit")),
        PersonaModelFile.rows(p, prefix + "centroids"),
        PersonaModelFile.metrics(p, prefix),
        null);
  }

  @Override
  public MLWriter write() {
    return new ModelWriter(this);
  }

  public static MLReader<SomKMeansModel> read() {
    return new ModelReader();
  }

  public static SomKMeansModel load(String path) {
    return read().load(path);
  }

  private static final String DATA = "data/model.properties";

  /** Params as MLlib metadata JSON; the model as {@link #store}'s properties under data/. */
  private static final class ModelWriter extends MLWriter {
    private final SomKMeansModel model;

    ModelWriter(SomKMeansModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(model, path, sparkSession());
      Properties p = new Properties();
      model.store(p, "");
      Path file = new Path(path, DATA);
      try {
        FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(file, false);
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
          p.store(w, "SomKMeansModel " + model.uid());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot save the SomKMeansModel to " + file, e);
      }
    }
  }

  private static final class ModelReader extends MLReader<SomKMeansModel> {
    @Override
    public SomKMeansModel load(String path) {
      DefaultParamsReader.Metadata metadata =
          DefaultParamsReader.loadMetadata(path, sparkSession(), SomKMeansModel.class.getName());
      Path file = new Path(path, DATA);
      Properties p = new Properties();
      try {
        FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
        try (InputStream in = fs.open(file)) {
          p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot load the SomKMeansModel from " + file, e);
      }
      SomKMeansModel model = restore(p, "", metadata.uid());
      metadata.getAndSetParams(model, scala.Option.empty());
      return model;
    }
  }
}
