package com.customerpath.jobs.personas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.customerpath.testing.SparkTestSession;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The distance of each customer's standardized vector to their cluster's centroid (the persona's
 * representative is the nearest): known answers, and the rows of no known cluster dropped.
 */
class PersonaDistanceTest {
  @Test
  void distanceToOwnCentroidAndUnknownClustersDropped() {
    SparkSession spark = SparkTestSession.get();
    StructType schema =
        new StructType()
            .add("customer_id", DataTypes.StringType)
            .add("cluster", DataTypes.LongType)
            .add(PersonaBuilder.FEATURES, SQLDataTypes.VectorType());
    double[][] centroids = {{0, 0, 0}, {1, 2, 3}};
    Dataset<Row> assigned =
        spark.createDataFrame(
            List.of(
                RowFactory.create("at-origin", 0L, Vectors.dense(0, 0, 0)),
                RowFactory.create("3-4-5", 0L, Vectors.dense(3, 4, 0)),
                RowFactory.create("on-centroid", 1L, Vectors.dense(1, 2, 3)),
                RowFactory.create(
                    "one-off", 1L, Vectors.sparse(3, new int[] {0}, new double[] {1})),
                RowFactory.create("cluster-2", 2L, Vectors.dense(1, 1, 1)),
                RowFactory.create("negative", -1L, Vectors.dense(1, 1, 1)),
                RowFactory.create("no-cluster", null, Vectors.dense(1, 1, 1))),
            schema);

    Map<String, Double> distance = new HashMap<>();
    for (Row r :
        PersonaBuilder.withDistance(assigned, centroids)
            .select("customer_id", "distance")
            .collectAsList()) {
      distance.put(r.getString(0), r.getDouble(1));
    }

    assertEquals(0.0, distance.get("at-origin"), 0.0);
    assertEquals(5.0, distance.get("3-4-5"), 1e-12);
    assertEquals(0.0, distance.get("on-centroid"), 0.0);
    assertEquals(Math.sqrt(4 + 9), distance.get("one-off"), 1e-12);
    assertFalse(distance.containsKey("cluster-2"), "no centroid 2: dropped");
    assertFalse(distance.containsKey("negative"));
    assertFalse(distance.containsKey("no-cluster"));
    assertEquals(4, distance.size());
  }
}
