package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Each customer's candidates and their scores in one pass: the popularity tables (per product, per
 * persona and product, per context group and product) and the categories are small and broadcast as
 * maps; the customer's own rows (what they bought, their bought-together and ALS candidates) arrive
 * grouped by customer. Before, the candidate keys of five sources were made distinct and joined to
 * six score tables on string keys, half of the recommendations step at 1M lines.
 */
final class CandidateAssembly {
  static final StructType SCORED =
      StructType.fromDDL(
          "customer_id string, product_id string, persona_id int, bought boolean, due_ratio double,"
              + " interval_days double, category string, because string, f_buy_again double,"
              + " f_due double, f_together double, f_persona double, f_global double, f_als double,"
              + " orders long");

  static final int BOUGHT = 0;
  static final int TOGETHER = 1;
  static final int ALS = 2;

  /**
   * One candidate of a customer from one source (src: BOUGHT, TOGETHER or ALS): bought rows carry a
   * = f_buy_again, b = f_due, c = due_ratio, d = interval_days; the others a = their score.
   */
  static final StructType CANDIDATE =
      StructType.fromDDL(
          "src int, product_id string, a double, b double, c double, d double, because string");

  /** One row per customer: their candidates from one source. */
  static final StructType LISTS =
      new StructType()
          .add("customer_id", "string")
          .add("rows", DataTypes.createArrayType(CANDIDATE));

  /** A candidate of source src with score a (and because, for bought together). */
  static Row candidate(int src, String product, double a, String because) {
    return RowFactory.create(src, product, a, null, null, null, because);
  }

  /**
   * Distinct buyers per product: of every customer (popularity "global", no group key), of a
   * persona ("persona", the persona id as text) and of a context group ("context", {@link
   * #contextGroup()}).
   */
  static final String BUYERS =
      "popularity string, group_key string, product_id string, buyers long";

  static final String GLOBAL = "global";
  static final String PERSONA = "persona";
  static final String CONTEXT = "context";

  private CandidateAssembly() {}

  /**
   * The scored candidates (schema {@link #SCORED}) of every customer of groups (customer_id,
   * persona_id, ctx_persona_id, context). inter: the customers' (customer, product) rows with
   * f_buy_again, f_due, due_ratio, interval_days, orders (the customer's, which every candidate
   * carries: the blend's segment); together (customer_id, product_id, f_together, because) and als
   * (customer_id, product_id, f_als) may be null; buyers: distinct buyers per product ({@link
   * #BUYERS}), whose popularity is its share of the group's best seller. The candidates are the
   * union of the persona's and everyone's n best sellers, the customer's n best by f_buy_again, and
   * their bought-together and ALS rows.
   */
  static Dataset<Row> assemble(
      Dataset<Row> groups,
      Dataset<Row> inter,
      Dataset<Row> together,
      Dataset<Row> als,
      Dataset<Row> buyers,
      Dataset<Row> categories,
      double contextBoost,
      int n) {
    return assemble(
        groups,
        inter,
        together == null ? null : asLists(together, TOGETHER, "f_together", col("because")),
        als == null ? null : asLists(als, ALS, "f_als", lit(null).cast("string")),
        buyers,
        categories,
        contextBoost,
        n,
        null);
  }

  /**
   * As above, with the bought-together and ALS candidates as lists per customer ({@link #LISTS}),
   * as {@link CandidateSources#boughtTogetherLists} and {@link CandidateSources#alsLists} give
   * them; with a ranking (not null) only each customer's best top-N allowed candidates leave the
   * pass, ranked (schema {@link #RANKED}): what {@link Recommender#rank} gives on the allowed rows,
   * without a row for every other candidate (7.5M rows at 1M lines, of which 0.5M are kept) and
   * without a window that shuffles and sorts them.
   */
  static Dataset<Row> assemble(
      Dataset<Row> groups,
      Dataset<Row> inter,
      Dataset<Row> together,
      Dataset<Row> als,
      Dataset<Row> buyers,
      Dataset<Row> categories,
      double contextBoost,
      int n,
      Ranking ranking) {
    return assemble(
        groups, inter, together, als, null, null, buyers, categories, contextBoost, n, ranking);
  }

  /**
   * The bought-together and ALS sources scored inside the pass, from what each customer's run of
   * rows holds (their own products; their ALS factors, {@link CandidateSources#customerFactors}),
   * with the same arithmetic as {@link CandidateSources#boughtTogetherLists} and {@link
   * CandidateSources#alsLists}: their lists (60 candidates a source and customer, most of the
   * shuffle's bytes at 1M lines) no longer cross the shuffle. Either may be null.
   */
  record InPass(
      CandidateSources.NeighbourIndex together,
      int maxItemsPerCustomer,
      CandidateSources.ProductFactors als,
      int n)
      implements java.io.Serializable {

    /** The customer's candidates of both sources, with the task's scorers. */
    List<Row> candidates(Scorers scorers, List<Row> own, List<Float> factors) {
      List<Row> out = new ArrayList<>();
      if (together != null && !own.isEmpty()) {
        // The items: the most bought products, then the latest bought, then by product id.
        List<Row> byUse = new ArrayList<>(own);
        byUse.sort(InPass::byUse);
        List<String> items = new ArrayList<>();
        List<String> bought = new ArrayList<>(own.size());
        for (Row r : byUse) {
          if (items.size() < maxItemsPerCustomer) {
            items.add(r.getString(0));
          }
          bought.add(r.getString(0));
        }
        out.addAll(Arrays.asList(scorers.together().candidates(items, bought, n)));
      }
      if (als != null && factors != null) {
        out.addAll(Arrays.asList(scorers.als().top(factors, n)));
      }
      return out;
    }

    /**
     * The order of the window that picks the items: purchases, then last_day, descending with nulls
     * last, then product_id.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int byUse(Row a, Row b) {
      for (int k = 1; k <= 2; k++) {
        Comparable x = (Comparable) a.get(k);
        Comparable y = (Comparable) b.get(k);
        if (x == null || y == null) {
          if (x != y) {
            return x == null ? 1 : -1;
          }
        } else {
          int c = y.compareTo(x);
          if (c != 0) {
            return c;
          }
        }
      }
      return a.getString(0).compareTo(b.getString(0));
    }

    Scorers scorers() {
      return new Scorers(
          together == null ? null : together.scorer(), als == null ? null : als.scorer());
    }
  }

  /** One task's scratch space for the in-pass sources. */
  record Scorers(
      CandidateSources.NeighbourIndex.Scorer together,
      CandidateSources.ProductFactors.Scorer als) {}

  /**
   * As above, with the bought-together and ALS sources scored in the pass (inPass, may be null;
   * customerFactors: customer_id, features, the ALS factors of the customers, null without ALS).
   */
  static Dataset<Row> assemble(
      Dataset<Row> groups,
      Dataset<Row> inter,
      Dataset<Row> together,
      Dataset<Row> als,
      InPass inPass,
      Dataset<Row> customerFactors,
      Dataset<Row> buyers,
      Dataset<Row> categories,
      double contextBoost,
      int n,
      Ranking ranking) {
    Lookups lookups = Lookups.collect(buyers, categories, contextBoost, n);
    // Every customer's group row, own rows and the sources' lists, hashed by customer and sorted
    // within each partition: the pass below reads one customer's run of rows at a time. An
    // aggregation that collected the candidates per customer spent most of its time building and
    // serialising its buffers (collect_list falls back to sorting above 128 keys per task).
    Dataset<Row> entries =
        entries(
            groups,
            GROUP_ENTRY,
            Map.of(
                "customer_id", col("customer_id"),
                "persona_id", col("persona_id"),
                "ctx_persona_id", col("ctx_persona_id"),
                "context", col("context")));
    Map<String, Column> own = new java.util.HashMap<>();
    own.put("customer_id", col("customer_id"));
    own.put("product_id", col("product_id"));
    own.put("a", col("f_buy_again"));
    own.put("b", col("f_due"));
    own.put("c", col("due_ratio"));
    own.put("d", col("interval_days"));
    own.put("orders", col("orders"));
    if (inPass != null && inPass.together() != null) {
      // What picks the customer's items for bought together.
      own.put("purchases", col("purchases"));
      own.put("last_day", col("last_day"));
    }
    entries = entries.unionByName(entries(inter, OWN_ENTRY, own));
    for (Dataset<Row> source : Arrays.asList(together, als)) {
      if (source != null) {
        entries =
            entries.unionByName(
                entries(
                    source,
                    LIST_ENTRY,
                    Map.of("customer_id", col("customer_id"), "rows", col("rows"))));
      }
    }
    if (customerFactors != null) {
      entries =
          entries.unionByName(
              entries(
                  customerFactors,
                  FACTORS_ENTRY,
                  Map.of("customer_id", col("customer_id"), "factors", col("features"))));
    }
    Dataset<Row> runs =
        entries.repartition(col("customer_id")).sortWithinPartitions(col("customer_id"));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(groups.sparkSession().sparkContext());
    Broadcast<Lookups> shared = jsc.broadcast(lookups);
    Broadcast<InPass> sources = inPass == null ? null : jsc.broadcast(inPass);
    if (ranking != null) {
      return runs.mapPartitions(
          (MapPartitionsFunction<Row, Row>)
              rows ->
                  perCustomer(
                      rows,
                      sources == null ? null : sources.value(),
                      c -> shared.value().rank(c, ranking)),
          Encoders.row(RANKED));
    }
    return runs.mapPartitions(
        (MapPartitionsFunction<Row, Row>)
            rows ->
                perCustomer(
                    rows, sources == null ? null : sources.value(), c -> shared.value().score(c)),
        Encoders.row(SCORED));
  }

  /** The rows the assembly sorts by customer: each kind fills its own columns, the rest null. */
  private static final StructType ENTRY =
      StructType.fromDDL(
              "customer_id string, kind int, persona_id int, ctx_persona_id int, context string,"
                  + " product_id string, a double, b double, c double, d double, orders long")
          .add("rows", DataTypes.createArrayType(CANDIDATE))
          .add("purchases", DataTypes.LongType)
          .add("last_day", DataTypes.DateType)
          .add("factors", DataTypes.createArrayType(DataTypes.FloatType));

  /** rows as {@link #ENTRY} rows of a kind: the given columns (by name), every other one null. */
  private static Dataset<Row> entries(Dataset<Row> rows, int kind, Map<String, Column> given) {
    List<Column> columns = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : ENTRY.fields()) {
      Column c = f.name().equals("kind") ? lit(kind) : given.getOrDefault(f.name(), lit(null));
      columns.add(c.cast(f.dataType()).as(f.name()));
    }
    return rows.select(columns.toArray(new Column[0]));
  }

  /** Kinds of the rows the assembly sorts by customer: the group row, an own row, a list. */
  private static final int GROUP_ENTRY = 0;

  private static final int OWN_ENTRY = 1;
  private static final int LIST_ENTRY = 2;
  private static final int FACTORS_ENTRY = 3;

  /** A customer as the pass sees them: group, candidates of every source, orders. */
  record Customer(
      String id,
      Integer persona,
      Integer ctxPersona,
      String context,
      List<Row> rows,
      long orders) {}

  /**
   * The rows made of each customer's run of consecutive entries (customer_id, kind, persona_id,
   * ctx_persona_id, context, product_id, a, b, c, d, orders, rows), lazily; a customer without a
   * group row is not one of the build's customers and gives none.
   */
  static Iterator<Row> perCustomer(
      Iterator<Row> sorted, java.util.function.Function<Customer, List<Row>> rows) {
    return perCustomer(sorted, null, rows);
  }

  /** As above, adding the candidates of the sources scored in the pass (inPass, may be null). */
  static Iterator<Row> perCustomer(
      Iterator<Row> sorted, InPass inPass, java.util.function.Function<Customer, List<Row>> rows) {
    return CandidateSources.perRow(customers(sorted, inPass), rows);
  }

  /** The customers of the sorted entries, one per run of rows with a group row, lazily. */
  private static Iterator<Customer> customers(Iterator<Row> sorted, InPass inPass) {
    Scorers scorers = inPass == null ? null : inPass.scorers();
    return new Iterator<>() {
      private Row next = sorted.hasNext() ? sorted.next() : null;
      private Customer customer = advance();

      /** The next run's customer (runs without a group row skipped); null after the last. */
      private Customer advance() {
        while (next != null) {
          String id = next.getString(0);
          Row group = null;
          List<Row> candidates = new ArrayList<>();
          // (product_id, purchases, last_day) of the own rows, for the in-pass sources.
          List<Row> own = new ArrayList<>();
          List<Float> factors = null;
          long orders = 0L;
          while (next != null && java.util.Objects.equals(id, next.getString(0))) {
            switch (next.getInt(1)) {
              case GROUP_ENTRY -> group = next;
              case FACTORS_ENTRY -> factors = next.getList(14);
              case OWN_ENTRY -> {
                if (inPass != null && inPass.together() != null) {
                  own.add(RowFactory.create(next.getString(5), next.get(12), next.get(13)));
                }
                candidates.add(
                    RowFactory.create(
                        BOUGHT,
                        next.getString(5),
                        next.get(6),
                        next.get(7),
                        next.get(8),
                        next.get(9),
                        null));
                if (!next.isNullAt(10)) {
                  orders = Math.max(orders, next.getLong(10));
                }
              }
              default -> candidates.addAll(next.getList(11));
            }
            next = sorted.hasNext() ? sorted.next() : null;
          }
          if (group != null) {
            if (inPass != null) {
              candidates.addAll(inPass.candidates(scorers, own, factors));
            }
            return new Customer(
                id,
                group.isNullAt(2) ? null : group.getInt(2),
                group.isNullAt(3) ? null : group.getInt(3),
                group.isNullAt(4) ? null : group.getString(4),
                candidates,
                orders);
          }
        }
        return null;
      }

      @Override
      public boolean hasNext() {
        return customer != null;
      }

      @Override
      public Customer next() {
        if (customer == null) {
          throw new java.util.NoSuchElementException();
        }
        Customer current = customer;
        customer = advance();
        return current;
      }
    };
  }

  /** {@link #SCORED} + score, rank: a customer's ranked candidates. */
  static final StructType RANKED = SCORED.add("score", "double", true).add("rank", "int", false);

  /**
   * The repeat-purchase policy and the blend, applied to one customer's candidates in plain Java:
   * the same decisions as {@link Recommender#allowed} and the same sums, in the same order, as
   * {@link Blend.Fit#score()}, so the ranking equals {@link Recommender#rank} over the allowed rows
   * (RecommenderTest compares them for every policy and with segment weights).
   */
  static final class Ranking implements Serializable {
    private final int n;
    private final com.customerpath.common.config.RecommendationSettings.RepeatPurchase repeat;
    private final Set<String> repeatable;
    private final double dueThreshold;
    private final int dueHorizonDays;
    private final double[] weights;
    private final Map<String, double[]> bySegment;
    private final int heavyMinOrders;

    Ranking(Recommender.Params p, Blend.Fit fit) {
      this.n = p.topN();
      this.repeat = p.repeat();
      this.repeatable = new java.util.HashSet<>(p.repeatableCategories());
      this.dueThreshold = p.dueThreshold();
      this.dueHorizonDays = p.dueHorizonDays();
      this.weights = fit.weights().clone();
      this.bySegment = new HashMap<>(fit.bySegment());
      this.heavyMinOrders = fit.heavyMinOrders();
    }

    /**
     * Recommender.allowed: not bought (b null), or bought and let through by the policy; b is the
     * customer's own row of the product (a, b, c = due_ratio, d = interval_days).
     */
    private boolean allowed(Row b, String product, Map<String, String> category) {
      if (b == null) {
        return true;
      }
      return switch (repeat) {
        case NEVER -> false;
        case ALWAYS -> true;
        case BY_CATEGORY -> {
          String c = category.get(product);
          yield c != null && repeatable.contains(c);
        }
        case WHEN_DUE -> {
          if (b.isNullAt(4) || b.isNullAt(5) || b.getDouble(5) == 0) {
            yield false; // SQL: null (unknown ratio or interval) is not due
          }
          yield b.getDouble(4) + dueHorizonDays / b.getDouble(5) >= dueThreshold;
        }
      };
    }

    /** Blend.Fit.score: 0 + f_1 w_1 + ... in FEATURES order, the customer's segment's weights. */
    private double score(long orders, double[] f) {
      double[] w = weights;
      if (!bySegment.isEmpty()) {
        String segment = Blend.SEGMENTS.get(Blend.segmentIndex(orders, heavyMinOrders));
        w = bySegment.getOrDefault(segment, weights);
      }
      double s = 0.0;
      for (int i = 0; i < w.length; i++) {
        if (w[i] != 0 || !bySegment.isEmpty()) {
          s += f[i] * w[i];
        }
      }
      return s;
    }
  }

  /**
   * The key of the per-context popularity table, "context:ctx_persona_id"; {@link
   * #contextGroup(String, int)} is the same key in Java, for the lookups.
   */
  static Column contextGroup() {
    return functions.concat_ws(":", col("context"), col("ctx_persona_id").cast("string"));
  }

  static String contextGroup(String context, int ctxPersona) {
    return context + ":" + ctxPersona;
  }

  /** A source's (customer, product, score) rows as lists per customer ({@link #LISTS}). */
  private static Dataset<Row> asLists(Dataset<Row> source, int src, String score, Column because) {
    Column none = lit(null).cast("double");
    return source
        .groupBy("customer_id")
        .agg(
            functions
                .collect_list(
                    functions.struct(
                        lit(src).as("src"),
                        col("product_id"),
                        col(score).as("a"),
                        none.as("b"),
                        none.as("c"),
                        none.as("d"),
                        because.as("because")))
                .as("rows"));
  }

  /** The small tables as maps, and the scoring of one customer's candidates. */
  static final class Lookups implements Serializable {
    private final HashMap<String, Double> global;
    private final ArrayList<String> globalTop;
    private final HashMap<Integer, HashMap<String, Double>> byPersona;
    private final HashMap<Integer, ArrayList<String>> personaTop;
    private final HashMap<String, HashMap<String, Double>> ctxPop;
    private final HashMap<String, String> category;
    private final double contextBoost;
    private final int n;

    private Lookups(
        HashMap<String, Double> global,
        ArrayList<String> globalTop,
        HashMap<Integer, HashMap<String, Double>> byPersona,
        HashMap<Integer, ArrayList<String>> personaTop,
        HashMap<String, HashMap<String, Double>> ctxPop,
        HashMap<String, String> category,
        double contextBoost,
        int n) {
      this.global = global;
      this.globalTop = globalTop;
      this.byPersona = byPersona;
      this.personaTop = personaTop;
      this.ctxPop = ctxPop;
      this.category = category;
      this.contextBoost = contextBoost;
      this.n = n;
    }

    /**
     * The buyer counts ({@link #BUYERS}; a few rows per product) collected in one query and divided
     * by each group's best seller here; categories (product_id, category; null = none).
     */
    static Lookups collect(
        Dataset<Row> buyers, Dataset<Row> categories, double contextBoost, int n) {
      HashMap<String, Long> globalBuyers = new HashMap<>();
      HashMap<Integer, HashMap<String, Long>> personaBuyers = new HashMap<>();
      HashMap<String, HashMap<String, Long>> contextBuyers = new HashMap<>();
      for (Row r :
          buyers.select("popularity", "group_key", "product_id", "buyers").collectAsList()) {
        String product = r.getString(2);
        long count = r.getLong(3);
        switch (r.getString(0)) {
          case GLOBAL -> globalBuyers.put(product, count);
          case PERSONA -> {
            if (!r.isNullAt(1)) {
              personaBuyers
                  .computeIfAbsent(Integer.valueOf(r.getString(1)), k -> new HashMap<>())
                  .put(product, count);
            }
          }
          case CONTEXT ->
              contextBuyers
                  .computeIfAbsent(r.getString(1), k -> new HashMap<>())
                  .put(product, count);
          default -> throw new IllegalStateException("Unknown popularity " + r.getString(0));
        }
      }
      HashMap<String, Double> g = shareOfBest(globalBuyers);
      HashMap<Integer, HashMap<String, Double>> persona = new HashMap<>();
      personaBuyers.forEach((k, v) -> persona.put(k, shareOfBest(v)));
      persona.put(Recommender.EVERYONE, g); // no persona: everyone's best sellers
      HashMap<String, HashMap<String, Double>> ctx = new HashMap<>();
      contextBuyers.forEach((k, v) -> ctx.put(k, shareOfBest(v)));
      HashMap<String, String> cat = new HashMap<>();
      if (categories != null) {
        for (Row r : categories.select("product_id", "category").collectAsList()) {
          cat.put(r.getString(0), r.isNullAt(1) ? null : String.valueOf(r.get(1)));
        }
      }
      HashMap<Integer, ArrayList<String>> tops = new HashMap<>();
      persona.forEach((k, v) -> tops.put(k, top(v, n)));
      return new Lookups(g, top(g, n), persona, tops, ctx, cat, contextBoost, n);
    }

    /** Each product's buyers over the best seller's: 1 for the best seller. */
    private static HashMap<String, Double> shareOfBest(Map<String, Long> buyers) {
      long best = buyers.values().stream().mapToLong(Long::longValue).max().orElse(1L);
      HashMap<String, Double> out = new HashMap<>();
      buyers.forEach((product, count) -> out.put(product, count / (double) best));
      return out;
    }

    /** The n best products by score (nulls last), then product id. */
    private static ArrayList<String> top(Map<String, Double> scores, int n) {
      ArrayList<String> ids = new ArrayList<>(scores.keySet());
      ids.sort(
          Comparator.<String, Double>comparing(
                  scores::get, Comparator.nullsLast(Comparator.reverseOrder()))
              .thenComparing(Comparator.naturalOrder()));
      return new ArrayList<>(ids.subList(0, Math.min(n, ids.size())));
    }

    /** One customer's candidates ({@link #SCORED}). */
    List<Row> score(Customer customer) {
      Slate slate = slate(customer);
      List<Row> out = new ArrayList<>(slate.size);
      for (int i = 0; i < slate.size; i++) {
        out.add(RowFactory.create(slate.values(i, category, 0)));
      }
      return out;
    }

    /**
     * One customer's best allowed candidates ({@link #RANKED}): the policy and the blend applied to
     * each candidate's values in place, and a row made for the top N only.
     */
    List<Row> rank(Customer customer, Ranking ranking) {
      Slate slate = slate(customer);
      double[] score = new double[slate.size];
      int[] allowed = new int[slate.size];
      double[] f = new double[Recommender.FEATURES.size()];
      int m = 0;
      for (int i = 0; i < slate.size; i++) {
        if (ranking.allowed(slate.bought[i], slate.product[i], category)) {
          slate.features(i, f);
          score[i] = ranking.score(slate.orders, f);
          allowed[m++] = i;
        }
      }
      String[] product = slate.product;
      int[] top =
          TopIndexes.first(
              m,
              ranking.n,
              (a, b) -> {
                int c = Double.compare(-score[allowed[a]], -score[allowed[b]]);
                return c < 0 || (c == 0 && product[allowed[a]].compareTo(product[allowed[b]]) < 0);
              });
      List<Row> out = new ArrayList<>(top.length);
      for (int k = 0; k < top.length; k++) {
        int i = allowed[top[k]];
        Object[] values = slate.values(i, category, 2);
        values[values.length - 2] = score[i];
        values[values.length - 1] = k + 1;
        out.add(RowFactory.create(values));
      }
      return out;
    }

    /** The candidates of one customer, in the order the sources name them. */
    private Slate slate(Customer customer) {
      String id = customer.id();
      Integer persona = customer.persona();
      Integer ctxPersona = customer.ctxPersona();
      String context = customer.context();
      List<Row> rows = customer.rows();
      long orders = customer.orders();
      Map<String, Row> bought = new HashMap<>();
      Map<String, Row> together = new HashMap<>();
      Map<String, Double> als = new HashMap<>();
      for (Row r : rows) {
        switch (r.getInt(0)) {
          case BOUGHT -> bought.put(r.getString(1), r);
          case TOGETHER -> together.put(r.getString(1), r);
          default -> als.put(r.getString(1), r.isNullAt(2) ? null : r.getDouble(2));
        }
      }
      Set<String> candidates = new LinkedHashSet<>();
      if (persona != null && personaTop.containsKey(persona)) {
        candidates.addAll(personaTop.get(persona));
      }
      candidates.addAll(globalTop);
      List<Row> own = new ArrayList<>(bought.values());
      own.sort(
          Comparator.<Row, Double>comparing(
                  r -> r.isNullAt(2) ? null : r.getDouble(2),
                  Comparator.nullsLast(Comparator.reverseOrder()))
              .thenComparing(r -> r.getString(1)));
      own.stream().limit(n).forEach(r -> candidates.add(r.getString(1)));
      candidates.addAll(together.keySet());
      candidates.addAll(als.keySet());

      Map<String, Double> personaPopularity =
          persona == null ? Map.of() : byPersona.getOrDefault(persona, new HashMap<>());
      Map<String, Double> contextPopularity =
          ctxPersona == null || context == null
              ? Map.of()
              : ctxPop.getOrDefault(contextGroup(context, ctxPersona), new HashMap<>());
      boolean boosted = ctxPersona != null && contextBoost > 0;
      Slate slate = new Slate(id, persona, orders, candidates.size());
      for (String product : candidates) {
        int i = slate.size++;
        slate.product[i] = product;
        slate.bought[i] = bought.get(product);
        slate.together[i] = together.get(product);
        double popularity = orZero(personaPopularity.get(product));
        slate.persona[i] =
            boosted
                ? popularity * (1 - contextBoost)
                    + orZero(contextPopularity.get(product)) * contextBoost
                : popularity;
        slate.global[i] = orZero(global.get(product));
        slate.als[i] = orZero(als.get(product));
      }
      return slate;
    }

    private static double orZero(Double d) {
      return d == null ? 0.0 : d;
    }
  }

  /**
   * One customer's candidates as parallel arrays, one slot per candidate: the customer's own row
   * (null: not bought), the bought-together row (null: none) and the popularity and ALS scores.
   */
  private static final class Slate {
    private final String id;
    private final Integer personaId;
    private final long orders;
    private final String[] product;
    private final Row[] bought;
    private final Row[] together;
    private final double[] persona;
    private final double[] global;
    private final double[] als;
    private int size;

    private Slate(String id, Integer personaId, long orders, int capacity) {
      this.id = id;
      this.personaId = personaId;
      this.orders = orders;
      this.product = new String[capacity];
      this.bought = new Row[capacity];
      this.together = new Row[capacity];
      this.persona = new double[capacity];
      this.global = new double[capacity];
      this.als = new double[capacity];
    }

    /** Candidate i's six scores in {@link Recommender#FEATURES} order, into f. */
    private void features(int i, double[] f) {
      Row b = bought[i];
      Row t = together[i];
      f[0] = b == null || b.isNullAt(2) ? 0.0 : b.getDouble(2);
      f[1] = b == null || b.isNullAt(3) ? 0.0 : b.getDouble(3);
      f[2] = t == null || t.isNullAt(2) ? 0.0 : t.getDouble(2);
      f[3] = persona[i];
      f[4] = global[i];
      f[5] = als[i];
    }

    /** Candidate i's values in {@link #SCORED} order, with `extra` empty slots after them. */
    private Object[] values(int i, Map<String, String> category, int extra) {
      Row b = bought[i];
      Row t = together[i];
      Object[] v = new Object[15 + extra];
      v[0] = id;
      v[1] = product[i];
      v[2] = personaId;
      v[3] = b != null;
      v[4] = b == null || b.isNullAt(4) ? null : b.getDouble(4);
      v[5] = b == null || b.isNullAt(5) ? null : b.getDouble(5);
      v[6] = category.get(product[i]);
      v[7] = t == null || t.isNullAt(6) ? null : t.getString(6);
      double[] f = new double[Recommender.FEATURES.size()];
      features(i, f);
      for (int k = 0; k < f.length; k++) {
        v[8 + k] = f[k];
      }
      v[14] = orders;
      return v;
    }
  }
}
