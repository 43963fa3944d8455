package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.personas.AdjustedRandIndex;
import com.customerpath.jobs.SampleRun;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Personas on the sample data: the planted personas are recovered, named, and keep their ids. */
class PersonasSampleTest {

  private static Dataset<Row> truth() {
    List<Row> rows =
        SampleRun.truth("customer_personas.csv").stream()
            .map(r -> RowFactory.create(r[0], r[1]))
            .toList();
    return SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.StringType)
                .add("planted", DataTypes.StringType));
  }

  private static Dataset<Row> assignments(JobContext ctx, LocalDate date, String context) {
    return ctx.tables()
        .read(PersonasJob.CUSTOMER_PERSONAS, date)
        .filter(col("context").equalTo(context));
  }

  @Test
  void recoversThePlantedPersonas() {
    JobContext ctx = SampleRun.get().context;
    Dataset<Row> joined = assignments(ctx, SampleRun.DATE, "all").join(truth(), "customer_id");
    assertEquals(2400, joined.count(), "every buyer has a persona");
    double ari = AdjustedRandIndex.of(joined, "persona_id", "planted");
    System.out.printf("Adjusted Rand index of personas vs the planted truth: %.4f%n", ari);
    assertTrue(ari >= 0.9, "adjusted Rand index against the generator's truth: " + ari);
    Row m = ctx.tables().read("run_manifest", SampleRun.DATE).first();
    assertEquals(
        6.0, m.<Double>getAs("personas_k_selected"), "k chosen by silhouette on the codebook");
    assertTrue(
        m.<Double>getAs("personas_k6_silhouette") > m.<Double>getAs("personas_k4_silhouette"));
    assertTrue(m.<Double>getAs("som_quantization_error") > 0);
    // Quality figures: every customer's silhouette, size balance and bootstrap stability.
    assertTrue(
        m.<Double>getAs("personas_silhouette") > 0.2,
        "silhouette " + m.getAs("personas_silhouette"));
    assertTrue(m.<Double>getAs("personas_size_balance") > 0.95, "six personas of about 400 each");
    assertTrue(
        m.<Double>getAs("personas_stability_ari") > 0.9,
        "stability " + m.getAs("personas_stability_ari"));
    for (Row p : ctx.tables().read(PersonasJob.PERSONAS, SampleRun.DATE).collectAsList()) {
      assertTrue(
          p.<Double>getAs("silhouette") > 0,
          p.getAs("persona_name") + " silhouette " + p.getAs("silhouette"));
      assertTrue(
          p.<String>getAs("description").startsWith(p.<Long>getAs("customers") + " customers"),
          p.<String>getAs("description"));
    }
  }

  @Test
  void personasHaveUniqueNamesAndARepresentativeOfTheirOwn() {
    JobContext ctx = SampleRun.get().context;
    List<Row> personas = ctx.tables().read(PersonasJob.PERSONAS, SampleRun.DATE).collectAsList();
    assertEquals(
        personas.size(),
        new HashSet<>(personas.stream().map(r -> r.<String>getAs("persona_name")).toList()).size());
    Map<String, Integer> personaOf = new HashMap<>();
    assignments(ctx, SampleRun.DATE, "all")
        .collectAsList()
        .forEach(r -> personaOf.put(r.getAs("customer_id"), r.getAs("persona_id")));
    double shares = 0;
    for (Row p : personas) {
      assertEquals(
          p.<Integer>getAs("persona_id"),
          personaOf.get(p.<String>getAs("representative_customer_id")),
          "the representative of " + p.getAs("persona_name") + " is one of its customers");
      shares += p.<Double>getAs("share");
    }
    assertEquals(1.0, shares, 1e-9);
    // The planted call-centre seniors must be named from their profile.
    assertTrue(
        personas.stream().anyMatch(r -> r.<String>getAs("persona_name").contains("call-centre")),
        personas.stream().map(r -> r.<String>getAs("persona_name")).toList().toString());
  }

  @Test
  void contextPersonasUseTheSamePersonasPerContext() {
    JobContext ctx = SampleRun.get().context;
    Dataset<Row> all =
        assignments(ctx, SampleRun.DATE, "all")
            .select(col("customer_id"), col("persona_id").as("p_all"));
    Dataset<Row> weekend =
        assignments(ctx, SampleRun.DATE, "weekend")
            .select(col("customer_id"), col("persona_id").as("p_weekend"));
    assertTrue(weekend.count() > 0 && assignments(ctx, SampleRun.DATE, "weekday").count() > 0);
    // Weekend families shop on weekends: their weekend persona is their overall persona.
    Dataset<Row> families =
        truth()
            .filter(col("planted").equalTo("weekend_family"))
            .join(all, "customer_id")
            .join(weekend, "customer_id");
    long same = families.filter(col("p_all").equalTo(col("p_weekend"))).count();
    assertTrue(same >= 0.9 * families.count(), same + " of " + families.count());
  }

  /**
   * Extended phase: ingest, features and personas of the night after, about 30 s. The id matching
   * itself is PersonaUnitsTest's, in the default phase.
   */
  @Test
  @org.junit.jupiter.api.Tag("extended")
  void theNextNightKeepsPersonaIds() {
    // Night two: the same output root, one day later (the window moves by a day).
    JobContext first = SampleRun.get().context;
    LocalDate next = SampleRun.DATE.plusDays(1);
    JobContext second = new JobContext(next, first.settings(), first.spark());
    JobRunner.runAll(second, List.of(new IngestJob(), new FeaturesJob(), new PersonasJob()));

    Map<Integer, String> namesBefore = new HashMap<>();
    first
        .tables()
        .read(PersonasJob.PERSONAS, SampleRun.DATE)
        .collectAsList()
        .forEach(r -> namesBefore.put(r.getAs("persona_id"), r.getAs("persona_name")));
    Map<Integer, String> namesAfter = new HashMap<>();
    second
        .tables()
        .read(PersonasJob.PERSONAS, next)
        .collectAsList()
        .forEach(r -> namesAfter.put(r.getAs("persona_id"), r.getAs("persona_name")));
    assertEquals(namesBefore, namesAfter, "same ids, same personas");
    assertTrue(
        second.tables().read(PersonasJob.LINEAGE, next).collectAsList().stream()
            .allMatch(r -> r.getAs("status").equals("continuing")));

    Dataset<Row> migration = second.tables().read(PersonasJob.MIGRATION, next);
    long stayed =
        migration
            .filter(col("from_persona_id").equalTo(col("to_persona_id")))
            .agg(org.apache.spark.sql.functions.sum("customers"))
            .first()
            .getLong(0);
    long total = migration.agg(org.apache.spark.sql.functions.sum("customers")).first().getLong(0);
    assertTrue(
        stayed >= 0.95 * total, stayed + " of " + total + " customers kept their persona id");
    assertTrue(
        assignments(second, next, "all").filter(col("previous_persona_id").isNotNull()).count()
            > 2000);
    double nightOverNight =
        second
            .tables()
            .read(com.customerpath.jobs.runtime.RunSteps.TABLE, next)
            .filter(col("figure").equalTo("personas_night_over_night_ari"))
            .first()
            .getDouble(1);
    assertTrue(nightOverNight > 0.9, "night over night ARI " + nightOverNight);
    // Night two assigns its customers to the model fitted on night one (retrain-days = 7).
    Map<String, Double> fitted = personaFigures(first, SampleRun.DATE);
    Map<String, Double> reused = personaFigures(second, next);
    assertEquals(0.0, fitted.get("personas_model_reused"));
    assertEquals(1.0, reused.get("personas_model_reused"), "model reused: " + reused);
    assertEquals(1.0, reused.get("personas_model_age_days"));
    // The training figures of night one: a map trained on night two's customers would differ.
    assertEquals(fitted.get("som_quantization_error"), reused.get("som_quantization_error"));
  }

  private static Map<String, Double> personaFigures(JobContext ctx, LocalDate date) {
    Map<String, Double> figures = new HashMap<>();
    ctx.tables()
        .read(com.customerpath.jobs.runtime.RunSteps.TABLE, date)
        .filter(col("step").equalTo("personas"))
        .collectAsList()
        .forEach(r -> figures.put(r.getAs("figure"), r.getDouble(r.fieldIndex("value"))));
    return figures;
  }
}
