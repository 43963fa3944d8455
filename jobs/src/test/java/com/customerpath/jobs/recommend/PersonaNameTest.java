package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.Fixtures;
import com.customerpath.testing.SparkJobCounter;
import com.customerpath.testing.SparkTestSession;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Persona names on the recommendations and actions: looked up when the driver holds the table. */
class PersonaNameTest {
  private static List<String> names(Dataset<Row> rows) {
    return rows.orderBy("customer_id").collectAsList().stream()
        .map(r -> r.<String>getAs("persona_name"))
        .toList();
  }

  @Test
  void aDriverHeldPersonasTableGivesTheNamesAJoinGives() throws Exception {
    Dataset<Row> rows =
        Fixtures.rows(
            "customer_id string, persona_id int",
            new Object[] {"c1", 1},
            new Object[] {"c2", 2},
            new Object[] {"c3", null},
            new Object[] {"c4", 9});
    Dataset<Row> personas =
        Fixtures.rows(
            "persona_id int, persona_name string, customers long",
            new Object[] {1, "weekend family shopper", 10L},
            new Object[] {2, null, 5L});
    SparkJobCounter jobs = SparkJobCounter.start(SparkTestSession.get());
    Dataset<Row> looked = Recommender.withPersonaName(rows, personas);
    assertEquals(0, jobs.stop(), "the names are read from the driver-held rows");
    List<String> expected = Arrays.asList("weekend family shopper", null, null, null);
    assertEquals(expected, names(looked));
    // The same table computed by Spark is joined: the same names.
    assertEquals(expected, names(Recommender.withPersonaName(rows, personas.repartition(2))));
    assertEquals(
        Arrays.asList(null, null, null, null), names(Recommender.withPersonaName(rows, null)));
  }
}
