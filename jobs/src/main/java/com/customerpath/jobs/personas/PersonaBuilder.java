package com.customerpath.jobs.personas;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Builds personas from customer features: impute and standardize the features, cluster, then
 * describe each cluster (size, share, mean and z-score of every feature), name it, and pick the
 * real customer nearest its centroid as its representative. Context features (weekday, weekend)
 * are assigned to the same personas with the same fitted scaler and clustering.
 */
public final class PersonaBuilder {
  public static final String FEATURES = "features";

  private PersonaBuilder() {}

  /** personas: one row per persona; customerPersonas: one row per (customer, context). */
  public record Result(Dataset<Row> personas, Dataset<Row> customerPersonas, Map<String, Double> quality,
                       Map<Integer, double[]> centroidsById, Map<Integer, String> namesById, PipelineModel scaler,
                       List<String> columns) {

    /** Feature means (e.g. a previous run's persona profile) in this run's standardized space. */
    public double[] standardize(Map<String, Double> means) {
      org.apache.spark.ml.feature.StandardScalerModel model =
          (org.apache.spark.ml.feature.StandardScalerModel) scaler.stages()[2];
      double[] mu = model.mean().toArray();
      double[] sigma = model.std().toArray();
      double[] z = new double[columns.size()];
      for (int j = 0; j < z.length; j++) {
        Double m = means.get(columns.get(j));
        // A feature the previous run lacked counts as average; a constant feature carries no distance.
        z[j] = m == null || m.isNaN() || sigma[j] == 0 ? 0 : (m - mu[j]) / sigma[j];
      }
      return z;
    }
  }

  /** Imputation (median), assembly and standardization of the chosen feature columns. */
  public static PipelineModel fitScaler(Dataset<Row> features, List<String> columns) {
    String[] in = columns.toArray(String[]::new);
    String[] imputed = columns.stream().map(c -> c + "__imputed").toArray(String[]::new);
    Dataset<Row> doubles = asDoubles(features, columns);
    PipelineStage[] stages = {
        new Imputer().setStrategy("median").setInputCols(in).setOutputCols(imputed),
        new VectorAssembler().setInputCols(imputed).setOutputCol("raw_features"),
        new StandardScaler().setWithMean(true).setWithStd(true).setInputCol("raw_features").setOutputCol(FEATURES)};
    return new Pipeline().setStages(stages).fit(doubles);
  }

  public static Dataset<Row> standardize(PipelineModel scaler, Dataset<Row> features, List<String> columns,
                                         String... passThrough) {
    List<Column> keep = new ArrayList<>();
    keep.add(col("customer_id"));
    for (String c : passThrough) {
      keep.add(col(c));
    }
    keep.add(col(FEATURES));
    columns.forEach(c -> keep.add(col(c)));
    return scaler.transform(asDoubles(features, columns)).select(keep.toArray(Column[]::new));
  }

  private static Dataset<Row> asDoubles(Dataset<Row> features, List<String> columns) {
    Dataset<Row> out = features;
    for (String c : columns) {
      out = out.withColumn(c, col(c).cast(DataTypes.DoubleType));
    }
    return out;
  }

  public static Result build(Dataset<Row> features, Dataset<Row> contextFeatures, List<String> columns,
                             PersonaClustering clustering, PersonaNaming naming) {
    SparkSession spark = features.sparkSession();
    PipelineModel scaler = fitScaler(features, columns);
    Dataset<Row> scaled = standardize(scaler, features, columns).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      PersonaClustering.Fitted fitted = clustering.fit(scaled);
      Dataset<Row> assigned = withDistance(fitted.assign(scaled), fitted.centroids())
          .persist(StorageLevel.MEMORY_AND_DISK());

      List<Row> profileRows = profile(assigned, columns).collectAsList(); // k rows
      long total = profileRows.stream().mapToLong(r -> r.getLong(1)).sum();
      // Ids 1..k by size, largest first (ties by centroid), so an id reads the same on re-runs.
      List<Row> ordered = new ArrayList<>(profileRows);
      ordered.sort(Comparator.comparingLong((Row r) -> -r.getLong(1)).thenComparingInt(r -> r.getInt(0)));
      Map<Integer, Integer> idOfCluster = new HashMap<>();
      for (int i = 0; i < ordered.size(); i++) {
        idOfCluster.put(ordered.get(i).getInt(0), i + 1);
      }
      Map<Integer, Map<String, Double>> zById = new LinkedHashMap<>();
      for (Row r : ordered) {
        Map<String, Double> z = new LinkedHashMap<>();
        for (int j = 0; j < columns.size(); j++) {
          z.put(columns.get(j), r.isNullAt(2 + columns.size() + j) ? Double.NaN : r.getDouble(2 + columns.size() + j));
        }
        zById.put(idOfCluster.get(r.getInt(0)), z);
      }
      Map<Integer, String> names = naming.names(zById);
      Dataset<Row> idMap = clusterIdMap(spark, idOfCluster);
      Map<Integer, String> representatives = representatives(assigned, idMap);

      Map<Integer, double[]> centroidsById = new HashMap<>();
      idOfCluster.forEach((cluster, id) -> centroidsById.put(id, fitted.centroids()[cluster]));

      Dataset<Row> personas = personasTable(spark, ordered, idOfCluster, names, representatives, total, columns);
      Dataset<Row> all = customerRows(assigned, idMap, "all");
      Dataset<Row> customerPersonas = all;
      if (contextFeatures != null) {
        // One row per (customer, context): the context travels with its own features.
        Dataset<Row> contextScaled = standardize(scaler, contextFeatures, columns, "context");
        Dataset<Row> contextAssigned = withDistance(fitted.assign(contextScaled), fitted.centroids());
        customerPersonas = all.unionByName(customerRows(contextAssigned, idMap, null));
      }
      Map<String, Double> quality = new LinkedHashMap<>(fitted.quality());
      quality.put("personas_silhouette", silhouette(assigned));
      quality.put("personas_k", (double) profileRows.size());
      Dataset<Row> materialized = customerPersonas.localCheckpoint();
      assigned.unpersist();
      return new Result(personas, materialized, quality, centroidsById, names, scaler, List.copyOf(columns));
    } finally {
      scaled.unpersist();
    }
  }

  /** Euclidean distance of each row's standardized vector to its cluster's centroid. */
  static Dataset<Row> withDistance(Dataset<Row> assigned, double[][] centroids) {
    List<Row> rows = new ArrayList<>();
    for (int c = 0; c < centroids.length; c++) {
      rows.add(RowFactory.create(c, Arrays.stream(centroids[c]).boxed().toArray(Double[]::new)));
    }
    StructType schema = new StructType().add("cluster", DataTypes.IntegerType)
        .add("_centroid", DataTypes.createArrayType(DataTypes.DoubleType));
    Dataset<Row> centroidTable = assigned.sparkSession().createDataFrame(rows, schema);
    return assigned.withColumn("cluster", col("cluster").cast(DataTypes.IntegerType))
        .join(functions.broadcast(centroidTable), "cluster")
        .withColumn("_z", org.apache.spark.ml.functions.vector_to_array(col(FEATURES), "float64"))
        .withColumn("distance", functions.expr(
            "sqrt(aggregate(zip_with(_z, _centroid, (a, b) -> (a - b) * (a - b)), 0D, (acc, x) -> acc + x))"))
        .drop("_centroid");
  }

  /** Per cluster: cluster, customers, mean of each feature, mean z-score of each feature. */
  static Dataset<Row> profile(Dataset<Row> assigned, List<String> columns) {
    List<Column> aggs = new ArrayList<>();
    for (String c : columns) {
      aggs.add(functions.avg(col(c)).as("mean_" + c));
    }
    for (int j = 0; j < columns.size(); j++) {
      aggs.add(functions.avg(functions.element_at(col("_z"), j + 1)).as("z_" + columns.get(j)));
    }
    return assigned.groupBy("cluster").agg(functions.count(lit(1)).as("customers"), aggs.toArray(Column[]::new))
        .orderBy("cluster");
  }

  private static Dataset<Row> clusterIdMap(SparkSession spark, Map<Integer, Integer> idOfCluster) {
    List<Row> rows = new ArrayList<>();
    idOfCluster.forEach((cluster, id) -> rows.add(RowFactory.create(cluster, id)));
    return spark.createDataFrame(rows, new StructType().add("cluster", DataTypes.IntegerType)
        .add("persona_id", DataTypes.IntegerType));
  }

  /** The customer nearest each persona's centroid (ties: smallest id). */
  private static Map<Integer, String> representatives(Dataset<Row> assigned, Dataset<Row> idMap) {
    Map<Integer, String> out = new HashMap<>();
    assigned.join(functions.broadcast(idMap), "cluster")
        .withColumn("rk", functions.row_number().over(Window.partitionBy("persona_id")
            .orderBy(col("distance"), col("customer_id"))))
        .filter(col("rk").equalTo(1)).select("persona_id", "customer_id")
        .collectAsList().forEach(r -> out.put(r.getInt(0), r.getString(1)));
    return out;
  }

  private static Dataset<Row> customerRows(Dataset<Row> assigned, Dataset<Row> idMap, String context) {
    Column contextCol = context == null ? col("context") : lit(context);
    return assigned.join(functions.broadcast(idMap), "cluster").select(
        col("customer_id"), col("persona_id"), contextCol.as("context"),
        col("som_row"), col("som_col"), col("distance"));
  }

  private static Dataset<Row> personasTable(SparkSession spark, List<Row> ordered, Map<Integer, Integer> idOfCluster,
                                            Map<Integer, String> names, Map<Integer, String> representatives,
                                            long total, List<String> columns) {
    StructType schema = new StructType()
        .add("persona_id", DataTypes.IntegerType)
        .add("persona_name", DataTypes.StringType)
        .add("customers", DataTypes.LongType)
        .add("share", DataTypes.DoubleType)
        .add("representative_customer_id", DataTypes.StringType);
    for (String c : columns) {
      schema = schema.add("mean_" + c, DataTypes.DoubleType);
    }
    for (String c : columns) {
      schema = schema.add("z_" + c, DataTypes.DoubleType);
    }
    List<Row> rows = new ArrayList<>();
    for (Row r : ordered) {
      int id = idOfCluster.get(r.getInt(0));
      List<Object> values = new ArrayList<>(List.of(id, names.get(id), r.getLong(1), (double) r.getLong(1) / total));
      values.add(representatives.get(id));
      for (int j = 0; j < 2 * columns.size(); j++) {
        values.add(r.isNullAt(2 + j) ? null : r.getDouble(2 + j));
      }
      rows.add(RowFactory.create(values.toArray()));
    }
    return spark.createDataFrame(rows, schema).orderBy("persona_id");
  }

  private static double silhouette(Dataset<Row> assigned) {
    long n = assigned.count();
    Dataset<Row> sample = n > 50_000 ? assigned.sample(false, 50_000.0 / n, 7) : assigned;
    return new ClusteringEvaluator().setFeaturesCol(FEATURES).setPredictionCol("cluster")
        .setMetricName("silhouette").evaluate(sample);
  }
}
