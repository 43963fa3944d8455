package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.config.RecommendationSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.jobs.NightlyPipeline;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Offline evaluation of the recommender on a time split of the curated transactions: train on the
 * days up to the cut-off (inclusive; default run date - 60 days), test on the days after it up to
 * the run date. Personas are those of a run at the cut-off date (built first when missing, from the
 * run date's curated tables cut at the cut-off day), so no test-period behaviour leaks into them;
 * the hybrid learns its blend on a validation split that ends at the cut-off.
 *
 * <p>Models, all ranked from the same candidate table: the hybrid and five baselines (global
 * popularity excluding bought products, popularity including them, item-to-item co-occurrence, buy
 * again then co-occurrence, ALS alone). Two views: all test purchases, and only products new to the
 * customer (every model's list without the customer's bought products; the hybrid with the
 * repeat-purchase policy "never" and its own learned blend). Segments: cold start (no purchase
 * before the cut-off), light, heavy (at least heavy-min-orders orders), all. Writes
 * recommender_evaluation (model, view, segment, k, metric, value) for the run date and prints the
 * figures side by side.
 *
 * <pre>bin/evaluate-recommender --date 2026-06-30 [--conf conf/local.conf] [--set key=value]</pre>
 */
public final class RecommenderEvaluation implements NightlyStep {
  public static final String TABLE = "recommender_evaluation";
  public static final List<String> MODELS =
      List.of(
          "hybrid",
          "popularity_excl_bought",
          "popularity_incl_bought",
          "co_occurrence",
          "buy_again",
          "als");
  public static final List<String> BASELINES = MODELS.subList(1, MODELS.size());
  public static final List<String> VIEWS = List.of("all", "new");
  public static final List<String> SEGMENTS = List.of("all", "cold_start", "light", "heavy");
  public static final String CUSTOMERS = "customers";
  public static final List<String> METRICS =
      List.of(
          RankingMetrics.PRECISION,
          RankingMetrics.RECALL,
          RankingMetrics.NDCG,
          RankingMetrics.MAP,
          RankingMetrics.COVERAGE,
          RankingMetrics.SERVED,
          CUSTOMERS);

  /**
   * Figures keyed "model|view|segment" -> k -> metric -> value; the blends the hybrid learned per
   * view.
   */
  public record Result(
      LocalDate cutoff,
      long trainCustomers,
      long testCustomers,
      Map<String, Map<Integer, Map<String, Double>>> figures,
      Map<String, Blend.Fit> blends) {
    public double value(String model, String view, String segment, int k, String metric) {
      Map<Integer, Map<String, Double>> byK = figures.get(model + "|" + view + "|" + segment);
      return byK == null || byK.get(k) == null
          ? Double.NaN
          : byK.get(k).getOrDefault(metric, Double.NaN);
    }

    public double value(String model, int k, String metric) {
      return value(model, "all", "all", k, metric);
    }

    /** The best baseline's value of a metric in a view (segment all). */
    public double bestBaseline(String view, int k, String metric) {
      return BASELINES.stream()
          .mapToDouble(m -> value(m, view, "all", k, metric))
          .filter(v -> !Double.isNaN(v))
          .max()
          .orElse(0);
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
    r.figures()
        .forEach(
            (key, byK) -> {
              String[] mvs = key.split("\\|");
              byK.forEach(
                  (k, metrics) ->
                      metrics.forEach(
                          (metric, value) ->
                              rows.add(
                                  RowFactory.create(mvs[0], mvs[1], mvs[2], k, metric, value))));
            });
    Dataset<Row> table =
        ctx.spark()
            .createDataFrame(
                rows,
                StructType.fromDDL(
                    "model string, view string, segment string, k int, metric string, value double"));
    StepResult result = new StepResult(name());
    result.written(TABLE, ctx.tables().write(TABLE, ctx.date(), table));
    System.out.print(format(r));
    int k =
        ctx.settings().recommendations().evaluation().k().stream()
            .max(Integer::compare)
            .orElseThrow();
    for (String view : VIEWS) {
      for (String model : MODELS) {
        result.metric(
            "recommender_evaluation_" + model + "_" + view + "_ndcg_at_" + k,
            r.value(model, view, "all", k, RankingMetrics.NDCG));
      }
      Blend.Fit fit = r.blends().get(view);
      fit.named()
          .forEach(
              (source, w) ->
                  result.metric(
                      "recommender_evaluation_blend_"
                          + view
                          + "_weight_"
                          + source.replace('-', '_'),
                      w));
      fit.segmentWeightMetrics("recommender_evaluation_blend_" + view + "_")
          .forEach(result::metric);
      if (fit.learned()) {
        result.metric(
            "recommender_evaluation_blend_" + view + "_validation_ndcg_at_10",
            fit.validationNdcg());
      }
    }
    return result;
  }

  /**
   * The figures as tables: per view, one line per metric@k and one column per model; then NDCG by
   * segment.
   */
  public static String format(Result r) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "%nRecommender evaluation: train <= %s < test; %d train buyers,"
                    + " %d test customers%n",
                r.cutoff(), r.trainCustomers(), r.testCustomers()));
    List<Integer> ks =
        r.figures().values().stream()
            .flatMap(m -> m.keySet().stream())
            .distinct()
            .sorted()
            .toList();
    int maxK = ks.get(ks.size() - 1);
    for (String view : VIEWS) {
      Blend.Fit fit = r.blends().get(view);
      sb.append(
          String.format(
              "%nView '%s' (%s); hybrid blend %s%s%n",
              view,
              view.equals("all") ? "all test purchases" : "only products new to the customer",
              Blend.rounded(fit.weights()),
              fit.learned()
                  ? String.format(
                      ", validation NDCG@10 %.4f over %d customers",
                      fit.validationNdcg(), fit.customers())
                  : " (configured, not learned)"));
      fit.bySegment()
          .forEach(
              (segment, w) ->
                  sb.append(String.format("  %s buyers: blend %s%n", segment, Blend.rounded(w))));
      sb.append(String.format("%-16s", "metric"));
      MODELS.forEach(m -> sb.append(String.format("%23s", m)));
      sb.append('\n');
      for (int k : ks) {
        for (String metric : METRICS) {
          if (metric.equals(CUSTOMERS) && k != maxK) {
            continue;
          }
          sb.append(String.format("%-16s", metric.equals(CUSTOMERS) ? metric : metric + "@" + k));
          for (String m : MODELS) {
            sb.append(String.format("%23.4f", r.value(m, view, "all", k, metric)));
          }
          sb.append('\n');
        }
      }
      for (String segment : SEGMENTS.subList(1, SEGMENTS.size())) {
        sb.append(String.format("%-16s", "ndcg@" + maxK + " " + segment));
        for (String m : MODELS) {
          sb.append(String.format("%23.4f", r.value(m, view, segment, maxK, RankingMetrics.NDCG)));
        }
        sb.append(
            String.format(
                "  (%d customers)%n",
                Math.round(r.value("hybrid", view, segment, maxK, CUSTOMERS))));
      }
    }
    return sb.toString();
  }

  /**
   * Builds the cut-off run's personas when missing, splits, recommends with each model and scores.
   */
  public static Result evaluate(JobContext ctx) {
    RecommendationSettings s = ctx.settings().recommendations();
    LocalDate cutoff = s.evaluation().cutoff(ctx.date());
    if (!cutoff.isBefore(ctx.date())) {
      throw new IllegalArgumentException(
          "Cannot evaluate the recommender: cut-off "
              + cutoff
              + " is not before the run date (got "
              + cutoff
              + ", expected < "
              + ctx.date()
              + ")");
    }
    if (!CuratedTables.exists(ctx.tables(), "transactions", ctx.date())) {
      JobRunner.runStep(ctx, NightlyPipeline.step("ingest"));
    }
    JobContext atCutoff = new JobContext(cutoff, ctx.settings(), ctx.spark(), ctx.tables());
    if (!ctx.tables().exists(TableNames.CUSTOMER_PERSONAS, cutoff)) {
      // The cut-off run reads the curated facts up to the cut-off day (they are kept by event
      // date) and the run date's snapshots (cheaper than ingesting again).
      for (String source : List.of("customers", "products")) {
        String table = CuratedTables.table(source);
        if (ctx.tables().exists(table, ctx.date()) && !ctx.tables().exists(table, cutoff)) {
          ctx.tables().write(table, cutoff, ctx.tables().read(table, ctx.date()));
        }
      }
      for (NightlyStep step : NightlyPipeline.steps(List.of("features", "personas"))) {
        JobRunner.runStep(atCutoff, step);
      }
    }
    Dataset<Row> all = CuratedTables.read(ctx.tables(), "transactions", ctx.date());
    Column day = functions.to_date(col("ts"));
    Dataset<Row> train =
        RecommendationsJob.windowed(all, cutoff, ctx.settings().run().lookbackDays());
    Dataset<Row> test =
        all.filter(
            day.gt(lit(java.sql.Date.valueOf(cutoff)))
                .and(day.leq(lit(java.sql.Date.valueOf(ctx.date())))));
    String products = CuratedTables.table("products");
    Dataset<Row> productTable =
        ctx.tables().exists(products, ctx.date()) ? ctx.tables().read(products, ctx.date()) : null;
    return evaluate(
        train,
        test,
        productTable,
        ctx.tables().read(TableNames.CUSTOMER_PERSONAS, cutoff),
        ctx.tables().read(TableNames.PERSONAS, cutoff),
        // The test window is the horizon the lists are judged over.
        Recommender.Params.from(s)
            .withDueHorizon((int) java.time.temporal.ChronoUnit.DAYS.between(cutoff, ctx.date())),
        s.evaluation().k(),
        cutoff,
        s.evaluation().heavyMinOrders());
  }

  /** Relevant lists of the test period: customer_id, relevant (products bought, quantity > 0). */
  public static Dataset<Row> relevant(Dataset<Row> test) {
    return test.filter(
            col("quantity")
                .gt(0)
                .and(col("customer_id").isNotNull())
                .and(col("product_id").isNotNull()))
        .groupBy("customer_id")
        .agg(functions.array_sort(functions.collect_set("product_id")).as("relevant"));
  }

  /** The pure evaluation on a given split. products / personas may be null. */
  public static Result evaluate(
      Dataset<Row> train,
      Dataset<Row> test,
      Dataset<Row> products,
      Dataset<Row> customerPersonas,
      Dataset<Row> personas,
      Recommender.Params base,
      List<Integer> ks,
      LocalDate cutoff,
      int heavyMinOrders) {
    int maxK = Collections.max(ks);
    Recommender.Params p = base.withTopN(maxK);
    train = train.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> relAll = relevant(test).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> audience =
        relAll.select(col("customer_id"), lit(null).cast("int").as("persona_id"));
    Recommender.Inputs in =
        new Recommender.Inputs(train, products, customerPersonas, personas, audience);

    // The hybrid learns its blend per view on the validation days before the cut-off.
    Recommender.Params pNew =
        p.withRepeat(com.customerpath.common.config.RecommendationSettings.RepeatPurchase.NEVER);
    Map<String, Blend.Fit> blends = new LinkedHashMap<>();
    List<Blend.Fit> fits = Recommender.learnBlends(in, List.of(p, pNew), cutoff);
    blends.put("all", fits.get(0));
    blends.put("new", fits.get(1));

    Recommender.Candidates c = Recommender.candidates(in, p, cutoff, relAll);
    Dataset<Row> scored =
        c.scored()
            .join(relAll.select("customer_id"), "customer_id")
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> orders = c.interactions().select("customer_id", "orders").distinct();
    Dataset<Row> boughtBefore = c.interactions().select("customer_id", "product_id");

    Column notBought = functions.not(col("bought"));
    Column tieBreak = col("f_global").multiply(1e-6);
    Column together = col("f_together").plus(tieBreak);
    // name -> (score, filter in the 'all' view); in the 'new' view every list drops bought
    // products.
    Map<String, Column[]> models = new LinkedHashMap<>();
    models.put("popularity_excl_bought", new Column[] {col("f_global"), notBought});
    models.put("popularity_incl_bought", new Column[] {col("f_global"), lit(true)});
    models.put("co_occurrence", new Column[] {together, notBought});
    models.put(
        "buy_again",
        new Column[] {
          when(col("bought"), lit(2.0).plus(col("f_buy_again"))).otherwise(together), lit(true)
        });
    models.put("als", new Column[] {col("f_als"), notBought.and(col("f_als").gt(0))});
    Dataset<Row> lists = null;
    for (String view : VIEWS) {
      Map<String, Column[]> byModel = new LinkedHashMap<>();
      Recommender.Params hp = view.equals("all") ? p : pNew;
      byModel.put("hybrid", new Column[] {blends.get(view).score(), Recommender.allowed(hp)});
      byModel.putAll(models);
      for (Map.Entry<String, Column[]> m : byModel.entrySet()) {
        Column filter = view.equals("all") ? m.getValue()[1] : m.getValue()[1].and(notBought);
        Dataset<Row> ranked =
            Recommender.rank(scored.filter(filter), m.getValue()[0], maxK)
                .select(
                    lit(m.getKey()).as("model"),
                    lit(view).as("view"),
                    col("customer_id"),
                    col("rank"),
                    col("product_id"));
        lists = lists == null ? ranked : lists.unionByName(ranked);
      }
    }
    Dataset<Row> recommended =
        lists
            .groupBy("model", "view", "customer_id")
            .agg(
                functions
                    .sort_array(
                        functions.collect_list(functions.struct(col("rank"), col("product_id"))))
                    .as("s"))
            .select(
                col("model"),
                col("view"),
                col("customer_id"),
                col("s.product_id").as("recommended"));
    // Relevant per view: every test purchase, or only products the customer had not bought before.
    Dataset<Row> relNew =
        relevant(test.join(boughtBefore, new String[] {"customer_id", "product_id"}, "left_anti"));
    Column segment = Blend.segment(col("orders"), heavyMinOrders);
    Dataset<Row> rel =
        relAll
            .withColumn("view", lit("all"))
            .unionByName(relNew.withColumn("view", lit("new")))
            .join(orders, new String[] {"customer_id"}, "left")
            .withColumn("segment", segment)
            .drop("orders");
    Dataset<Row> modelNames =
        train
            .sparkSession()
            .createDataFrame(
                MODELS.stream().map(m -> RowFactory.create(m)).toList(),
                StructType.fromDDL("model string"));
    Dataset<Row> evaluated =
        rel.crossJoin(functions.broadcast(modelNames))
            .join(recommended, new String[] {"model", "view", "customer_id"}, "left")
            .persist(StorageLevel.MEMORY_AND_DISK());
    long catalogue =
        products != null
            ? products.select("product_id").distinct().count()
            : train.select("product_id").unionByName(test.select("product_id")).distinct().count();

    Map<String, Map<Integer, Map<String, Double>>> figures = new LinkedHashMap<>();
    for (int k : ks.stream().sorted().toList()) {
      Dataset<Row> per =
          RankingMetrics.perCustomer(evaluated, k, List.of("model", "view", "segment"));
      Dataset<Row> bySegment = per.unionByName(per.withColumn("segment", lit("all")));
      List<Row> rows =
          bySegment
              .groupBy("model", "view", "segment")
              .agg(
                  functions.avg(RankingMetrics.PRECISION),
                  functions.avg(RankingMetrics.RECALL),
                  functions.avg(RankingMetrics.NDCG),
                  functions.avg(RankingMetrics.MAP),
                  functions.avg(RankingMetrics.SERVED),
                  functions.count(lit(1)),
                  functions.size(
                      functions.array_distinct(functions.flatten(functions.collect_list("rec")))))
              .collectAsList();
      for (Row r : rows) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(RankingMetrics.PRECISION, r.getDouble(3));
        m.put(RankingMetrics.RECALL, r.getDouble(4));
        m.put(RankingMetrics.NDCG, r.getDouble(5));
        m.put(RankingMetrics.MAP, r.getDouble(6));
        m.put(RankingMetrics.COVERAGE, catalogue <= 0 ? 0.0 : r.getInt(9) / (double) catalogue);
        m.put(RankingMetrics.SERVED, r.getDouble(7));
        m.put(CUSTOMERS, (double) r.getLong(8));
        figures
            .computeIfAbsent(
                r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2),
                key -> new LinkedHashMap<>())
            .put(k, m);
      }
    }
    long trainCustomers = orders.count();
    long testCustomers = relAll.count();
    List.of(train, relAll, scored, evaluated).forEach(Dataset::unpersist);
    c.release();
    return new Result(cutoff, trainCustomers, testCustomers, figures, blends);
  }
}
