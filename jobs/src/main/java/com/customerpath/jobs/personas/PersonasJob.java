package com.customerpath.jobs.personas;

import com.customerpath.common.config.PipelineSettings.NamingSettings;
import com.customerpath.common.config.PipelineSettings.PersonaSettings;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;

/**
 * Personas: clusters customers on their standardized features, names and describes each
 * persona, assigns every customer (and each weekday / weekend context) to one, and records
 * how customers moved between personas since the previous run.
 */
public final class PersonasJob implements NightlyStep {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PersonasJob.class);
  public static final String PERSONAS = "personas";
  public static final String CUSTOMER_PERSONAS = "customer_personas";
  public static final String MIGRATION = "persona_migration";

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new PersonasJob()));
  }

  @Override
  public String name() {
    return "personas";
  }

  public static PersonaClustering clustering(PersonaSettings s) {
    return switch (s.algorithm()) {
      case "kmeans" -> new KMeansClustering(s.k(), s.maxIter(), s.seed());
      default -> throw new IllegalArgumentException("Cannot build personas: clustering algorithm '"
          + s.algorithm() + "' is not available yet (expected kmeans)");
    };
  }

  public static PersonaNaming naming(NamingSettings s) {
    Map<String, PersonaNaming.Phrase> phrases = new LinkedHashMap<>();
    s.phrases().forEach((f, p) -> phrases.put(f, new PersonaNaming.Phrase(p.get(0), p.get(1))));
    return new PersonaNaming(phrases, s.categoryPhrase(), s.threshold(), s.maxPhrases(), s.noun());
  }

  /** The feature columns personas are built on: configured, or every numeric behaviour feature. */
  public static List<String> featureColumns(PersonaSettings s, Dataset<Row> features) {
    List<String> available = CustomerFeatures.numericFeatureColumns(features);
    if (s.features().isEmpty()) {
      return withValues(features, available);
    }
    for (String f : s.features()) {
      if (!available.contains(f)) {
        throw new IllegalArgumentException("Cannot build personas: config key 'customerpath.personas.features' names '"
            + f + "', which is not a numeric column of customer_features (columns: " + available + ")");
      }
    }
    return withValues(features, s.features());
  }

  /** Drops columns with no value at all (e.g. age where a source has no birth years): nothing to cluster on. */
  static List<String> withValues(Dataset<Row> features, List<String> columns) {
    Row counts = features.agg(functions.count(functions.col(columns.get(0))),
        columns.subList(1, columns.size()).stream().map(c -> functions.count(functions.col(c)))
            .toArray(org.apache.spark.sql.Column[]::new)).first();
    List<String> kept = new java.util.ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (counts.getLong(i) > 0) {
        kept.add(columns.get(i));
      } else {
        LOG.warn("  feature {} has no value for any customer: left out of the personas", columns.get(i));
      }
    }
    if (kept.isEmpty()) {
      throw new IllegalArgumentException("Cannot build personas: none of the feature columns " + columns + " has a value");
    }
    return kept;
  }

  /** Customers counted by (previous persona, persona); -1 stands for "not in the previous run". */
  public static Dataset<Row> migration(Dataset<Row> customerPersonas) {
    return customerPersonas.filter(col("context").equalTo("all"))
        .groupBy(functions.coalesce(col("previous_persona_id"), functions.lit(-1)).as("from_persona_id"),
            col("persona_id").as("to_persona_id"))
        .agg(functions.count(functions.lit(1)).as("customers"))
        .orderBy("from_persona_id", "to_persona_id");
  }

  @Override
  public StepResult run(JobContext ctx) {
    PersonaSettings s = ctx.settings().personas();
    Dataset<Row> features = ctx.tables().read(FeaturesJob.TABLE, ctx.date());
    Dataset<Row> contextFeatures = ctx.tables().read(FeaturesJob.CONTEXT_TABLE, ctx.date());
    List<String> columns = featureColumns(s, features);
    PersonaBuilder.Result built = PersonaBuilder.build(features, contextFeatures, columns, clustering(s), naming(s.naming()));

    Optional<LocalDate> previous = ctx.tables().latestBefore(CUSTOMER_PERSONAS, ctx.date());
    Dataset<Row> customerPersonas = built.customerPersonas();
    if (previous.isPresent()) {
      Dataset<Row> before = ctx.tables().read(CUSTOMER_PERSONAS, previous.get())
          .select(col("customer_id"), col("context"), col("persona_id").as("previous_persona_id"));
      customerPersonas = customerPersonas.join(before, new String[] {"customer_id", "context"}, "left");
    } else {
      customerPersonas = customerPersonas.withColumn("previous_persona_id", functions.lit(null).cast("int"));
    }
    StepResult result = new StepResult(name());
    result.written(PERSONAS, ctx.tables().write(PERSONAS, ctx.date(), built.personas()));
    result.written(CUSTOMER_PERSONAS, ctx.tables().write(CUSTOMER_PERSONAS, ctx.date(), customerPersonas));
    Dataset<Row> written = ctx.tables().read(CUSTOMER_PERSONAS, ctx.date());
    result.written(MIGRATION, ctx.tables().write(MIGRATION, ctx.date(), migration(written)));
    built.quality().forEach(result::metric);
    result.metric("personas_previous_run_found", previous.isPresent() ? 1 : 0);
    return result;
  }
}
