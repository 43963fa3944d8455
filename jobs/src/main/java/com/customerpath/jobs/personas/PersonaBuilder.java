package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.personas.ClusterQuality;
import com.customerpath.common.spark.Lookup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Builds personas from customer features: transform, standardise and weight the features ({@link
 * PersonaScaler}), cluster, then describe each cluster (size, share, silhouette, mean, transformed
 * mean and z-score of every feature), name it, and pick the real customer nearest its centroid as
 * its representative. Context features (weekday, weekend) are assigned to the same personas with
 * the same fitted scaler and clustering.
 */
public final class PersonaBuilder {
  public static final String FEATURES = "features";

  private PersonaBuilder() {}

  /** personas: one row per persona; customerPersonas: one row per (customer, context). */
  public record Result(
      Dataset<Row> personas,
      Dataset<Row> customerPersonas,
      Map<String, Double> quality,
      Map<Integer, double[]> centroidsById,
      Map<Integer, String> namesById,
      PersonaScaler scaler,
      PersonaClustering.Fitted fitted,
      List<String> columns) {

    /**
     * A previous persona's centroid in tonight's clustering space, from its means on the
     * transformed scale ({@code t_<f>}), or from its raw means transformed here where a run before
     * this version kept only those. A feature the previous run lacked counts as average.
     */
    public double[] toSpace(Map<String, Double> transformedMeans, Map<String, Double> rawMeans) {
      Map<String, Double> t = new HashMap<>();
      for (int j = 0; j < columns.size(); j++) {
        String c = columns.get(j);
        if (transformedMeans.containsKey(c)) {
          t.put(c, transformedMeans.get(c));
        } else if (rawMeans.containsKey(c)) {
          t.put(c, scaler.transformLocal(j, rawMeans.get(c)));
        }
      }
      return scaler.toSpace(t);
    }
  }

  public static Result build(
      Dataset<Row> features,
      Dataset<Row> contextFeatures,
      PersonaScaler scaler,
      PersonaClustering clustering,
      PersonaNaming naming) {
    return assemble(features, contextFeatures, scaler, clustering::fit, naming, true);
  }

  /**
   * As above with a clustering fitted on an earlier night (kept by {@link PersonaModelStore}):
   * tonight's customers are assigned to it, nothing is refitted.
   */
  public static Result build(
      Dataset<Row> features,
      Dataset<Row> contextFeatures,
      PersonaScaler scaler,
      PersonaClustering.Fitted fitted,
      PersonaNaming naming) {
    return assemble(features, contextFeatures, scaler, scaled -> fitted, naming, false);
  }

  private static Result assemble(
      Dataset<Row> features,
      Dataset<Row> contextFeatures,
      PersonaScaler scaler,
      java.util.function.Function<Dataset<Row>, PersonaClustering.Fitted> fit,
      PersonaNaming naming,
      boolean fits) {
    SparkSession spark = features.sparkSession();
    List<String> columns = scaler.columns();
    // Kept for the fit's passes over the customers; a kept model reads them once (the assignment
    // below, itself kept), and caching the wide scaled rows would only cost time and memory.
    Dataset<Row> scaled =
        fits
            ? scaler.transform(features).persist(StorageLevel.MEMORY_AND_DISK())
            : scaler.transform(features);
    try {
      PersonaClustering.Fitted fitted = fit.apply(scaled);
      Dataset<Row> assigned =
          withDistance(fitted.assign(scaled), fitted.centroids())
              .persist(StorageLevel.MEMORY_AND_DISK());

      List<Row> profileRows = profile(assigned, columns).collectAsList(); // k rows
      CustomerSilhouette.Result silhouette = CustomerSilhouette.of(assigned);
      long total = profileRows.stream().mapToLong(r -> r.getLong(1)).sum();
      // Ids 1..k by size, largest first (ties by centroid), so an id reads the same on re-runs.
      List<Row> ordered = new ArrayList<>(profileRows);
      ordered.sort(
          Comparator.comparingLong((Row r) -> -r.getLong(1)).thenComparingInt(r -> r.getInt(0)));
      Map<Integer, Integer> idOfCluster = new HashMap<>();
      for (int i = 0; i < ordered.size(); i++) {
        idOfCluster.put(ordered.get(i).getInt(0), i + 1);
      }
      int n = columns.size();
      Map<Integer, Map<String, Double>> zById = new LinkedHashMap<>();
      Map<Integer, Map<String, Double>> meansById = new LinkedHashMap<>();
      Map<String, Double> overall = new LinkedHashMap<>();
      for (Row r : ordered) {
        Map<String, Double> z = new LinkedHashMap<>();
        Map<String, Double> means = new LinkedHashMap<>();
        for (int j = 0; j < n; j++) {
          double mean = r.isNullAt(2 + j) ? Double.NaN : r.getDouble(2 + j);
          double t = r.isNullAt(2 + n + j) ? Double.NaN : r.getDouble(2 + n + j);
          means.put(columns.get(j), mean);
          z.put(columns.get(j), Double.isNaN(t) ? Double.NaN : scaler.z(j, t));
          if (!Double.isNaN(mean)) {
            overall.merge(columns.get(j), mean * r.getLong(1) / total, Double::sum);
          }
        }
        int id = idOfCluster.get(r.getInt(0));
        zById.put(id, z);
        meansById.put(id, means);
      }
      Map<Integer, String> names = naming.names(zById);
      Map<Integer, String> descriptions = new HashMap<>();
      for (Row r : ordered) {
        int id = idOfCluster.get(r.getInt(0));
        descriptions.put(
            id,
            naming.describe(
                r.getLong(1),
                (double) r.getLong(1) / total,
                meansById.get(id),
                overall,
                zById.get(id)));
      }
      Map<Integer, double[]> centroidsById = new HashMap<>();
      idOfCluster.forEach((cluster, id) -> centroidsById.put(id, fitted.centroids()[cluster]));

      Map<String, Double> quality = new LinkedHashMap<>(fitted.quality());
      quality.put("personas_silhouette", silhouette.overall());
      quality.put("personas_k", (double) profileRows.size());
      double[] sizes = ordered.stream().mapToDouble(r -> r.getLong(1)).toArray();
      quality.put("personas_size_balance", ClusterQuality.sizeBalance(sizes));
      quality.put("personas_smallest_share", sizes[sizes.length - 1] / total);
      quality.put("personas_largest_share", sizes[0] / total);

      Dataset<Row> personas =
          personasTable(
              spark,
              ordered,
              idOfCluster,
              names,
              descriptions,
              zById,
              silhouette,
              quality,
              total,
              columns);
      Dataset<Row> all = customerRows(assigned, idOfCluster, "all");
      Dataset<Row> customerPersonas = all;
      if (contextFeatures != null) {
        // One row per (customer, context): the context travels with its own features.
        Dataset<Row> contextScaled = scaler.transform(contextFeatures, "context");
        Dataset<Row> contextAssigned =
            withDistance(fitted.assign(contextScaled), fitted.centroids());
        customerPersonas = all.unionByName(customerRows(contextAssigned, idOfCluster, null));
      }
      Dataset<Row> materialized = customerPersonas.localCheckpoint();
      assigned.unpersist();
      return new Result(
          personas,
          materialized,
          quality,
          centroidsById,
          names,
          scaler,
          fitted,
          List.copyOf(columns));
    } finally {
      scaled.unpersist();
    }
  }

  /**
   * Euclidean distance of each row's standardized vector to its cluster's centroid, the centroids'
   * coordinates array literals indexed by cluster (no broadcast job); a row of no known cluster is
   * dropped. The sum is written out term by term, in coordinate order, so Spark compiles it: a
   * higher-order function (aggregate over zip_with) is evaluated interpreted, row by row.
   */
  static Dataset<Row> withDistance(Dataset<Row> assigned, double[][] centroids) {
    int k = centroids.length;
    Column cluster = col("cluster");
    Dataset<Row> known =
        assigned
            .withColumn("cluster", cluster.cast(DataTypes.IntegerType))
            .filter(cluster.isNotNull().and(cluster.geq(0)).and(cluster.lt(k)))
            .withColumn(
                "_z", org.apache.spark.ml.functions.vector_to_array(col(FEATURES), "float64"));
    Column sum = lit(0.0);
    for (int j = 0; j < (k == 0 ? 0 : centroids[0].length); j++) {
      double[] coordinate = new double[k];
      for (int c = 0; c < k; c++) {
        coordinate[c] = centroids[c][j];
      }
      Column d = functions.get(col("_z"), lit(j)).minus(functions.get(lit(coordinate), cluster));
      sum = sum.plus(d.multiply(d));
    }
    return known.withColumn("distance", functions.sqrt(sum)).drop("_z");
  }

  /**
   * Per cluster, in one aggregation: cluster, customers, mean of each feature, mean of each
   * transformed feature, and the customer nearest the centroid (ties: the smallest id). In no
   * order: the caller sorts its k rows (a distributed sort costs a sampling job).
   */
  static Dataset<Row> profile(Dataset<Row> assigned, List<String> columns) {
    List<Column> aggs = new ArrayList<>();
    for (String c : columns) {
      aggs.add(functions.avg(col(c)).as("mean_" + c));
    }
    for (String c : columns) {
      aggs.add(functions.avg(col(c + PersonaScaler.SUFFIX)).as("t_" + c));
    }
    aggs.add(
        functions
            .min(functions.struct(col("distance"), col("customer_id")))
            .getField("customer_id")
            .as("representative_customer_id"));
    return assigned
        .groupBy("cluster")
        .agg(functions.count(lit(1)).as("customers"), aggs.toArray(Column[]::new));
  }

  /**
   * One row per customer (and context) of a cluster that has a persona id; the id looked up in a
   * literal map rather than joined (no broadcast job).
   */
  private static Dataset<Row> customerRows(
      Dataset<Row> assigned, Map<Integer, Integer> idOfCluster, String context) {
    Column contextCol = context == null ? col("context") : lit(context);
    Column personaId = Lookup.intValue(col("cluster").cast(DataTypes.IntegerType), idOfCluster);
    return assigned
        .withColumn("persona_id", personaId)
        .filter(col("persona_id").isNotNull())
        .select(
            col("customer_id"),
            col("persona_id"),
            contextCol.as("context"),
            col("som_row"),
            col("som_col"),
            col("distance"));
  }

  private static Dataset<Row> personasTable(
      SparkSession spark,
      List<Row> ordered,
      Map<Integer, Integer> idOfCluster,
      Map<Integer, String> names,
      Map<Integer, String> descriptions,
      Map<Integer, Map<String, Double>> zById,
      CustomerSilhouette.Result silhouette,
      Map<String, Double> quality,
      long total,
      List<String> columns) {
    StructType schema =
        new StructType()
            .add("persona_id", DataTypes.IntegerType)
            .add("persona_name", DataTypes.StringType)
            .add("description", DataTypes.StringType)
            .add("customers", DataTypes.LongType)
            .add("share", DataTypes.DoubleType)
            .add("silhouette", DataTypes.DoubleType)
            .add("stability_ari", DataTypes.DoubleType)
            .add("size_balance", DataTypes.DoubleType)
            .add("representative_customer_id", DataTypes.StringType);
    for (String prefix : new String[] {"mean_", "z_", "t_"}) {
      for (String c : columns) {
        schema = schema.add(prefix + c, DataTypes.DoubleType);
      }
    }
    int n = columns.size();
    List<Row> rows = new ArrayList<>();
    for (Row r : ordered) {
      int cluster = r.getInt(0);
      int id = idOfCluster.get(cluster);
      List<Object> values =
          new ArrayList<>(
              List.of(
                  id,
                  names.get(id),
                  descriptions.get(id),
                  r.getLong(1),
                  (double) r.getLong(1) / total));
      values.add(silhouette.perCluster().get(cluster));
      values.add(quality.get("personas_stability_ari"));
      values.add(quality.get("personas_size_balance"));
      values.add(r.getString(2 + 2 * n));
      for (int j = 0; j < n; j++) {
        values.add(r.isNullAt(2 + j) ? null : r.getDouble(2 + j));
      }
      for (String c : columns) {
        Double z = zById.get(id).get(c);
        values.add(z == null || z.isNaN() ? null : z);
      }
      for (int j = 0; j < n; j++) {
        values.add(r.isNullAt(2 + n + j) ? null : r.getDouble(2 + n + j));
      }
      rows.add(RowFactory.create(values.toArray()));
    }
    rows.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));
    return spark.createDataFrame(rows, schema); // held by the driver, in persona id order
  }
}
