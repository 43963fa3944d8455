package com.customerpath.jobs.personas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.PersonaSettings.FeatureGroupSettings;
import com.customerpath.common.config.PersonaSettings.Transform;
import com.customerpath.common.io.Tables;
import com.customerpath.common.personas.KSelection;
import com.customerpath.common.personas.SomKMeans;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * A fitted persona model kept between nights assigns every customer as the model fitted did, and is
 * used again until it is retrain-days old or what it depends on changes.
 */
class PersonaModelStoreTest {
  private static final LocalDate FITTED = LocalDate.parse("2026-06-01");
  private static final String FINGERPRINT = "algorithm=som-kmeans|columns=[spend, weekend_share]";

  /** Three planted groups of customers on spend and weekend share, with some missing spend. */
  private static Dataset<Row> customers(SparkSession spark) {
    Random random = new Random(11);
    List<Row> rows = new ArrayList<>();
    double[][] centers = {{20, 0.1}, {200, 0.8}, {2000, 0.4}};
    for (int i = 0; i < 240; i++) {
      double[] c = centers[i % 3];
      rows.add(
          RowFactory.create(
              "c" + i,
              i % 17 == 0 ? null : c[0] * Math.exp(0.2 * random.nextGaussian()),
              Math.min(1, Math.max(0, c[1] + 0.05 * random.nextGaussian()))));
    }
    return spark.createDataFrame(
        rows,
        new StructType()
            .add("customer_id", DataTypes.StringType)
            .add("spend", DataTypes.DoubleType)
            .add("weekend_share", DataTypes.DoubleType));
  }

  private static PersonaScaler scaler(Dataset<Row> customers) {
    return PersonaScaler.fit(
        customers,
        List.of(
            new PersonaScaler.Feature("spend", "value", true, Transform.LOG1P),
            new PersonaScaler.Feature("weekend_share", "time", true, Transform.QUANTILE)),
        List.of(
            new FeatureGroupSettings("value", 1.0, true, List.of("spend")),
            new FeatureGroupSettings("time", 1.0, true, List.of("weekend_share"))));
  }

  private static List<Row> assigned(PersonaClustering.Fitted fitted, Dataset<Row> scaled) {
    return fitted
        .assign(scaled)
        .select("customer_id", "cluster", "som_row", "som_col")
        .orderBy("customer_id")
        .collectAsList();
  }

  private static List<Row> vectors(PersonaScaler scaler, Dataset<Row> customers) {
    return scaler
        .transform(customers)
        .select("customer_id", PersonaBuilder.FEATURES, "spend__t", "weekend_share__t")
        .orderBy("customer_id")
        .collectAsList();
  }

  private static void assertRestoredAssignsAsFitted(PersonaClustering clustering, String name)
      throws Exception {
    SparkSession spark = SparkTestSession.get();
    Tables tables = new Tables(spark, SparkTestSession.tempDir("persona-store-" + name).toString());
    Dataset<Row> customers = customers(spark);
    PersonaScaler scaler = scaler(customers);
    Dataset<Row> scaled = scaler.transform(customers).cache();
    PersonaClustering.Fitted fitted = clustering.fit(scaled);
    PersonaModelStore.save(
        tables, FITTED, new PersonaModelStore.Stored(scaler, fitted, FITTED), FINGERPRINT);

    PersonaModelStore.Stored kept =
        PersonaModelStore.reusable(tables, FITTED.plusDays(3), FINGERPRINT, 7).orElseThrow();
    assertEquals(FITTED, kept.fittedOn());
    // The same vectors to the last bit, so the same units, clusters and map positions.
    assertEquals(vectors(scaler, customers), vectors(kept.scaler(), customers), name);
    List<Row> expected = assigned(fitted, scaled);
    assertEquals(expected, assigned(kept.fitted(), scaled), name);
    assertTrue(
        expected.stream().map(r -> r.getInt(1)).distinct().count() >= 2,
        name + ": the fixture's customers fall into several personas");
    for (int c = 0; c < fitted.centroids().length; c++) {
      assertArrayEquals(fitted.centroids()[c], kept.fitted().centroids()[c], name);
    }
    assertEquals(fitted.quality(), new java.util.LinkedHashMap<>(kept.fitted().quality()));
    scaled.unpersist();
  }

  @Test
  void aRestoredSomKMeansModelAssignsEveryCustomerAsTheFittedOne() throws Exception {
    assertRestoredAssignsAsFitted(
        new SomKMeansClustering(
            new SomKMeans()
                .setGridRows(4)
                .setGridCols(4)
                .setTopology("hexagonal")
                .setMaxIter(5)
                .setKMin(2)
                .setKMax(4)
                .setKSelection(KSelection.Criterion.SILHOUETTE)
                .setKmeansMaxIter(20)
                .setSeed(7L)
                .setMinShare(0.0)
                .setStabilityResamples(2)),
        "som-kmeans");
  }

  @Test
  void aRestoredKMeansModelAssignsEveryCustomerAsTheFittedOne() throws Exception {
    assertRestoredAssignsAsFitted(
        new KMeansClustering(2, 3, KSelection.Criterion.DAVIES_BOULDIN, 10, 7L, 0.0), "kmeans");
  }

  @Test
  void aModelIsUsedUntilRetrainDaysOldOrItsFingerprintChanges() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path root = SparkTestSession.tempDir("persona-store-age");
    Tables tables = new Tables(spark, root.toString());
    Dataset<Row> customers = customers(spark);
    PersonaScaler scaler = scaler(customers);
    PersonaClustering.Fitted fitted =
        new KMeansClustering(2, 2, KSelection.Criterion.DAVIES_BOULDIN, 5, 7L, 0.0)
            .fit(scaler.transform(customers));
    PersonaModelStore.save(
        tables, FITTED, new PersonaModelStore.Stored(scaler, fitted, FITTED), FINGERPRINT);

    assertTrue(PersonaModelStore.reusable(tables, FITTED, FINGERPRINT, 7).isPresent());
    assertTrue(PersonaModelStore.reusable(tables, FITTED.plusDays(6), FINGERPRINT, 7).isPresent());
    assertTrue(
        PersonaModelStore.reusable(tables, FITTED.plusDays(7), FINGERPRINT, 7).isEmpty(),
        "retrain-days old: refitted");
    assertTrue(
        PersonaModelStore.reusable(tables, FITTED.plusDays(1), FINGERPRINT, 1).isEmpty(),
        "retrain-days = 1 refits every night");
    assertTrue(
        PersonaModelStore.reusable(tables, FITTED.minusDays(1), FINGERPRINT, 7).isEmpty(),
        "a model fitted after the night is not used for it");
    assertTrue(
        PersonaModelStore.reusable(tables, FITTED.plusDays(1), FINGERPRINT + ", age", 7).isEmpty(),
        "another feature column or setting: refitted");

    // A save cut short leaves only the temporary file: no model.
    Path file =
        Path.of(tables.partitionPath(PersonaModelStore.DIRECTORY, FITTED))
            .resolve(PersonaModelStore.FILE);
    Files.move(file, file.resolveSibling("_cut_short"));
    assertTrue(PersonaModelStore.reusable(tables, FITTED.plusDays(1), FINGERPRINT, 7).isEmpty());
  }
}
