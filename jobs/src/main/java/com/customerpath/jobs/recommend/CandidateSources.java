package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.RecommendationSettings.AlsSettings;
import com.customerpath.common.config.RecommendationSettings.CandidateSettings;
import com.customerpath.common.config.RecommendationSettings.Preference;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The candidate sources of the recommender, each a distributed transform (nothing per customer
 * reaches the driver) and each usable alone. Every source scores (customer, product) pairs in [0,
 * 1]:
 *
 * <ul>
 *   <li>buy again ({@link #interactions}): f_buy_again = the recency-weighted share of the
 *       customer's orders that contain the product; f_due = how close the customer is to buying it
 *       again, from the product's typical repurchase interval (1 = exactly due);
 *   <li>bought together ({@link #boughtTogether}): item-to-item co-occurrence over buyers;
 *   <li>persona/context popularity and global popularity ({@link #popularity});
 *   <li>ALS ({@link #als}): implicit-feedback matrix factorisation.
 * </ul>
 */
public final class CandidateSources {
  private CandidateSources() {}

  /**
   * Purchase lines: customer_id, product_id, order_id (transaction id, else customer + day), day,
   * quantity.
   */
  public static Dataset<Row> purchases(Dataset<Row> transactions) {
    Column day = functions.to_date(col("ts"));
    return transactions
        .filter(
            col("quantity")
                .gt(0)
                .and(col("customer_id").isNotNull())
                .and(col("product_id").isNotNull()))
        .select(
            col("customer_id"),
            col("product_id"),
            coalesce(
                    col("transaction_id"),
                    functions.concat_ws("|", col("customer_id"), day.cast("string")))
                .as("order_id"),
            day.as("day"),
            col("quantity").cast("double").as("quantity"),
            col("ts"));
  }

  /**
   * One row per (customer, product) bought before or on asOf: purchases (orders), quantity,
   * preference (ALS), first_day, last_day, days (with a purchase), days_since_last, interval_days
   * (the product's typical repurchase interval, null when nobody bought it twice), orders (the
   * customer's), lines and weekend_lines (its purchase lines, and those on a Saturday or Sunday:
   * the popularity and context of {@link Recommender} count from them, not from the lines again),
   * f_buy_again, f_due.
   */
  public static Dataset<Row> interactions(
      Dataset<Row> purchases, LocalDate asOf, Preference preference, CandidateSettings s) {
    return interactions(perProduct(purchases, asOf, s), asOf, preference);
  }

  /** The columns of {@link #perProduct}: what a night keeps of its interactions for the next. */
  static final List<String> PER_PRODUCT =
      List.of(
          "customer_id",
          "product_id",
          "purchases",
          "quantity",
          "first_day",
          "last_day",
          "days",
          "lines",
          "weekend_lines",
          "orders",
          "f_buy_again");

  /**
   * One row per (customer, product) bought: the aggregates of the customer's purchase lines that do
   * not depend on the date ({@link #PER_PRODUCT}; f_buy_again, a share of recency weights, is the
   * same whatever the date they are counted from), so a customer whose lines did not change keeps
   * the row of an earlier night ({@link RecommendationCarryOver}).
   */
  static Dataset<Row> perProduct(Dataset<Row> purchases, LocalDate asOf, CandidateSettings s) {
    Column asOfDay = lit(java.sql.Date.valueOf(asOf));
    // One row per (customer, product, order) first, so an order's weight counts once.
    Column weekendLine = when(functions.dayofweek(col("ts")).isin(1, 7), 1L).otherwise(0L);
    Dataset<Row> perOrder =
        purchases
            .groupBy("customer_id", "product_id", "order_id")
            .agg(
                functions.max("day").as("day"),
                functions.sum("quantity").as("quantity"),
                functions.count(lit(1)).as("lines"),
                functions.sum(weekendLine).as("weekend_lines"));
    // The customer's orders and the sum of their weights (w_total), aggregated per customer and
    // joined back by hashing (both sides are partitioned by customer: no shuffle, no sort). Windows
    // over the customer's rows did it before: a sort and four passes that buffered every
    // customer's rows, the largest share of the interactions' cost (docs/benchmarks.md, session
    // 43).
    Dataset<Row> perCustomer =
        purchases
            .groupBy("customer_id", "order_id")
            .agg(functions.max("day").as("order_day"))
            .groupBy("customer_id")
            .agg(
                functions.sum(recencyWeight(asOfDay, col("order_day"), s)).as("w_total"),
                functions.count(lit(1)).as("orders"));
    Dataset<Row> cp =
        perOrder
            .groupBy("customer_id", "product_id")
            .agg(
                functions.count(lit(1)).as("purchases"),
                functions.sum("quantity").as("quantity"),
                functions.sum(recencyWeight(asOfDay, col("day"), s)).as("w"),
                functions.min("day").as("first_day"),
                functions.max("day").as("last_day"),
                functions.countDistinct("day").as("days"),
                functions.sum("lines").as("lines"),
                functions.sum("weekend_lines").as("weekend_lines"))
            .join(perCustomer.hint("shuffle_hash"), new String[] {"customer_id"})
            .withColumn("f_buy_again", col("w").divide(col("w_total")));
    return cp.select(PER_PRODUCT.stream().map(functions::col).toArray(Column[]::new));
  }

  /** An order's weight on asOf: halves every half-life-days since its day. */
  private static Column recencyWeight(Column asOfDay, Column day, CandidateSettings s) {
    return functions.pow(lit(0.5), functions.datediff(asOfDay, day).divide(s.halfLifeDays()));
  }

  /**
   * The interactions ({@link #interactions(Dataset, LocalDate, Preference, CandidateSettings)}) of
   * the per-product rows: each product's typical repurchase interval from every customer's rows,
   * and what depends on the date.
   */
  static Dataset<Row> interactions(Dataset<Row> cp, LocalDate asOf, Preference preference) {
    return withDue(
        cp.join(functions.broadcast(repurchaseIntervals(cp)), new String[] {"product_id"}, "left"),
        asOf,
        preference);
  }

  /**
   * As above, with the per-product rows cached (added to cached, for the caller to release): the
   * products' repurchase intervals are counted from the cached rows, collected (one row per
   * product) and looked up from a broadcast map. Joined as above, the per-product aggregation of
   * the lines ran twice, once more for the intervals' side of the join (docs/benchmarks.md, session
   * 47).
   */
  static Dataset<Row> cachedInteractions(
      Dataset<Row> cp, LocalDate asOf, Preference preference, List<Dataset<Row>> cached) {
    Dataset<Row> rows = cp.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    cached.add(rows);
    HashMap<String, Double> intervalOf = new HashMap<>();
    for (Row r : repurchaseIntervals(rows).collectAsList()) {
      if (!r.isNullAt(1)) {
        intervalOf.put(r.getString(0), r.getDouble(1));
      }
    }
    Broadcast<HashMap<String, Double>> shared =
        JavaSparkContext.fromSparkContext(cp.sparkSession().sparkContext()).broadcast(intervalOf);
    org.apache.spark.sql.expressions.UserDefinedFunction interval =
        functions.udf(
            (org.apache.spark.sql.api.java.UDF1<String, Double>)
                product -> shared.value().get(product),
            DataTypes.DoubleType);
    return withDue(
        rows.withColumn("interval_days", interval.apply(col("product_id"))), asOf, preference);
  }

  /**
   * product_id, interval_days: the typical repurchase interval of each product bought twice by
   * someone, the median over its repeat buyers of their mean gap.
   */
  private static Dataset<Row> repurchaseIntervals(Dataset<Row> cp) {
    return cp.filter(col("days").geq(2))
        .select(
            col("product_id"),
            functions
                .datediff(col("last_day"), col("first_day"))
                .divide(col("days").minus(1))
                .as("gap"))
        .groupBy("product_id")
        .agg(functions.percentile_approx(col("gap"), lit(0.5), lit(1000)).as("interval_days"));
  }

  /** The interactions' columns of per-product rows with their product's interval_days. */
  private static Dataset<Row> withDue(
      Dataset<Row> withInterval, LocalDate asOf, Preference preference) {
    Column asOfDay = lit(java.sql.Date.valueOf(asOf));
    Column since = functions.datediff(asOfDay, col("last_day")).cast("double");
    Column ratio = since.divide(col("interval_days"));
    Column pref =
        preference == Preference.QUANTITY ? col("quantity") : col("purchases").cast("double");
    return withInterval.select(
        col("customer_id"),
        col("product_id"),
        col("purchases"),
        col("quantity"),
        pref.as("preference"),
        col("first_day"),
        col("last_day"),
        col("days"),
        since.as("days_since_last"),
        col("interval_days").cast("double").as("interval_days"),
        col("orders"),
        col("lines"),
        col("weekend_lines"),
        col("f_buy_again"),
        // 1 when exactly due; falls off both sooner (just bought) and later (lapsed).
        when(
                col("interval_days").gt(0).and(since.gt(0)),
                functions.least(ratio, lit(1.0).divide(ratio)))
            .otherwise(lit(0.0))
            .as("f_due"),
        when(col("interval_days").gt(0), ratio).as("due_ratio"));
  }

  /**
   * Bought together: customer_id, product_id, f_together (mean similarity of the product to the
   * customer's products), because (the customer's product most similar to it). Similarity = cosine
   * (co-buyers / sqrt(buyers_i x buyers_j)) or lift scaled to [0, 1] per product; pairs with fewer
   * than min-co-buyers co-buyers are dropped and each product keeps its best `neighbours`. Products
   * the customer bought are not returned.
   */
  public static Dataset<Row> boughtTogether(Dataset<Row> interactions, CandidateSettings s) {
    return boughtTogether(interactions, s, null, Integer.MAX_VALUE);
  }

  /**
   * As above for the targets' customers only (customer_id; null = all), at most `keep` products per
   * customer (the best by f_together, then product_id); the neighbours still come from every
   * customer's items.
   *
   * <p>The neighbour table (products x neighbours rows) is collected once and broadcast, and each
   * customer's products are scored in one pass over their neighbours in plain Java: joining the
   * items to their neighbours in SQL made items x neighbours rows per customer (22.5M at 1M lines)
   * that a hash aggregation on string keys then summed back, half the recommendations step.
   */
  public static Dataset<Row> boughtTogether(
      Dataset<Row> interactions, CandidateSettings s, Dataset<Row> targets, int keep) {
    return boughtTogether(interactions, s, targets, keep, new ArrayList<>());
  }

  /**
   * As above; the per-customer lists (one row per customer) are cached and added to `cached`, for
   * the caller to release once the result is used: the neighbours' buyer counts, their co-buyers
   * and the scoring all read them, and each would otherwise rank the interactions again.
   */
  static Dataset<Row> boughtTogether(
      Dataset<Row> interactions,
      CandidateSettings s,
      Dataset<Row> targets,
      int keep,
      List<Dataset<Row>> cached) {
    return boughtTogetherLists(interactions, s, targets, keep, cached)
        .select(col("customer_id"), functions.explode(col("rows")).as("c"))
        .select(
            col("customer_id"),
            col("c.product_id").as("product_id"),
            col("c.a").as("f_together"),
            col("c.because").as("because"));
  }

  /**
   * As above, as one row per customer with candidates ({@link CandidateAssembly#LISTS}, source
   * bought together, a = f_together): the assembly takes each source's candidates as a list per
   * customer, so that they are not one row each through its shuffle.
   */
  static Dataset<Row> boughtTogetherLists(
      Dataset<Row> interactions,
      CandidateSettings s,
      Dataset<Row> targets,
      int keep,
      List<Dataset<Row>> cached) {
    Dataset<Row> perCustomer =
        itemsAndBought(interactions, s)
            .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    cached.add(perCustomer);
    NeighbourIndex index = neighbourIndexOfLists(perCustomer.select("items"), s);
    if (targets != null) {
      perCustomer =
          perCustomer.join(
              targets.select("customer_id"), new String[] {"customer_id"}, "left_semi");
    }
    Broadcast<NeighbourIndex> shared =
        JavaSparkContext.fromSparkContext(interactions.sparkSession().sparkContext())
            .broadcast(index);
    return perCustomer.mapPartitions(
        (MapPartitionsFunction<Row, Row>) rows -> shared.value().lists(rows, keep),
        Encoders.row(CandidateAssembly.LISTS));
  }

  /**
   * The neighbour index of bought together, from every customer's items (their
   * max-items-per-customer most bought products), for the assembly to score each customer's
   * candidates in its own pass ({@link NeighbourIndex#scorer}) from the rows it already holds.
   */
  static NeighbourIndex boughtTogetherIndex(Dataset<Row> interactions, CandidateSettings s) {
    // Read twice (buyer counts, then pair counts); the index is on the driver after that.
    Dataset<Row> items =
        itemsAndBought(interactions, s)
            .select("items")
            .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      return neighbourIndexOfLists(items, s);
    } finally {
      items.unpersist();
    }
  }

  /**
   * Per customer: items, their at most max-items-per-customer products by purchases, then the
   * latest purchase, then product id (a heavy buyer's pairs grow quadratically), and bought,
   * everything they bought (never recommended). {@link CandidateAssembly.InPass#candidates} picks
   * the same items from one customer's rows.
   */
  private static Dataset<Row> itemsAndBought(Dataset<Row> interactions, CandidateSettings s) {
    Dataset<Row> ranked =
        interactions
            .select("customer_id", "product_id", "purchases", "last_day")
            .withColumn(
                "r",
                functions
                    .row_number()
                    .over(
                        Window.partitionBy("customer_id")
                            .orderBy(
                                col("purchases").desc(),
                                col("last_day").desc(),
                                col("product_id"))));
    Column isItem = col("r").leq(s.maxItemsPerCustomer());
    return ranked
        .groupBy("customer_id")
        .agg(
            functions.collect_list(when(isItem, col("product_id"))).as("items"),
            functions.collect_list(col("product_id")).as("bought"));
  }

  /**
   * Each item's best neighbours as arrays indexed by a dense product number (compressed rows: the
   * neighbours of item i are at [start[i], start[i + 1])), with the scoring of a customer's items.
   */
  static final class NeighbourIndex implements Serializable {
    private final String[] products;
    private final Map<String, Integer> number;
    private final int[] start;
    private final int[] neighbour;
    private final double[] similarity;

    private NeighbourIndex(
        String[] products,
        Map<String, Integer> number,
        int[] start,
        int[] neighbour,
        double[] similarity) {
      this.products = products;
      this.number = number;
      this.start = start;
      this.neighbour = neighbour;
      this.similarity = similarity;
    }

    /** From neighbours(): item, product_id, similarity (collected: products x neighbours rows). */
    static NeighbourIndex of(Dataset<Row> neighbours) {
      return of(neighbours.orderBy("item", "product_id").collectAsList());
    }

    /** From (item, product_id, similarity) rows ordered by item, then product_id. */
    static NeighbourIndex of(List<Row> rows) {
      Map<String, Integer> number = new HashMap<>();
      List<String> products = new ArrayList<>();
      for (Row r : rows) {
        for (int c = 0; c < 2; c++) {
          if (number.putIfAbsent(r.getString(c), products.size()) == null) {
            products.add(r.getString(c));
          }
        }
      }
      int[] start = new int[products.size() + 1];
      for (Row r : rows) {
        start[number.get(r.getString(0)) + 1]++;
      }
      for (int i = 0; i < products.size(); i++) {
        start[i + 1] += start[i];
      }
      int[] next = Arrays.copyOf(start, products.size());
      int[] neighbour = new int[rows.size()];
      double[] similarity = new double[rows.size()];
      for (Row r : rows) {
        int k = next[number.get(r.getString(0))]++;
        neighbour[k] = number.get(r.getString(1));
        similarity[k] = r.getDouble(2);
      }
      return new NeighbourIndex(
          products.toArray(new String[0]), number, start, neighbour, similarity);
    }

    /**
     * Scores each customer row (customer_id, items, bought): per product, the sum of its
     * similarities to the items over the number of items, and the most similar item (ties: the
     * smaller product id); bought products are left out; the best `keep` by score then product id.
     * Lazily, one customer at a time.
     */
    /** "item>product=similarity" of every neighbour, in index order (for tests). */
    List<String> describe() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < products.length; i++) {
        for (int k = start[i]; k < start[i + 1]; k++) {
          out.add(products[i] + ">" + products[neighbour[k]] + "=" + similarity[k]);
        }
      }
      return out;
    }

    /** One row per customer with candidates ({@link CandidateAssembly#LISTS}), lazily. */
    Iterator<Row> lists(Iterator<Row> customers, int keep) {
      Scorer scorer = scorer();
      return perRow(
          customers,
          c -> {
            Row[] candidates = scorer.candidates(c.getList(1), c.getList(2), keep);
            return candidates.length == 0
                ? List.of()
                : List.of(RowFactory.create(c.getString(0), candidates));
          });
    }

    /** A scorer for one task (its scratch arrays are not shared between threads). */
    Scorer scorer() {
      return new Scorer();
    }

    /** Per-task scratch arrays over the product numbers, cleared after each customer. */
    final class Scorer {
      private final double[] sum = new double[products.length];
      private final double[] best = new double[products.length];
      private final int[] because = new int[products.length];
      private final boolean[] seen = new boolean[products.length];
      private final int[] touched = new int[products.length];
      private final boolean[] isBought = new boolean[products.length];

      /**
       * A customer's candidates (CANDIDATE rows, source bought together), best first; items and
       * bought as {@link #itemsAndBought} gives them.
       */
      Row[] candidates(List<String> items, List<String> bought, int keep) {
        // Items in number order (fixed by the index), so that the sums do not depend on
        // collect_list's order.
        int[] own =
            items.stream()
                .map(number::get)
                .filter(Objects::nonNull)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
        int m = 0;
        for (int i : own) {
          for (int k = start[i]; k < start[i + 1]; k++) {
            int p = neighbour[k];
            double sim = similarity[k];
            if (!seen[p]) {
              seen[p] = true;
              touched[m++] = p;
              because[p] = i;
              best[p] = sim;
            } else if (sim > best[p]
                || (sim == best[p] && products[i].compareTo(products[because[p]]) < 0)) {
              because[p] = i;
              best[p] = sim;
            }
            sum[p] += sim;
          }
        }
        int[] boughtNumbers = new int[bought.size()];
        int nb = 0;
        for (String b : bought) {
          Integer p = number.get(b);
          if (p != null && !isBought[p]) {
            isBought[p] = true;
            boughtNumbers[nb++] = p;
          }
        }
        int[] scored = new int[m];
        int ns = 0;
        for (int j = 0; j < m; j++) {
          if (!isBought[touched[j]]) {
            scored[ns++] = touched[j];
          }
        }
        int[] keptAt =
            TopIndexes.first(
                ns,
                keep,
                (a, b) -> {
                  int c = Double.compare(-sum[scored[a]], -sum[scored[b]]);
                  return c < 0
                      || (c == 0 && products[scored[a]].compareTo(products[scored[b]]) < 0);
                });
        Row[] candidates = new Row[keptAt.length];
        for (int k = 0; k < keptAt.length; k++) {
          int p = scored[keptAt[k]];
          candidates[k] =
              CandidateAssembly.candidate(
                  CandidateAssembly.TOGETHER,
                  products[p],
                  sum[p] / items.size(),
                  products[because[p]]);
        }
        for (int j = 0; j < nb; j++) {
          isBought[boughtNumbers[j]] = false;
        }
        for (int j = 0; j < m; j++) {
          int p = touched[j];
          seen[p] = false;
          sum[p] = 0;
        }
        return candidates;
      }
    }
  }

  /** Lazily, the rows made of each input row in turn (one customer's rows at a time). */
  static <T> Iterator<Row> perRow(Iterator<T> in, java.util.function.Function<T, List<Row>> rows) {
    return new Iterator<>() {
      private Iterator<Row> current = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && in.hasNext()) {
          current = rows.apply(in.next()).iterator();
        }
        return current.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /**
   * item, product_id, similarity: each item's best neighbours, from items (customer_id, product_id:
   * the products each customer bought).
   */
  public static Dataset<Row> neighbours(Dataset<Row> items, CandidateSettings s) {
    Dataset<Row> lists = itemLists(items);
    return neighbours(lists, s, buyerCounts(lists));
  }

  /** items (array of product ids, no repeats): one row per customer of the items. */
  private static Dataset<Row> itemLists(Dataset<Row> items) {
    return items
        .groupBy("customer_id")
        .agg(functions.collect_set("product_id").as("items"))
        .select("items");
  }

  /**
   * product_id, n (its buyers among the item lists), in product id order (Spark's string order,
   * sorted here: a distributed sort of one row per product costs a sampling job).
   */
  private static List<Row> buyerCounts(Dataset<Row> lists) {
    List<Row> counts =
        new ArrayList<>(
            lists
                .select(functions.explode(col("items")).as("product_id"))
                .groupBy("product_id")
                .agg(functions.count(lit(1)).as("n"))
                .collectAsList());
    counts.sort(Comparator.comparing((Row r) -> UTF8String.fromString(r.getString(0))));
    return counts;
  }

  /**
   * Catalogues of at most this many products count their co-buyers in a dense triangle of ints per
   * task (P (P - 1) / 2: 18 MB at 3,000 products), summed on the driver, instead of a shuffle of
   * every customer's pairs: at 1M lines, 19M pairs made 13M shuffled rows and two stages of 40 s.
   * Larger catalogues count their pairs in Spark ({@link #neighbours}).
   */
  static final int DENSE_MAX_PRODUCTS = 3000;

  /** Bytes of co-buyer arrays the tasks may send to the driver together (see {@link #coBuyers}). */
  private static final long COUNTS_TO_DRIVER_BYTES = 128L << 20;

  /**
   * Each item's best neighbours as the index the customers are scored with: the same rows as {@link
   * #neighbours} (same similarities, same ties), counted densely when the catalogue is small
   * enough.
   */
  static NeighbourIndex neighbourIndex(Dataset<Row> items, CandidateSettings s) {
    return neighbourIndexOfLists(itemLists(items), s);
  }

  /** As above, from the item lists (items: each customer's product ids, no repeats). */
  private static NeighbourIndex neighbourIndexOfLists(Dataset<Row> lists, CandidateSettings s) {
    List<Row> buyers = buyerCounts(lists);
    if (buyers.size() > DENSE_MAX_PRODUCTS) {
      return NeighbourIndex.of(neighbours(lists, s, buyers));
    }
    int p = buyers.size();
    String[] ids = new String[p];
    long[] n = new long[p];
    Map<String, Integer> number = new HashMap<>();
    for (int i = 0; i < p; i++) {
      ids[i] = buyers.get(i).getString(0);
      n[i] = buyers.get(i).getLong(1);
      number.put(ids[i], i);
    }
    int[] co = coBuyers(lists, number);
    // Per item, the pairs with enough co-buyers and their similarity, as the SQL path computes
    // them (cosine: co / sqrt(n_i n_j); lift: co / (n_i n_j) over the item's largest lift).
    List<Row> rows = new ArrayList<>();
    double[] sim = new double[p];
    Integer[] order = new Integer[p];
    for (int i = 0; i < p; i++) {
      int m = 0;
      double maxLift = 0;
      for (int j = 0; j < p; j++) {
        long c = j == i ? 0 : co[triangle(Math.min(i, j), Math.max(i, j), p)];
        if (j == i || c < Math.max(1, s.minCoBuyers())) {
          continue;
        }
        if (s.togetherMeasure() == CandidateSettings.Measure.LIFT) {
          sim[j] = (double) c / (double) (n[i] * n[j]);
          maxLift = Math.max(maxLift, sim[j]);
        } else {
          sim[j] = (double) c / Math.sqrt((double) (n[i] * n[j]));
        }
        order[m++] = j;
      }
      if (s.togetherMeasure() == CandidateSettings.Measure.LIFT) {
        for (int k = 0; k < m; k++) {
          sim[order[k]] = sim[order[k]] / maxLift;
        }
      }
      // Best `neighbours` by similarity, then product number (= product id order).
      Integer[] kept = Arrays.copyOf(order, m);
      Arrays.sort(kept, Comparator.<Integer>comparingDouble(j -> -sim[j]).thenComparingInt(j -> j));
      Integer[] best = Arrays.copyOf(kept, Math.min(m, s.neighbours()));
      Arrays.sort(best); // the index lists an item's neighbours in product id order
      for (int j : best) {
        rows.add(RowFactory.create(ids[i], ids[j], sim[j]));
      }
    }
    return NeighbourIndex.of(rows);
  }

  /** Position of the pair (a, b), a < b, in the upper triangle of a p x p matrix. */
  private static int triangle(int a, int b, int p) {
    return (int) ((long) a * (2L * p - a - 1) / 2 + (b - a - 1));
  }

  /**
   * Co-buyers of every pair of products (a, b), a < b, at {@link #triangle}: each task counts its
   * customers' pairs into one array, and the arrays are summed as the tasks finish.
   */
  private static int[] coBuyers(Dataset<Row> itemLists, Map<String, Integer> number) {
    int p = number.size();
    int cells = (int) ((long) p * (p - 1) / 2);
    SparkSession spark = itemLists.sparkSession();
    Broadcast<Map<String, Integer>> shared =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(number);
    JavaRDD<Row> lists = itemLists.select("items").javaRDD();
    // Every task sends one array to the driver: at most COUNTS_TO_DRIVER_BYTES in all (a cluster's
    // 200 shuffle partitions x 18 MB would pass spark.driver.maxResultSize); counting is cheap.
    int tasks =
        (int)
            Math.max(
                1, Math.min(lists.getNumPartitions(), COUNTS_TO_DRIVER_BYTES / (4L * cells + 1)));
    return lists
        .coalesce(tasks)
        .mapPartitions(
            rows -> {
              Map<String, Integer> ix = shared.value();
              int[] counts = new int[cells];
              while (rows.hasNext()) {
                List<String> own = rows.next().getList(0);
                int[] ranks = own.stream().mapToInt(ix::get).sorted().toArray();
                for (int x = 0; x < ranks.length; x++) {
                  for (int y = x + 1; y < ranks.length; y++) {
                    counts[triangle(ranks[x], ranks[y], p)]++;
                  }
                }
              }
              return java.util.Collections.singletonList(counts).iterator();
            })
        .fold(
            new int[cells],
            (x, y) -> {
              for (int k = 0; k < cells; k++) {
                x[k] += y[k];
              }
              return x;
            });
  }

  /** {@link #neighbours} from the item lists, with the buyer counts already collected. */
  private static Dataset<Row> neighbours(
      Dataset<Row> lists, CandidateSettings s, List<Row> buyers) {
    // Products numbered in id order (a per-product table, small), so that the pairs are counted
    // on one long key and ordering by number is ordering by id: counting (item, product) string
    // pairs from a self-join spent its time comparing and hashing strings.
    long size = buyers.size();
    Map<String, Integer> number = new HashMap<>();
    List<Row> numbered = new ArrayList<>();
    for (Row b : buyers) {
      numbered.add(RowFactory.create(number.size(), b.getString(0), b.getLong(1)));
      number.put(b.getString(0), number.size());
    }
    SparkSession spark = lists.sparkSession();
    Dataset<Row> products =
        spark.createDataFrame(numbered, StructType.fromDDL("ix int, product_id string, n bigint"));
    Broadcast<Map<String, Integer>> shared =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(number);
    // Every ordered pair of a customer's products, as item x size + product.
    Dataset<Long> pairKeys =
        lists
            .select("items")
            .mapPartitions(
                (MapPartitionsFunction<Row, Long>)
                    rows -> {
                      Map<String, Integer> ix = shared.value();
                      List<Long> out = new ArrayList<>();
                      return new Iterator<>() {
                        private int next = 0;

                        @Override
                        public boolean hasNext() {
                          while (next == out.size() && rows.hasNext()) {
                            out.clear();
                            next = 0;
                            List<String> own = rows.next().getList(0);
                            for (String a : own) {
                              for (String b : own) {
                                if (!a.equals(b)) {
                                  out.add(ix.get(a) * size + ix.get(b));
                                }
                              }
                            }
                          }
                          return next < out.size();
                        }

                        @Override
                        public Long next() {
                          if (!hasNext()) {
                            throw new java.util.NoSuchElementException();
                          }
                          return out.get(next++);
                        }
                      };
                    },
                Encoders.LONG());
    Dataset<Row> pairs =
        pairKeys
            .groupBy("value")
            .agg(functions.count(lit(1)).as("co"))
            .filter(col("co").geq(s.minCoBuyers()))
            .select(
                col("value").divide(size).cast("int").as("i"),
                col("value").mod(size).cast("int").as("j"),
                col("co"))
            .join(functions.broadcast(products.select(col("ix").as("i"), col("n").as("n_i"))), "i")
            .join(functions.broadcast(products.select(col("ix").as("j"), col("n").as("n_j"))), "j");
    Column sim;
    if (s.togetherMeasure() == CandidateSettings.Measure.LIFT) {
      // Lift = co x N / (n_i x n_j); the constant N cancels in the per-item scaling to [0, 1].
      Column lift = col("co").divide(col("n_i").multiply(col("n_j")));
      sim = lift.divide(functions.max(lift).over(Window.partitionBy("i")));
    } else {
      sim = col("co").divide(functions.sqrt(col("n_i").multiply(col("n_j"))));
    }
    Dataset<Row> best =
        pairs
            .withColumn("similarity", sim)
            .withColumn(
                "r",
                functions
                    .row_number()
                    .over(Window.partitionBy("i").orderBy(col("similarity").desc(), col("j"))))
            .filter(col("r").leq(s.neighbours()));
    return best.join(
            functions.broadcast(products.select(col("ix").as("i"), col("product_id").as("item"))),
            "i")
        .join(functions.broadcast(products.select(col("ix").as("j"), col("product_id"))), "j")
        .select("item", "product_id", "similarity");
  }

  /** Fitted ALS with the integer index of every customer and product. */
  public record AlsFit(ALSModel model, Dataset<Row> customers, Dataset<Row> products) {}

  /**
   * Dense integer ids for ALS without collecting the ids to the driver: zipWithIndex over the
   * distinct ids (one small job to count the partitions). Returns id, ix.
   *
   * <p>The same ids get the same numbers every run: which ids a partition of the distinct ids holds
   * is fixed by their hash, but the order in which a task reads its shuffle blocks is not, and ALS
   * factors (and so the learned blend and the recommendations) depend on the numbering. Sorting
   * each partition fixes it without another job.
   */
  static Dataset<Row> index(Dataset<Row> ids, String idCol, String ixCol) {
    JavaRDD<Row> rows =
        ids.select(idCol)
            .distinct()
            .sortWithinPartitions(idCol)
            .javaRDD()
            .zipWithIndex()
            .map(t -> RowFactory.create(t._1().getString(0), (int) t._2().longValue()));
    return ids.sparkSession()
        .createDataFrame(rows, StructType.fromDDL(idCol + " string, " + ixCol + " int"));
  }

  /**
   * Fits implicit ALS on the interactions (customer_id, product_id, preference); cache them first.
   */
  public static AlsFit fitAls(Dataset<Row> interactions, AlsSettings s) {
    Dataset<Row> users = index(interactions, "customer_id", "user_ix").cache();
    Dataset<Row> items = index(interactions, "product_id", "item_ix").cache();
    Dataset<Row> indexed =
        interactions
            .join(users, "customer_id")
            .join(functions.broadcast(items), "product_id")
            .select("user_ix", "item_ix", "preference");
    ALSModel model =
        new ALS()
            .setImplicitPrefs(true)
            .setRank(s.rank())
            .setMaxIter(s.maxIter())
            .setRegParam(s.regParam())
            .setAlpha(s.alpha())
            .setSeed(s.seed())
            .setNonnegative(false)
            .setUserCol("user_ix")
            .setItemCol("item_ix")
            .setRatingCol("preference")
            .setColdStartStrategy("drop")
            .setNumUserBlocks(blocks(interactions.sparkSession(), s))
            .setNumItemBlocks(blocks(interactions.sparkSession(), s))
            .fit(indexed);
    return new AlsFit(model, users, items);
  }

  /** The ALS blocks: the setting, or as many as the shuffle's partitions. */
  static int blocks(org.apache.spark.sql.SparkSession spark, AlsSettings s) {
    return s.blocks() > 0
        ? s.blocks()
        : Math.max(1, Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions")));
  }

  /**
   * ALS candidates: customer_id, product_id, f_als (the predicted preference, clipped to [0, 1]);
   * at most `count` per customer: one wholesale buyer no longer sets the depth for everyone.
   */
  public static Dataset<Row> als(AlsFit fit, int count) {
    return als(fit, count, null);
  }

  /**
   * As above for the targets' customers only (customer_id; null = every customer).
   *
   * <p>Each customer's best `count` products by predicted preference, scored against every
   * product's factors in one pass over the customer factors: the product factors (products x rank
   * floats) are collected and broadcast. MLlib's recommendForAllUsers crosses blocks of customers
   * with blocks of products (100 tasks with the default 10 x 10 blocks) and then merges every
   * block's top list per customer in a shuffle: at 1M lines that stage and its merge were the
   * largest of the step. The scores are MLlib's own: the same float dot products through the same
   * BLAS (sgemv of MLlib's Java BLAS); ties go to the smaller product index (MLlib leaves them
   * undefined).
   */
  public static Dataset<Row> als(AlsFit fit, int count, Dataset<Row> targets) {
    return alsLists(fit, count, targets)
        .select(col("customer_id"), functions.explode(col("rows")).as("c"))
        .select(col("customer_id"), col("c.product_id").as("product_id"), col("c.a").as("f_als"));
  }

  /**
   * As above, as one row per customer ({@link CandidateAssembly#LISTS}, source ALS, a = f_als: the
   * predicted preference clipped to [0, 1]); the product ids are named inside the pass, and only
   * one row per customer is joined to the customer ids.
   */
  static Dataset<Row> alsLists(AlsFit fit, int count, Dataset<Row> targets) {
    ALSModel model = fit.model();
    Dataset<Row> users = model.userFactors();
    if (targets != null) {
      users =
          users.join(
              fit.customers()
                  .join(targets.select("customer_id"), "customer_id")
                  .select(col("user_ix").as("id")),
              new String[] {"id"},
              "left_semi");
    }
    ProductFactors products = ProductFactors.of(fit);
    Broadcast<ProductFactors> shared =
        JavaSparkContext.fromSparkContext(users.sparkSession().sparkContext()).broadcast(products);
    Dataset<Row> lists =
        users
            .select("id", "features")
            .mapPartitions(
                (MapPartitionsFunction<Row, Row>) rows -> shared.value().top(rows, count),
                Encoders.row(ALS_LISTS));
    return lists.join(fit.customers(), "user_ix").select(col("customer_id"), col("rows"));
  }

  /**
   * customer_id, features: the ALS factors of the targets' customers (null = every customer), for
   * the assembly to score each customer against every product ({@link ProductFactors#scorer}) in
   * its own pass: a customer's factors cross its shuffle, not their best products.
   */
  static Dataset<Row> customerFactors(AlsFit fit, Dataset<Row> targets) {
    Dataset<Row> customers = fit.customers();
    if (targets != null) {
      customers =
          customers.join(targets.select("customer_id"), new String[] {"customer_id"}, "left_semi");
    }
    return fit.model()
        .userFactors()
        .join(customers.select(col("user_ix").as("id"), col("customer_id")), "id")
        .select(col("customer_id"), col("features"));
  }

  private static final StructType ALS_LISTS =
      new StructType()
          .add("user_ix", "int", false)
          .add("rows", DataTypes.createArrayType(CandidateAssembly.CANDIDATE), false);

  /** Every product's ALS factors in one column-major array, and the top-N of a customer. */
  static final class ProductFactors implements Serializable {
    private final int rank;
    private final int[] ids;
    private final String[] productIds;
    private final float[] factors;

    private ProductFactors(int rank, int[] ids, String[] productIds, float[] factors) {
      this.rank = rank;
      this.ids = ids;
      this.productIds = productIds;
      this.factors = factors;
    }

    /**
     * From ALSModel.itemFactors (id, features): one row per product, in id order; productIds names
     * each item index.
     */
    static ProductFactors of(Dataset<Row> itemFactors, int rank, Map<Integer, String> productIds) {
      // Sorted here: a distributed sort of one row per product costs a sampling job.
      List<Row> rows = new ArrayList<>(itemFactors.select("id", "features").collectAsList());
      rows.sort(Comparator.comparingInt((Row r) -> r.getInt(0)));
      int[] ids = new int[rows.size()];
      float[] factors = new float[rows.size() * rank];
      for (int j = 0; j < rows.size(); j++) {
        ids[j] = rows.get(j).getInt(0);
        List<Float> f = rows.get(j).getList(1);
        for (int k = 0; k < rank; k++) {
          factors[j * rank + k] = f.get(k);
        }
      }
      String[] named = new String[ids.length];
      for (int j = 0; j < ids.length; j++) {
        named[j] = productIds.get(ids[j]);
      }
      return new ProductFactors(rank, ids, named, factors);
    }

    /** Every product's factors of a fit, named by product id (collected to the driver). */
    static ProductFactors of(AlsFit fit) {
      Map<Integer, String> productIds = new HashMap<>();
      for (Row r : fit.products().select("item_ix", "product_id").collectAsList()) {
        productIds.put(r.getInt(0), r.getString(1));
      }
      return of(fit.model().itemFactors(), fit.model().rank(), productIds);
    }

    /**
     * (user_ix, rows): each customer's best n as candidates (product id, f_als = the rating as
     * float dot product, clipped to [0, 1]), best first, lazily per customer.
     */
    Iterator<Row> top(Iterator<Row> users, int n) {
      Scorer scorer = scorer();
      return perRow(
          users, u -> List.of(RowFactory.create(u.getInt(0), scorer.top(u.getList(1), n))));
    }

    /** A scorer for one task (its scratch arrays are not shared between threads). */
    Scorer scorer() {
      return new Scorer();
    }

    /** Per-task scratch arrays: a customer's factors and their score of every product. */
    final class Scorer {
      private final float[] user = new float[rank];
      private final float[] scores = new float[ids.length];
      private final dev.ludovic.netlib.blas.BLAS blas =
          dev.ludovic.netlib.blas.JavaBLAS.getInstance();

      /** A customer's best n (CANDIDATE rows, source ALS), best first, from their factors. */
      Row[] top(List<Float> f, int n) {
        for (int k = 0; k < rank; k++) {
          user[k] = f.get(k);
        }
        // scores = factors^T x user, as MLlib's recommendForAll computes them.
        blas.sgemv("T", rank, ids.length, 1.0f, factors, 0, rank, user, 0, 1, 0.0f, scores, 0, 1);
        List<Row> candidates = new ArrayList<>(n);
        for (int j : best(scores, n)) {
          if (productIds[j] != null) {
            candidates.add(
                CandidateAssembly.candidate(
                    CandidateAssembly.ALS, productIds[j], clipped(scores[j]), null));
          }
        }
        return candidates.toArray(new Row[0]);
      }
    }

    /** greatest(0, least(1, rating)) as Spark computes it (NaN sorts above every number). */
    static double clipped(float rating) {
      double r = rating;
      return Double.isNaN(r) ? 1.0 : Math.max(0.0, Math.min(1.0, r));
    }

    /** The indexes of the n highest scores, highest first (ties: the smaller index first). */
    static int[] best(float[] scores, int n) {
      return TopIndexes.first(
          scores.length,
          n,
          (a, b) -> {
            int c = Float.compare(scores[a], scores[b]);
            return c > 0 || (c == 0 && a < b);
          });
    }
  }

  /** Releases the cached indexes of an ALS fit. */
  public static void release(AlsFit fit) {
    if (fit != null) {
      fit.customers().unpersist();
      fit.products().unpersist();
    }
  }
}
