package com.customerpath.jobs.recommend;

import com.customerpath.common.config.PipelineSettings.RecommendationSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.personas.PersonasJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Offline evaluation of the recommender on a time split of the curated transactions: train on
 * the days up to the cut-off (inclusive; default run date - 60 days), test on the days after it
 * up to the run date. Personas are those of a run at the cut-off date (built first when missing,
 * from the run date's curated tables cut at the cut-off day), so no test-period behaviour leaks
 * into them. Compares the hybrid with two baselines on the same
 * split: global popularity and ALS alone; writes recommender_evaluation (model, k, metric, value)
 * for the run date and prints the figures side by side.
 *
 * <pre>bin/evaluate-recommender --date 2026-06-30 [--conf conf/local.conf] [--set key=value]</pre>
 */
public final class RecommenderEvaluation implements NightlyStep {
  public static final String TABLE = "recommender_evaluation";
  public static final List<String> MODELS = List.of("hybrid", "global_popularity", "als");
  public static final List<String> METRICS = List.of(RankingMetrics.PRECISION, RankingMetrics.RECALL,
      RankingMetrics.NDCG, RankingMetrics.MAP, RankingMetrics.COVERAGE, RankingMetrics.SERVED);

  /** model -> k -> metric -> value, in MODELS / k / METRICS order. */
  public record Result(LocalDate cutoff, long trainCustomers, long testCustomers,
                       Map<String, Map<Integer, Map<String, Double>>> figures) {
    public double value(String model, int k, String metric) {
      return figures.get(model).get(k).get(metric);
    }
  }

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new RecommenderEvaluation()));
  }

  @Override
  public String name() {
    return "recommender_evaluation";
  }

  @Override
  public StepResult run(JobContext ctx) {
    Result r = evaluate(ctx);
    List<Row> rows = new ArrayList<>();
    r.figures().forEach((model, byK) -> byK.forEach((k, metrics) ->
        metrics.forEach((metric, value) -> rows.add(RowFactory.create(model, k, metric, value)))));
    Dataset<Row> table = ctx.spark().createDataFrame(rows,
        StructType.fromDDL("model string, k int, metric string, value double"));
    StepResult result = new StepResult(name());
    result.written(TABLE, ctx.tables().write(TABLE, ctx.date(), table));
    System.out.print(format(r));
    int k = r.figures().get("hybrid").keySet().stream().max(Integer::compare).orElseThrow();
    result.metric("recommender_evaluation_hybrid_ndcg_at_" + k, r.value("hybrid", k, RankingMetrics.NDCG));
    result.metric("recommender_evaluation_popularity_ndcg_at_" + k, r.value("global_popularity", k, RankingMetrics.NDCG));
    result.metric("recommender_evaluation_als_ndcg_at_" + k, r.value("als", k, RankingMetrics.NDCG));
    return result;
  }

  /** The figures as a table: one line per metric@k, one column per model. */
  public static String format(Result r) {
    StringBuilder sb = new StringBuilder(String.format("%nRecommender evaluation: train <= %s < test; %d train buyers,"
        + " %d test customers%n", r.cutoff(), r.trainCustomers(), r.testCustomers()));
    sb.append(String.format("%-16s", "metric"));
    MODELS.forEach(m -> sb.append(String.format("%20s", m)));
    sb.append('\n');
    for (int k : r.figures().get(MODELS.get(0)).keySet()) {
      for (String metric : METRICS) {
        sb.append(String.format("%-16s", metric + "@" + k));
        for (String m : MODELS) {
          sb.append(String.format("%20.4f", r.value(m, k, metric)));
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  /** Builds the cut-off run's personas when missing, splits, recommends with each model and scores. */
  public static Result evaluate(JobContext ctx) {
    RecommendationSettings s = ctx.settings().recommendations();
    LocalDate cutoff = s.evaluation().cutoff(ctx.date());
    if (!cutoff.isBefore(ctx.date())) {
      throw new IllegalArgumentException("Cannot evaluate the recommender: cut-off " + cutoff
          + " is not before the run date (got " + cutoff + ", expected < " + ctx.date() + ")");
    }
    if (!CuratedTables.exists(ctx.tables(), "transactions", ctx.date())) {
      JobRunner.runStep(ctx, new IngestJob());
    }
    JobContext atCutoff = new JobContext(cutoff, ctx.settings(), ctx.spark(), ctx.tables());
    if (!ctx.tables().exists(PersonasJob.CUSTOMER_PERSONAS, cutoff)) {
      // The cut-off run reads the curated facts up to the cut-off day (they are kept by event
      // date) and the run date's snapshots (cheaper than ingesting again).
      for (String source : List.of("customers", "products")) {
        String table = IngestJob.curatedTable(source);
        if (ctx.tables().exists(table, ctx.date()) && !ctx.tables().exists(table, cutoff)) {
          ctx.tables().write(table, cutoff, ctx.tables().read(table, ctx.date()));
        }
      }
      for (NightlyStep step : List.of(new FeaturesJob(), new PersonasJob())) {
        JobRunner.runStep(atCutoff, step);
      }
    }
    Dataset<Row> all = CuratedTables.read(ctx.tables(), "transactions", ctx.date());
    Column day = functions.to_date(col("ts"));
    Dataset<Row> train = RecommendationsJob.windowed(all, cutoff, ctx.settings().run().lookbackDays());
    Dataset<Row> test = all.filter(day.gt(lit(java.sql.Date.valueOf(cutoff)))
        .and(day.leq(lit(java.sql.Date.valueOf(ctx.date())))));
    String products = IngestJob.curatedTable("products");
    Dataset<Row> productTable = ctx.tables().exists(products, ctx.date()) ? ctx.tables().read(products, ctx.date()) : null;
    return evaluate(train, test, productTable, ctx.tables().read(PersonasJob.CUSTOMER_PERSONAS, cutoff),
        ctx.tables().read(PersonasJob.PERSONAS, cutoff), Recommender.Params.from(s), s.evaluation().k(), cutoff);
  }

  /** Relevant lists of the test period: customer_id, relevant (products bought, quantity > 0). */
  public static Dataset<Row> relevant(Dataset<Row> test) {
    return test.filter(col("quantity").gt(0).and(col("customer_id").isNotNull()).and(col("product_id").isNotNull()))
        .groupBy("customer_id").agg(functions.array_sort(functions.collect_set("product_id")).as("relevant"));
  }

  /** The pure evaluation on a given split. products / personas may be null. */
  public static Result evaluate(Dataset<Row> train, Dataset<Row> test, Dataset<Row> products,
                                Dataset<Row> customerPersonas, Dataset<Row> personas, Recommender.Params base,
                                List<Integer> ks, LocalDate cutoff) {
    int maxK = Collections.max(ks);
    Recommender.Params p = base.withTopN(maxK);
    train = train.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> rel = relevant(test).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> audience = rel.select(col("customer_id"), lit(null).cast("int").as("persona_id"));
    Recommender.Inputs in = new Recommender.Inputs(train, products, customerPersonas, personas, audience);
    Dataset<Row> interactions = Recommender.interactions(train, p.preference()).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> excluded = Recommender.excluded(interactions, products, p.repeatableCategories())
        .persist(StorageLevel.MEMORY_AND_DISK());
    Row most = excluded.groupBy("customer_id").count().agg(functions.max("count")).first();
    long maxExcluded = most.isNullAt(0) ? 0 : most.getLong(0);
    Dataset<Row> als = Recommender.alsCandidates(Recommender.fitAls(interactions, p.als()),
        (int) (p.candidates() + maxExcluded)).persist(StorageLevel.MEMORY_AND_DISK());
    long catalogue = products != null ? products.select("product_id").distinct().count()
        : train.select("product_id").unionByName(test.select("product_id")).distinct().count();

    Map<String, Recommender.Params> models = new LinkedHashMap<>();
    models.put("hybrid", p);
    models.put("global_popularity", p.globalPopularity());
    models.put("als", p.alsOnly());
    Map<String, Map<Integer, Map<String, Double>>> figures = new LinkedHashMap<>();
    for (Map.Entry<String, Recommender.Params> m : models.entrySet()) {
      Dataset<Row> recs = Recommender.recommend(in, m.getValue(), interactions, excluded,
          m.getValue().alsWeight() > 0 ? als : null);
      Dataset<Row> lists = rel.join(RankingMetrics.rankedLists(recs), new String[] {"customer_id"}, "left")
          .persist(StorageLevel.MEMORY_AND_DISK());
      Map<Integer, Map<String, Double>> byK = new LinkedHashMap<>();
      for (int k : ks.stream().sorted().toList()) {
        byK.put(k, RankingMetrics.evaluate(lists, k, catalogue));
      }
      lists.unpersist();
      figures.put(m.getKey(), byK);
    }
    long trainCustomers = interactions.select("customer_id").distinct().count();
    long testCustomers = rel.count();
    List.of(train, rel, interactions, excluded, als).forEach(Dataset::unpersist);
    return new Result(cutoff, trainCustomers, testCustomers, figures);
  }
}
