package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.PersonaSettings.FeatureGroupSettings;
import com.customerpath.common.config.PersonaSettings.Transform;
import com.customerpath.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Feature groups, weights and transforms of the persona features, on real Spark. */
class PersonaScalerTest {

  private static Dataset<Row> customers() {
    Random random = new Random(5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double spend =
          i == 0 ? 1_000_000 : Math.exp(4 + random.nextGaussian()); // one wholesale buyer
      double a = random.nextDouble();
      rows.add(
          RowFactory.create(
              "c" + i,
              spend,
              a,
              1 - a,
              random.nextDouble(),
              1.0,
              i % 10 == 0 ? null : 20.0 + random.nextInt(50)));
    }
    return SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.StringType)
                .add("monetary", DataTypes.DoubleType)
                .add("weekend_share", DataTypes.DoubleType)
                .add("weekday_share", DataTypes.DoubleType)
                .add("daypart_share_evening", DataTypes.DoubleType)
                .add("channel_share_store", DataTypes.DoubleType)
                .add("age", DataTypes.DoubleType));
  }

  @Test
  void eachGroupWeighsItsWeightWhateverItsColumns() {
    List<FeatureGroupSettings> groups =
        List.of(
            new FeatureGroupSettings("value", 2.0, true, List.of("monetary")),
            new FeatureGroupSettings(
                "time", 1.0, true, List.of("weekend_share", "weekday_share", "daypart_share_*")),
            new FeatureGroupSettings("channel-payment", 1.0, true, List.of("channel_share_*")),
            new FeatureGroupSettings("demographics", 1.0, false, List.of("age")));
    List<PersonaScaler.Feature> features =
        List.of(
            new PersonaScaler.Feature("monetary", "value", true, Transform.LOG1P),
            new PersonaScaler.Feature("weekend_share", "time", true, Transform.NONE),
            new PersonaScaler.Feature("weekday_share", "time", true, Transform.NONE),
            new PersonaScaler.Feature("daypart_share_evening", "time", true, Transform.NONE),
            new PersonaScaler.Feature(
                "channel_share_store", "channel-payment", true, Transform.NONE),
            new PersonaScaler.Feature("age", "demographics", false, Transform.NONE));
    PersonaScaler scaler = PersonaScaler.fit(customers(), features, groups);
    double[] scale = scaler.scale();
    assertEquals(Math.sqrt(2.0), scale[0], 1e-12, "value: one column carries the group's weight 2");
    for (int j = 1; j <= 3; j++) {
      assertEquals(Math.sqrt(1.0 / 3), scale[j], 1e-12, "time: three columns share weight 1");
    }
    assertEquals(0, scale[4], "a constant column carries nothing");
    assertEquals(0, scale[5], "descriptive: profiled, not clustered on");

    Dataset<Row> out = scaler.transform(customers()).cache();
    Row wholesale = out.filter(col("customer_id").equalTo("c0")).first();
    double z = ((Vector) wholesale.getAs(PersonaBuilder.FEATURES)).apply(0) / scale[0];
    assertTrue(
        z > 3 && z < 12, "after log1p the wholesale buyer is " + z + " sd out, not hundreds");
    assertEquals(Math.log1p(1_000_000), wholesale.<Double>getAs("monetary__t"), 1e-9);
    // Missing ages get the median; the descriptive column stays in the vector at weight 0.
    assertEquals(0, out.filter(col("age__t").isNull()).count());
    assertEquals(6, ((Vector) wholesale.getAs(PersonaBuilder.FEATURES)).size());
    out.unpersist();
  }

  @Test
  void quantileTransformGivesPercentiles() {
    List<FeatureGroupSettings> groups =
        List.of(new FeatureGroupSettings("value", 1.0, true, List.of("monetary")));
    PersonaScaler scaler =
        PersonaScaler.fit(
            customers(),
            List.of(new PersonaScaler.Feature("monetary", "value", true, Transform.QUANTILE)),
            groups);
    Dataset<Row> out = scaler.transform(customers());
    Row range =
        out.agg(
                org.apache.spark.sql.functions.min("monetary__t"),
                org.apache.spark.sql.functions.max("monetary__t"),
                org.apache.spark.sql.functions.avg("monetary__t"))
            .first();
    assertEquals(0.0, range.getDouble(0), 1e-9);
    assertEquals(1.0, range.getDouble(1), 1e-9);
    assertEquals(0.5, range.getDouble(2), 0.02, "percentiles average one half");
    assertEquals(1.0, scaler.transformLocal(0, 1e9), 1e-12);
  }
}
