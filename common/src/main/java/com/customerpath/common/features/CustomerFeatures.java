package com.customerpath.common.features;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.FeatureSettings;
import com.customerpath.common.config.FeatureSettings.DayPart;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.spark.Explode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * One row per customer who bought inside the look-back window ending at the run date: recency,
 * frequency, monetary value, basket, returns, channel and payment mix, time context, category
 * affinity, tenure, customer attributes and external attributes. Pure: curated Datasets in, a
 * Dataset out; nothing per customer is collected to the driver.
 */
public final class CustomerFeatures {
  /** The table the features step writes (one row per customer as of the run date). */
  public static final String TABLE = "customer_features";

  private CustomerFeatures() {}

  /** The columns of the lines before the window that the first purchase and usual region read. */
  public static final List<String> EARLIER_COLUMNS =
      List.of("customer_id", "region_id", "ts", "quantity");

  /**
   * The curated inputs a feature run reads. Products and customers are optional. earlier: the lines
   * before the window when transactions hold only the window's days (a night on a history longer
   * than its look-back), read for the first purchase and the usual region alone (customer_id,
   * region_id, ts and quantity); empty when transactions hold the whole history.
   */
  public record Inputs(
      Dataset<Row> transactions,
      Optional<Dataset<Row>> products,
      Optional<Dataset<Row>> customers,
      List<ExternalTable> external,
      Optional<Dataset<Row>> earlier) {
    public Inputs(
        Dataset<Row> transactions,
        Optional<Dataset<Row>> products,
        Optional<Dataset<Row>> customers,
        List<ExternalTable> external) {
      this(transactions, products, customers, external, Optional.empty());
    }

    /**
     * These inputs with transactions holding the window only and the lines before it apart (of
     * which only {@link #EARLIER_COLUMNS} are read).
     */
    public Inputs withWindowAndEarlier(Dataset<Row> window, Dataset<Row> before) {
      Column[] read = EARLIER_COLUMNS.stream().map(functions::col).toArray(Column[]::new);
      return new Inputs(window, products, customers, external, Optional.of(before.select(read)));
    }
  }

  /**
   * One feature set: the features as of a date (the window ends that day), on one context's
   * activity.
   */
  public record View(LocalDate asOf, FeatureContext context) {}

  /** Column of the view index on rows that hold several views (dropped from each view's rows). */
  public static final String VIEW = "_view";

  private static final String AS_OF = "_as_of";
  private static final String AS_OF_INDEX = "_as_of_index";

  /** The features of one date and context: one row per customer who bought in its window. */
  public static Dataset<Row> compute(
      Inputs in,
      FeatureSettings settings,
      LocalDate runDate,
      int lookbackDays,
      FeatureContext context) {
    return computeViews(in, settings, lookbackDays, List.of(new View(runDate, context))).rows(0);
  }

  /**
   * The features of several views (dates and contexts) in one pass: each transaction line is tagged
   * with every view whose window and context contain it, and every aggregation groups by the view
   * as well as by the customer, so the transactions are scanned and shuffled once for all views
   * rather than once per view. {@link ViewFeatures#rows(int)} gives exactly the rows and columns a
   * single-view computation gives. Persist {@link ViewFeatures#all()} when several views are read.
   */
  public static ViewFeatures computeViews(
      Inputs in, FeatureSettings settings, int lookbackDays, List<View> views) {
    FeatureWindow window = window(in, settings, lookbackDays, views);
    return window.finish(window.rows());
  }

  /**
   * A feature run's window before the customer attributes are joined: its views, the category share
   * columns each view gets (ranked over every line of the window), and the per-customer rows
   * aggregated from the lines ({@link #rows()}), or carried over from an earlier night for the
   * customers whose lines did not change ({@link #rowsUpdating}). {@link #finish} joins the
   * customers table and the customer-level external datasets: those are read whole every night.
   */
  public static FeatureWindow window(
      Inputs in, FeatureSettings settings, int lookbackDays, List<View> views) {
    if (views.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot compute customer features: no view (date and context) given");
    }
    return new FeatureWindow(in, settings, lookbackDays, views);
  }

  /**
   * The days whose lines {@link #customersWithChangedLines} selects, in order: those that were in
   * keptAsOf's window and are not in asOf's, and those after keptAsOf up to asOf. A night reads
   * only these event dates' curated partitions to find its changed customers, instead of scanning
   * the whole window.
   */
  public static List<LocalDate> changedLineDays(
      LocalDate keptAsOf, LocalDate asOf, int lookbackDays) {
    java.util.TreeSet<LocalDate> days = new java.util.TreeSet<>();
    LocalDate lastLeft = asOf.minusDays(lookbackDays);
    for (LocalDate d = keptAsOf.minusDays(lookbackDays - 1L);
        !d.isAfter(lastLeft);
        d = d.plusDays(1)) {
      days.add(d);
    }
    for (LocalDate d = keptAsOf.plusDays(1); !d.isAfter(asOf); d = d.plusDays(1)) {
      days.add(d);
    }
    return List.copyOf(days);
  }

  /**
   * customer_id of the customers whose look-back window of lines differs between keptAsOf and asOf
   * (a later night): a line on a day after keptAsOf, or on a day that was in keptAsOf's window and
   * is not in asOf's. Every other customer has the same lines in both windows.
   */
  public static Dataset<Row> customersWithChangedLines(
      Dataset<Row> transactions, LocalDate keptAsOf, LocalDate asOf, int lookbackDays) {
    Column day = functions.to_date(col("ts"));
    Column left =
        day.geq(lit(java.sql.Date.valueOf(keptAsOf.minusDays(lookbackDays - 1L))))
            .and(day.leq(lit(java.sql.Date.valueOf(asOf.minusDays(lookbackDays)))));
    return transactions
        .filter(day.gt(lit(java.sql.Date.valueOf(keptAsOf))).or(left))
        .select("customer_id")
        .distinct();
  }

  public static final class FeatureWindow {
    private final Inputs in;
    private final FeatureSettings settings;
    private final int lookbackDays;
    private final List<View> views;
    private final List<LocalDate> asOfDates;
    private final List<List<String>> categories;
    private final List<String> transactionExternal = new ArrayList<>();
    private final List<Dataset<Row>> cached = new ArrayList<>();

    /** Ranks the categories (one small query unless they are configured). */
    private FeatureWindow(Inputs in, FeatureSettings settings, int lookbackDays, List<View> views) {
      this.in = in;
      this.settings = settings;
      this.lookbackDays = lookbackDays;
      this.views = List.copyOf(views);
      this.asOfDates = views.stream().map(View::asOf).distinct().sorted().toList();
      for (ExternalTable ext : in.external()) {
        if (ext.settings().level() == ExternalDatasetSettings.Level.TRANSACTION) {
          transactionExternal.addAll(ext.outputColumns());
        }
      }
      this.categories = CustomerFeatures.categories(lines(in.transactions()), settings, views);
    }

    /** The category share columns of each view, in view order. */
    public List<List<String>> categories() {
      return categories;
    }

    /** The rows of every customer, aggregated from the lines of the window and the history. */
    public Dataset<Row> rows() {
      return aggregated(in.transactions());
    }

    /**
     * The rows of an earlier night (keptAsOf; {@link #rows()} of a window with the same views one
     * or more days back) brought to tonight: a customer with a line on a day after keptAsOf, or on
     * a day that left the window since, is aggregated again from the lines; every other customer's
     * row is the kept one with its recency counted to tonight. Equal to {@link #rows()} when the
     * kept rows were computed from the same lines up to keptAsOf, with the same settings and
     * categories (the caller checks that). The changed customers are found among changedDayLines:
     * lines that include at least those of the {@link #changedLineDays} (a read of those days'
     * partitions alone, where the window's lines are a scan of the whole history); a customer found
     * there with no line in the window is aggregated again all the same, to what {@link #rows()}
     * gives.
     */
    public Dataset<Row> rowsUpdating(
        Dataset<Row> kept, LocalDate keptAsOf, Dataset<Row> changedDayLines) {
      LocalDate asOf = singleAsOf();
      if (!keptAsOf.isBefore(asOf)) {
        throw new IllegalArgumentException(
            "Cannot update customer features of " + keptAsOf + " to " + asOf + ": not earlier");
      }
      // Cached, because each is read several times (the customers by the two joins, their lines
      // by the aggregation's three passes): without the caches every read scanned the whole
      // history again, seven scans where two do. Filled by the first action on the rows; released
      // by release().
      Dataset<Row> changed =
          keep(customersWithChangedLines(changedDayLines, keptAsOf, asOf, lookbackDays));
      Dataset<Row> changedLines =
          keep(in.transactions().join(changed.hint("shuffle_hash"), "customer_id", "left_semi"));
      Dataset<Row> recomputed = aggregated(changedLines);
      Dataset<Row> carried =
          kept.join(changed.hint("shuffle_hash"), "customer_id", "left_anti")
              .withColumn(
                  "recency_days",
                  functions.datediff(
                      functions.to_date(lit(asOf.toString())), col("last_purchase_date")));
      return recomputed.unionByName(carried);
    }

    private Dataset<Row> keep(Dataset<Row> rows) {
      Dataset<Row> kept = rows.persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(kept);
      return kept;
    }

    /**
     * Drops what {@link #rowsUpdating} cached: call it once the rows built from them are cached or
     * written.
     */
    public void release() {
      cached.forEach(Dataset::unpersist);
      cached.clear();
    }

    private LocalDate singleAsOf() {
      if (asOfDates.size() != 1) {
        throw new IllegalArgumentException(
            "Cannot carry customer features over: the views have several dates " + asOfDates);
      }
      return asOfDates.get(0);
    }

    /** The window's lines of these transactions, each tagged with every view that contains it. */
    private Dataset<Row> lines(Dataset<Row> transactions) {
      LocalDate last = asOfDates.get(asOfDates.size() - 1);
      LocalDate first = asOfDates.get(0);
      Dataset<Row> lines =
          transactions
              .filter(
                  col("ts")
                      .geq(dayStart(first.minusDays(lookbackDays - 1L)))
                      .and(col("ts").lt(dayStart(last.plusDays(1)))))
              .withColumn("value", col("quantity").multiply(col("unit_price")))
              .withColumn("date", functions.date_format(col("ts"), "yyyy-MM-dd"));
      if (in.products().isPresent()) {
        lines =
            lines.join(in.products().get().select("product_id", "category"), "product_id", "left");
      } else {
        lines = lines.withColumn("category", lit(null).cast("string"));
      }
      for (ExternalTable ext : in.external()) {
        if (ext.settings().level() == ExternalDatasetSettings.Level.TRANSACTION) {
          lines = ExternalJoin.join(lines, ext.settings().joinOn(), ext);
        }
      }
      // A line counts for every view whose window (asOf - lookback, asOf] and context contain it.
      List<Column> member = new ArrayList<>();
      for (int i = 0; i < views.size(); i++) {
        View v = views.get(i);
        Column inView =
            col("ts")
                .geq(dayStart(v.asOf().minusDays(lookbackDays - 1L)))
                .and(col("ts").lt(dayStart(v.asOf().plusDays(1))))
                .and(v.context().filter(col("ts")));
        member.add(when(inView, lit(i)));
      }
      return Explode.nonNull(lines, VIEW, member);
    }

    /** Behaviour, products and shares, first purchase and usual region, per view and customer. */
    private Dataset<Row> aggregated(Dataset<Row> transactions) {
      Dataset<Row> lines = lines(transactions);
      Dataset<Row> orders = orders(lines, settings, transactionExternal);
      Dataset<Row> behaviour = behaviour(orders, settings, asOfOfView(views), transactionExternal);
      Dataset<Row> features =
          behaviour.join(
              productsAndShares(lines, categories), new String[] {VIEW, "customer_id"}, "left");
      return withFirstPurchaseAndRegion(features, transactions, in.earlier(), views, asOfDates);
    }

    /** The features of these rows: customer attributes and customer-level external datasets. */
    public ViewFeatures finish(Dataset<Row> rows) {
      Dataset<Row> features = withCustomerAttributes(rows, in, views);
      for (ExternalTable ext : in.external()) {
        if (ext.settings().level() == ExternalDatasetSettings.Level.CUSTOMER) {
          features = ExternalJoin.join(features, ext.settings().joinOn(), ext);
        }
      }
      return new ViewFeatures(features, views, categories);
    }
  }

  /**
   * Features of several views held in one Dataset (column {@link #VIEW}); each view's category
   * share columns are its own top categories.
   */
  public static final class ViewFeatures {
    private final Dataset<Row> all;
    private final List<View> views;
    private final List<List<String>> categories;

    ViewFeatures(Dataset<Row> all, List<View> views, List<List<String>> categories) {
      this.all = all;
      this.views = List.copyOf(views);
      this.categories = categories;
    }

    /** Every view's rows, with the view index: persist this when several views are read. */
    public Dataset<Row> all() {
      return all;
    }

    /**
     * Only these feature columns (and customer_id): a caller that reads a few columns caches only
     * those, and Spark drops the aggregations and joins that feed no kept column.
     */
    public ViewFeatures select(List<String> columns) {
      List<Column> keep = new ArrayList<>(List.of(col(VIEW), col("customer_id")));
      columns.stream()
          .filter(c -> !c.equals("customer_id"))
          .forEach(c -> keep.add(col(ExternalJoin.quote(c))));
      return new ViewFeatures(all.select(keep.toArray(Column[]::new)), views, categories);
    }

    public ViewFeatures persist() {
      return new ViewFeatures(
          all.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()), views, categories);
    }

    public void unpersist() {
      all.unpersist();
    }

    public List<View> views() {
      return views;
    }

    /**
     * The rows of view i, with the columns a computation of that view alone has (of those {@link
     * #select} kept).
     */
    public Dataset<Row> rows(int i) {
      // The share columns sit together: put this view's own there, in its own order.
      List<String> present = List.of(all.columns());
      List<Column> cols = new ArrayList<>();
      boolean sharesPlaced = false;
      for (String c : all.columns()) {
        if (c.startsWith("category_share_")) {
          if (!sharesPlaced) {
            categories.get(i).stream()
                .map(category -> "category_share_" + slug(category))
                .filter(present::contains)
                .forEach(share -> cols.add(col(ExternalJoin.quote(share))));
            sharesPlaced = true;
          }
        } else if (!c.equals(VIEW)) {
          cols.add(col(ExternalJoin.quote(c)));
        }
      }
      Dataset<Row> view = all.filter(col(VIEW).equalTo(i)).select(cols.toArray(Column[]::new));
      return view.na().fill(0.0, categoryShareColumns(view));
    }

    /** The rows of the first view with this date and context. */
    public Dataset<Row> rows(LocalDate asOf, FeatureContext context) {
      int i = views.indexOf(new View(asOf, context));
      if (i < 0) {
        throw new IllegalArgumentException(
            "Cannot give customer features as of "
                + asOf
                + " ("
                + context.label()
                + "): computed only for "
                + views);
      }
      return rows(i);
    }
  }

  private static Column dayStart(LocalDate day) {
    return functions.to_timestamp(lit(day.toString()));
  }

  /** The as-of date of the row's view (a constant when there is one view). */
  private static Column asOfOfView(List<View> views) {
    if (views.stream().map(View::asOf).distinct().count() == 1) {
      return functions.to_date(lit(views.get(0).asOf().toString()));
    }
    Column[] dates =
        views.stream().map(v -> functions.to_date(lit(v.asOf().toString()))).toArray(Column[]::new);
    return functions.element_at(functions.array(dates), col(VIEW).plus(1));
  }

  /**
   * Transaction-level rows: one per (view, customer, transaction). Channel and payment method are
   * kept as their 1-based position in the configured lists (0: another value; null: none) and the
   * external values as doubles, so every aggregate buffer has a fixed width and Spark aggregates by
   * hashing instead of sorting every line (a string in {@code first} forces a sort aggregation).
   */
  private static Dataset<Row> orders(
      Dataset<Row> lines, FeatureSettings settings, List<String> externalColumns) {
    List<Column> aggs =
        new ArrayList<>(
            List.of(
                min("ts").as("ts"),
                functions.first(position(col("channel"), settings.channels()), true).as("channel"),
                functions
                    .first(position(col("payment_method"), settings.paymentMethods()), true)
                    .as("payment_method"),
                coalesce(sum(when(col("quantity").gt(0), col("value"))), lit(0.0)).as("gross"),
                coalesce(sum(when(col("quantity").lt(0), functions.negate(col("value")))), lit(0.0))
                    .as("returned"),
                coalesce(sum(when(col("quantity").gt(0), col("quantity"))), lit(0.0)).as("items"),
                max(col("quantity").gt(0)).as("is_purchase")));
    for (String c : externalColumns) {
      aggs.add(functions.first(col(ExternalJoin.quote(c)).cast("double"), true).as(c));
    }
    return lines
        .groupBy(VIEW, "customer_id", "transaction_id")
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
  }

  /** The 1-based position of the value in the list, 0 when it is not there, null for null. */
  private static Column position(Column value, List<String> values) {
    Column p = lit(0);
    for (int i = values.size() - 1; i >= 0; i--) {
      p = when(value.equalTo(values.get(i)), lit(i + 1)).otherwise(p);
    }
    return when(value.isNotNull(), p);
  }

  private static Dataset<Row> behaviour(
      Dataset<Row> orders, FeatureSettings settings, Column asOf, List<String> externalColumns) {
    Column purchase = col("is_purchase");
    Column purchases = count(when(purchase, lit(1)));
    List<Column> aggs = new ArrayList<>();
    aggs.add(purchases.as("frequency"));
    aggs.add(max(when(purchase, col("ts"))).as("_last_purchase_ts"));
    aggs.add(min(when(purchase, col("ts"))).as("_first_purchase_ts"));
    aggs.add(sum("gross").as("gross_spend"));
    aggs.add(sum("returned").as("returned_value"));
    aggs.add(sum("items").as("_items"));
    List<String> channels = settings.channels();
    for (int i = 0; i < channels.size(); i++) {
      aggs.add(
          share(purchase.and(col("channel").equalTo(i + 1)), purchases)
              .as("channel_share_" + slug(channels.get(i))));
    }
    Column otherChannel = coalesce(col("channel"), lit(0)).equalTo(0);
    aggs.add(share(purchase.and(otherChannel), purchases).as("channel_share_other"));
    List<String> methods = settings.paymentMethods();
    for (int i = 0; i < methods.size(); i++) {
      aggs.add(
          share(purchase.and(col("payment_method").equalTo(i + 1)), purchases)
              .as("payment_share_" + slug(methods.get(i))));
    }
    Column otherMethod = coalesce(col("payment_method"), lit(0)).equalTo(0);
    aggs.add(share(purchase.and(otherMethod), purchases).as("payment_share_other"));
    Column weekend = functions.dayofweek(col("ts")).isin(1, 7);
    aggs.add(share(purchase.and(weekend), purchases).as("weekend_share"));
    Column hour = functions.hour(col("ts"));
    for (DayPart part : settings.dayParts()) {
      aggs.add(
          share(purchase.and(hour.geq(part.start())).and(hour.lt(part.end())), purchases)
              .as("daypart_share_" + slug(part.name())));
    }
    for (String c : externalColumns) {
      aggs.add(functions.avg(when(purchase, col(ExternalJoin.quote(c)))).as(c + "_avg"));
    }
    Dataset<Row> agg =
        orders
            .groupBy(VIEW, "customer_id")
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
            .filter(col("frequency").gt(0));
    return agg.withColumn(
            "recency_days", functions.datediff(asOf, functions.to_date(col("_last_purchase_ts"))))
        .withColumn("monetary", col("gross_spend").minus(col("returned_value")))
        .withColumn("avg_basket_value", col("gross_spend").divide(col("frequency")))
        .withColumn("avg_basket_items", col("_items").divide(col("frequency")))
        .withColumn(
            "returns_share",
            when(col("gross_spend").gt(0), col("returned_value").divide(col("gross_spend")))
                .otherwise(lit(0.0)))
        .withColumn("weekday_share", lit(1.0).minus(col("weekend_share")))
        .withColumn("last_purchase_date", functions.to_date(col("_last_purchase_ts")))
        .withColumn("first_purchase_in_window", functions.to_date(col("_first_purchase_ts")))
        .drop("_last_purchase_ts", "_first_purchase_ts", "_items");
  }

  /**
   * The share columns' categories per view, sorted: the configured ones, or each view's top ones by
   * spend (ties by name), from one aggregation of (view, category) totals.
   */
  private static List<List<String>> categories(
      Dataset<Row> lines, FeatureSettings settings, List<View> viewList) {
    int views = viewList.size();
    List<List<String>> out = new ArrayList<>();
    if (!settings.categories().isEmpty() || settings.topCategories() <= 0) {
      for (int i = 0; i < views; i++) {
        out.add(settings.categories());
      }
      return out;
    }
    List<List<Row>> totals = new ArrayList<>();
    for (int i = 0; i < views; i++) {
      totals.add(new ArrayList<>());
    }
    // (view, category) totals only: a handful of rows per view, not per-customer data.
    for (Row r :
        bought(lines).groupBy(VIEW, "category").agg(sum("value").as("v")).collectAsList()) {
      totals.get(r.getInt(0)).add(r);
    }
    for (List<Row> rows : totals) {
      out.add(
          rows.stream()
              .sorted(
                  java.util.Comparator.<Row, Double>comparing(
                          r -> r.isNullAt(2) ? null : r.getDouble(2),
                          java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder()))
                      .thenComparing(r -> r.getString(1)))
              .limit(settings.topCategories())
              .map(r -> r.getString(1))
              .sorted()
              .toList());
    }
    return out;
  }

  private static Dataset<Row> bought(Dataset<Row> lines) {
    return lines.filter(col("quantity").gt(0).and(col("category").isNotNull()));
  }

  /**
   * distinct_products and the share of gross spend per category (every category some view lists),
   * in one aggregation of the bought lines: a customer whose bought lines have no category gets
   * shares of 0, as one with no bought line does after {@link ViewFeatures#rows}' fill.
   */
  private static Dataset<Row> productsAndShares(
      Dataset<Row> lines, List<List<String>> categoriesByView) {
    java.util.Set<String> categories = new java.util.LinkedHashSet<>();
    categoriesByView.forEach(categories::addAll);
    List<Column> aggs = new ArrayList<>();
    aggs.add(functions.countDistinct("product_id").as("distinct_products"));
    Column total = sum(when(col("category").isNotNull(), col("value")));
    for (String category : categories) {
      aggs.add(
          when(
                  total.gt(0),
                  coalesce(sum(when(col("category").equalTo(category), col("value"))), lit(0.0))
                      .divide(total))
              // No category bought, or only free items (value 0): no share of spend anywhere.
              .otherwise(lit(0.0))
              .as("category_share_" + slug(category)));
    }
    return lines
        .filter(col("quantity").gt(0))
        .groupBy(VIEW, "customer_id")
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
  }

  /**
   * The first purchase and the usual region of each row's customer, from the purchase history up to
   * each view's date (not only its window): the transactions' lines and, when they hold the window
   * only, the earlier lines (in every date's history, all being before the window).
   */
  private static Dataset<Row> withFirstPurchaseAndRegion(
      Dataset<Row> features,
      Dataset<Row> transactions,
      Optional<Dataset<Row>> earlier,
      List<View> views,
      List<LocalDate> asOfDates) {
    LocalDate last = asOfDates.get(asOfDates.size() - 1);
    Dataset<Row> history =
        transactions.filter(col("ts").lt(dayStart(last.plusDays(1))).and(col("quantity").gt(0)));
    if (asOfDates.size() == 1) {
      history = history.withColumn(AS_OF_INDEX, lit(0));
    } else { // a purchase belongs to the history of every date from its day on
      List<Column> member = new ArrayList<>();
      for (int j = 0; j < asOfDates.size(); j++) {
        member.add(when(col("ts").lt(dayStart(asOfDates.get(j).plusDays(1))), lit(j)));
      }
      history = Explode.nonNull(history, AS_OF_INDEX, member);
    }
    // The first purchase and the region a customer buys in most often (ties: the smallest id; for
    // data without a customers table) from one aggregation of the history by (customer, region)
    // and a window over its few rows per customer.
    Dataset<Row> byRegion =
        history
            .groupBy(AS_OF_INDEX, "customer_id", "region_id")
            .agg(min("ts").as("_first_ts"), count(lit(1)).as("n"));
    if (earlier.isPresent()) {
      Dataset<Row> before =
          earlier
              .get()
              .filter(col("quantity").gt(0))
              .groupBy("customer_id", "region_id")
              .agg(min("ts").as("_first_ts"), count(lit(1)).as("n"));
      before =
          asOfDates.size() == 1
              ? before.withColumn(AS_OF_INDEX, lit(0))
              : before.withColumn(
                  AS_OF_INDEX,
                  functions.explode(functions.sequence(lit(0), lit(asOfDates.size() - 1))));
      byRegion =
          byRegion
              .unionByName(before)
              .groupBy(AS_OF_INDEX, "customer_id", "region_id")
              .agg(min("_first_ts").as("_first_ts"), functions.sum("n").as("n"));
    }
    org.apache.spark.sql.expressions.WindowSpec customer =
        org.apache.spark.sql.expressions.Window.partitionBy(AS_OF_INDEX, "customer_id");
    Dataset<Row> firstAndRegion =
        byRegion
            .withColumn(
                "rk",
                functions
                    .row_number()
                    .over(
                        customer.orderBy(
                            col("region_id").isNull(), col("n").desc(), col("region_id"))))
            .withColumn("_first_ts", min("_first_ts").over(customer))
            .filter(col("rk").equalTo(1))
            .select(
                col(AS_OF_INDEX),
                col("customer_id"),
                functions.to_date(col("_first_ts")).as("first_purchase_date"),
                col("region_id").as("_tx_region"));
    Column[] indexOfView =
        views.stream().map(v -> lit(asOfDates.indexOf(v.asOf()))).toArray(Column[]::new);
    return features
        .withColumn(
            AS_OF_INDEX,
            asOfDates.size() == 1
                ? lit(0)
                : functions.element_at(functions.array(indexOfView), col(VIEW).plus(1)))
        .join(firstAndRegion, new String[] {AS_OF_INDEX, "customer_id"}, "left");
  }

  /**
   * Tenure, age, household and region from the customers table, or from transactions alone (the
   * rows' first purchase and usual region).
   */
  private static Dataset<Row> withCustomerAttributes(
      Dataset<Row> out, Inputs in, List<View> views) {
    if (in.customers().isPresent()) {
      Dataset<Row> customers =
          in.customers()
              .get()
              .select(
                  col("customer_id"),
                  col("signup_date"),
                  col("birth_year"),
                  col("gender"),
                  col("region_id").as("_customer_region"),
                  col("household_size"));
      out = out.join(customers, "customer_id", "left");
    } else {
      out =
          out.withColumn("signup_date", lit(null).cast("date"))
              .withColumn("birth_year", lit(null).cast("int"))
              .withColumn("gender", lit(null).cast("string"))
              .withColumn("_customer_region", lit(null).cast("string"))
              .withColumn("household_size", lit(null).cast("int"));
    }
    Column run = asOfOfView(views);
    Column since =
        functions.least(
            coalesce(col("signup_date"), col("first_purchase_date")), col("first_purchase_date"));
    return out.withColumn("tenure_days", functions.datediff(run, since))
        .withColumn("age", functions.year(run).minus(col("birth_year")))
        .withColumn("region_id", coalesce(col("_customer_region"), col("_tx_region")))
        .drop(
            "_customer_region",
            "_tx_region",
            "birth_year",
            "first_purchase_in_window",
            AS_OF_INDEX);
  }

  /**
   * Share of the purchases that meet a condition. A group without purchases (only returns) is
   * filtered out after the aggregation, but Spark may evaluate the result projection before that
   * filter (it does whenever whole-stage code generation falls back, e.g. past 100 columns), so the
   * division must not fail on it under ANSI mode: it is null there instead.
   */
  private static Column share(Column condition, Column denominator) {
    return when(
        denominator.gt(0), count(when(condition, lit(1))).cast("double").divide(denominator));
  }

  private static String[] categoryShareColumns(Dataset<Row> df) {
    return java.util.Arrays.stream(df.columns())
        .filter(c -> c.startsWith("category_share_"))
        .toArray(String[]::new);
  }

  /** A value as part of a column name: lower case, letters, digits and '_'. */
  public static String slug(String value) {
    String s = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    return s.isEmpty() ? "blank" : s;
  }

  /**
   * Numeric behaviour columns suitable for clustering (identifiers, dates and raw attributes
   * excluded).
   */
  public static List<String> numericFeatureColumns(Dataset<Row> features) {
    List<String> out = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : features.schema().fields()) {
      boolean numeric = f.dataType() instanceof org.apache.spark.sql.types.NumericType;
      if (numeric && !f.name().equals("customer_id")) {
        out.add(f.name());
      }
    }
    return out;
  }
}
