package com.customerpath.sampledata.scale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Writes a synthetic data set of any size as Parquet, shaped like the bundled sample (same columns,
 * so the same column mapping reads it): transactions/dt=YYYY-MM-DD/ and events/dt=YYYY-MM-DD/ (one
 * input partition per day), customers/, products/, plus generated.conf (the pipeline's config for
 * it) and dataset.properties (sizes and counts).
 *
 * <p>Deterministic without driver-side loops: every value is a hash of (seed, a salt, the day's
 * epoch number, the row's index in its day), computed by Spark from {@code spark.range}. A day's
 * rows depend only on its date, so {@code --append-days N} adds the next N days exactly as a longer
 * run would have written them (a new night for incremental ingest).
 *
 * <p>Shape: orders of 1-5 lines (3 on average) by customers drawn with a skew (some buy much more
 * than others); each customer has a region, a preferred channel and a favourite category; about 1%
 * of lines are returns (negative quantity) and 0.1% are exact duplicates (quarantined by ingest).
 * Events follow the journey's event types (reference.conf) over all customers.
 *
 * <p>Usage: {@code ScaleDataGenerator --out DIR [--customers N] [--lines N] [--events N] [--days N]
 * [--end-date YYYY-MM-DD] [--products N] [--seed S] [--external-dir DIR] [--append-days N]}
 */
public final class ScaleDataGenerator {
  static final String[] CATEGORIES = {
    "groceries",
    "home",
    "fashion",
    "electronics",
    "beauty",
    "books",
    "garden",
    "health",
    "kids",
    "sports"
  };
  static final String[] CHANNELS = {"store", "online", "app", "call_center"};
  static final double[] CHANNEL_WEIGHTS = {0.5, 0.2, 0.2, 0.1};
  static final String[] PAYMENTS = {"card", "cash", "transfer", "points"};
  static final double[] PAYMENT_WEIGHTS = {0.55, 0.25, 0.1, 0.1};
  // Event types of the journey rules (reference.conf), weighted like the bundled sample.
  static final String[] EVENT_TYPES = {
    "ad_impression",
    "campaign_touch",
    "product_view",
    "wishlist",
    "follow",
    "search",
    "compare",
    "inquiry",
    "call_center_contact",
    "add_to_cart",
    "review_read",
    "purchase",
    "review",
    "share",
    "referral"
  };
  static final double[] EVENT_WEIGHTS = {
    15, 6.5, 20, 3.2, 1.7, 3.7, 1.7, 1.2, 1.4, 3.5, 2.2, 34, 4.5, 0.5, 0.4
  };
  static final int REGIONS = 11;
  static final int STORES = 20;
  static final double AVG_LINES_PER_ORDER = 3.0;
  private static final double TWO_31 = 2147483648.0;
  static final int SECONDS_PER_DAY = 86_400;

  /** Sizes: {@code lines} and {@code events} are totals over the whole history. */
  public record Options(
      Path out,
      long customers,
      long lines,
      long events,
      int days,
      LocalDate endDate,
      int products,
      long seed,
      String externalDir,
      int appendDays,
      boolean planted) {
    public static Options parse(String[] args) {
      Path out = null;
      long customers = 500_000;
      Long lines = null;
      Long events = null;
      int days = 365;
      LocalDate end = LocalDate.parse("2026-06-30");
      int products = 2_000;
      long seed = 42;
      String external = "";
      int append = 0;
      boolean planted = false;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("Missing value after " + args[i]);
        }
        String v = args[i + 1];
        switch (args[i]) {
          case "--out" -> out = Paths.get(v).toAbsolutePath();
          case "--customers" -> customers = Long.parseLong(v);
          case "--lines" -> lines = Long.parseLong(v);
          case "--events" -> events = Long.parseLong(v);
          case "--days" -> days = Integer.parseInt(v);
          case "--end-date" -> end = LocalDate.parse(v);
          case "--products" -> products = Integer.parseInt(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--external-dir" -> external = Paths.get(v).toAbsolutePath().toString();
          case "--append-days" -> append = Integer.parseInt(v);
          case "--planted" -> planted = parseBoolean("--planted", v);
          default ->
              throw new IllegalArgumentException(
                  "Unknown argument "
                      + args[i]
                      + "; expected --out, "
                      + "--customers, --lines, --events, --days, --end-date, --products, --seed, --external-dir, --append-days or --planted");
        }
      }
      if (out == null) {
        throw new IllegalArgumentException("--out DIR is required");
      }
      long l = lines == null ? customers * 20 : lines;
      Options o =
          new Options(
              out,
              customers,
              l,
              events == null ? 2 * l : events,
              days,
              end,
              products,
              seed,
              external,
              append,
              planted);
      if (customers < 1 || days < 1 || products < CATEGORIES.length || l < 1 || o.events() < 0) {
        throw new IllegalArgumentException(
            "Sizes must be positive (products >= " + CATEGORIES.length + "): " + o);
      }
      return o;
    }

    private static boolean parseBoolean(String name, String v) {
      if (!v.equals("true") && !v.equals("false")) {
        throw new IllegalArgumentException(name + " takes true or false, not '" + v + "'");
      }
      return Boolean.parseBoolean(v);
    }

    public LocalDate firstDay() {
      return endDate.minusDays(days - 1L);
    }

    long ordersPerDay() {
      return Math.max(1, Math.round(lines / AVG_LINES_PER_ORDER / days));
    }

    long eventsPerDay() {
      return Math.round((double) events / days);
    }
  }

  private final SparkSession spark;
  private final Options options;
  private final PlantedPatterns planted;

  public ScaleDataGenerator(SparkSession spark, Options options) {
    this.spark = spark;
    this.options = options;
    this.planted = new PlantedPatterns(options);
  }

  SparkSession spark() {
    return spark;
  }

  public static void main(String[] args) throws IOException {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ERROR: " + e.getMessage());
      System.exit(2);
      return;
    }
    SparkSession spark =
        SparkSession.builder()
            .master(System.getProperty("spark.master", "local[*]"))
            .appName("customer-path-scale-data")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.parquet.compression.codec", "snappy")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      long t0 = System.nanoTime();
      Map<String, Long> counts = new ScaleDataGenerator(spark, options).generate();
      System.out.printf(
          Locale.ROOT,
          "Wrote %s in %.1f s: %s%n",
          options.out(),
          (System.nanoTime() - t0) / 1e9,
          counts);
    } finally {
      spark.stop();
    }
  }

  /** Writes the data set (or only the appended days) and returns the rows written per table. */
  public Map<String, Long> generate() throws IOException {
    Map<String, Long> counts = new LinkedHashMap<>();
    String overwriteMode = "spark.sql.sources.partitionOverwriteMode";
    String previousMode = spark.conf().get(overwriteMode, "static");
    try {
      if (options.appendDays() > 0) {
        // Replaces only the appended days' folders (a rerun of the same append is idempotent).
        spark.conf().set(overwriteMode, "dynamic");
        LocalDate from = options.endDate().plusDays(1);
        write(transactions(from, options.appendDays()), "transactions", SaveMode.Overwrite);
        write(events(from, options.appendDays()), "events", SaveMode.Overwrite);
        counts.put("transactions_appended", count("transactions", from));
        counts.put("events_appended", count("events", from));
        return counts;
      }
      // Static overwrite of the whole folder: days of an earlier, longer data set must not remain.
      spark.conf().set(overwriteMode, "static");
      LocalDate first = options.firstDay();
      write(customers(), "customers", SaveMode.Overwrite);
      write(products(), "products", SaveMode.Overwrite);
      write(transactions(first, options.days()), "transactions", SaveMode.Overwrite);
      write(events(first, options.days()), "events", SaveMode.Overwrite);
    } finally {
      spark.conf().set(overwriteMode, previousMode);
    }
    for (String table : new String[] {"transactions", "events", "customers", "products"}) {
      counts.put(table, count(table, null));
    }
    writeConf();
    writeProperties(counts);
    if (options.planted()) {
      planted.writeTruth(options.out().resolve("truth"), this);
    }
    return counts;
  }

  // Parquet footers hold the row counts: no data is scanned.
  private long count(String table, LocalDate day) {
    Dataset<Row> df = spark.read().parquet(options.out().resolve(table).toString());
    return day == null
        ? df.count()
        : df.where(col("dt").geq(lit(day.toString()).cast("date"))).count();
  }

  private void write(Dataset<Row> df, String table, SaveMode mode) {
    var writer = df.write().mode(mode);
    if (java.util.Arrays.asList(df.columns()).contains("dt")) {
      writer = writer.partitionBy("dt");
    }
    writer.parquet(options.out().resolve(table).toString());
  }

  /** Uniform double in [0, 1): a hash of the seed, a salt naming the draw and the keys. */
  Column u(String salt, Column... keys) {
    Column[] all = new Column[keys.length + 2];
    all[0] = lit(options.seed());
    all[1] = lit(salt);
    System.arraycopy(keys, 0, all, 2, keys.length);
    return functions
        .pmod(functions.xxhash64(all), lit((long) TWO_31))
        .cast(DataTypes.DoubleType)
        .divide(TWO_31);
  }

  /** Integer in [0, n) from a uniform draw. */
  static Column below(Column uniform, long n) {
    return floor(uniform.multiply(n)).cast(DataTypes.LongType);
  }

  /** The value whose cumulative weight first exceeds the uniform draw. */
  static Column pick(Column uniform, String[] values, double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    Column out = lit(values[values.length - 1]);
    double cumulative = total;
    for (int i = values.length - 2; i >= 0; i--) {
      cumulative -= weights[i + 1];
      out = when(uniform.lt(cumulative / total), lit(values[i])).otherwise(out);
    }
    return out;
  }

  static Column customerId(Column index) {
    return format_string("C%07d", index.plus(1));
  }

  static Column sku(Column index) {
    return format_string("P%05d", index.plus(1));
  }

  /** The channel a customer uses most. */
  Column preferredChannel(Column customer) {
    return pick(u("channel", customer), CHANNELS, CHANNEL_WEIGHTS);
  }

  /** A customer's store, on store-channel lines only. */
  Column storeId(Column channel, Column customer) {
    return when(
        channel.equalTo("store"),
        format_string("S%02d", below(u("store", customer), STORES).plus(1)));
  }

  /** A customer's region: the same function in customers and transactions. */
  Column region(Column customer) {
    return format_string("R%02d", below(u("region", customer), REGIONS).plus(1));
  }

  /** A product's list price, 0.50 .. 200, most of them cheap. */
  Column listPrice(Column product) {
    return functions.round(lit(0.5).plus(pow(u("price", product), 3).multiply(199.5)), 2);
  }

  /** Customer index drawn with a skew: low indexes buy (and browse) more. */
  private Column skewedCustomer(String salt, Column... keys) {
    return below(pow(u(salt, keys), 1.6), options.customers());
  }

  /**
   * One row per (day, index in day). Whole days per Spark partition, so each day is one file: as
   * few partitions as keep every core busy (a task per day made 120 days of 30,000 lines take 55 s,
   * mostly starting tasks).
   */
  Dataset<Row> days(LocalDate from, int days, long perDay) {
    long epochFrom = from.toEpochDay();
    return spark
        .range(
            0,
            days * perDay,
            1,
            wholeDayPartitions(days, 2 * spark.sparkContext().defaultParallelism()))
        .withColumn("e", col("id").divide(perDay).cast(DataTypes.LongType).plus(epochFrom))
        .withColumn("k", functions.pmod(col("id"), lit(perDay)))
        .withColumn("dt", functions.date_add(lit("1970-01-01").cast("date"), col("e").cast("int")));
  }

  /** The smallest divisor of days that is at least target (days when none is smaller). */
  static int wholeDayPartitions(int days, int target) {
    for (int p = Math.max(1, target); p < days; p++) {
      if (days % p == 0) {
        return p;
      }
    }
    return Math.max(1, days);
  }

  /** Seconds into the day, busier in the afternoon and evening. */
  Column timeOfDay(String salt, Column... keys) {
    Column hour = below(pow(u(salt + "_h", keys), 0.7), 16).plus(7); // 07:00 .. 22:59
    return hour.multiply(3600).plus(below(u(salt + "_s", keys), 3600));
  }

  Dataset<Row> transactions(LocalDate from, int days) {
    Column e = col("e");
    Column k = col("k");
    Dataset<Row> orders =
        days(from, days, options.ordersPerDay())
            .withColumn("cust", skewedCustomer("cust", e, k))
            .withColumn("lines", below(u("lines", e, k), 5).plus(1))
            .withColumn("preferred", preferredChannel(col("cust")))
            .withColumn(
                "channel",
                when(
                        u("other_channel", e, k).lt(0.2),
                        pick(u("channel2", e, k), CHANNELS, CHANNEL_WEIGHTS))
                    .otherwise(col("preferred")))
            .withColumn(
                "ts",
                functions.timestamp_seconds(
                    e.multiply(SECONDS_PER_DAY).plus(timeOfDay("ts", e, k))));
    Column line = col("line_no");
    Column product =
        when(
                u("fav", e, k, line).lt(0.5),
                // half of the lines in the customer's favourite category (product index = category
                // mod 10)
                below(u("fav_p", e, k, line), options.products() / CATEGORIES.length)
                    .multiply(CATEGORIES.length)
                    .plus(below(u("fav_cat", col("cust")), CATEGORIES.length)))
            .otherwise(below(pow(u("sku", e, k, line), 2), options.products()));
    Column qty = below(u("qty", e, k, line), 4).plus(1);
    Dataset<Row> lines =
        orders
            .withColumn("line_no", explode(sequence(lit(1L), col("lines"))))
            .withColumn("product", product);
    if (options.planted()) {
      lines = planted.withPartners(lines, this);
    }
    Dataset<Row> out =
        lines
            // 0.1% of lines twice: exact duplicates for ingest to quarantine
            .withColumn(
                "copy",
                explode(sequence(lit(1), when(u("dup", e, k, line).lt(0.001), 2).otherwise(1))))
            .select(
                format_string("O%d-%06d", e, k).as("order_id"),
                line.cast(DataTypes.IntegerType).as("line_no"),
                customerId(col("cust")).as("cust_id"),
                col("ts").as("order_ts"),
                sku(col("product")).as("sku"),
                when(u("return", e, k, line).lt(0.01), functions.negate(qty))
                    .otherwise(qty)
                    .cast(DataTypes.IntegerType)
                    .as("qty"),
                // list price with an occasional discount
                functions
                    .round(
                        listPrice(col("product"))
                            .multiply(when(u("discount", e, k, line).lt(0.15), 0.8).otherwise(1.0)),
                        2)
                    .as("unit_price"),
                col("channel"),
                pick(u("payment", e, k), PAYMENTS, PAYMENT_WEIGHTS).as("payment_method"),
                storeId(col("channel"), col("cust")).as("store_id"),
                region(col("cust")).as("region_code"),
                col("dt"));
    return options.planted() ? out.unionByName(planted.replenishments(from, days, this)) : out;
  }

  Dataset<Row> events(LocalDate from, int days) {
    Column e = col("e");
    Column k = col("k");
    Column type = col("event_type");
    Column withProduct =
        type.isin(
            "product_view",
            "wishlist",
            "compare",
            "add_to_cart",
            "review",
            "review_read",
            "purchase",
            "share");
    Column ts = timeOfDay("ets", e, k);
    return days(from, days, Math.max(1, options.eventsPerDay()))
        .withColumn("cust", skewedCustomer("ecust", e, k))
        .withColumn("event_type", pick(u("etype", e, k), EVENT_TYPES, EVENT_WEIGHTS))
        .select(
            customerId(col("cust")).as("cust_id"),
            functions.timestamp_seconds(e.multiply(SECONDS_PER_DAY).plus(ts)).as("event_ts"),
            type,
            when(withProduct, sku(below(pow(u("esku", e, k), 2), options.products()))).as("sku"),
            pick(u("echannel", e, k), CHANNELS, CHANNEL_WEIGHTS).as("channel"),
            // reviews rated 1-5, mostly 4 and 5
            when(
                    type.equalTo("review"),
                    pick(
                            u("rating", e, k),
                            new String[] {"1", "2", "3", "4", "5"},
                            new double[] {0.06, 0.06, 0.13, 0.35, 0.4})
                        .cast(DataTypes.IntegerType))
                .as("rating"),
            format_string("s%d-%d-%d", col("cust"), e, ts.divide(3600).cast(DataTypes.LongType))
                .as("session_id"),
            col("dt"));
  }

  Dataset<Row> customers() {
    Column c = col("id");
    return spark
        .range(0, options.customers(), 1, Math.max(1, (int) (options.customers() / 250_000) + 1))
        .select(
            customerId(c).as("cust_id"),
            functions
                .date_sub(
                    lit(options.firstDay().toString()).cast("date"),
                    below(u("signup", c), 1500).cast(DataTypes.IntegerType))
                .as("signup_date"),
            below(u("birth", c), 65).plus(1940).cast(DataTypes.IntegerType).as("birth_year"),
            pick(u("gender", c), new String[] {"F", "M", "X"}, new double[] {0.49, 0.49, 0.02})
                .as("gender"),
            region(c).as("region_code"),
            below(pow(u("household", c), 1.5), 5)
                .plus(1)
                .cast(DataTypes.IntegerType)
                .as("household_size"));
  }

  Dataset<Row> products() {
    Column p = col("id");
    Column category =
        functions.element_at(
            functions.array(
                java.util.Arrays.stream(CATEGORIES).map(functions::lit).toArray(Column[]::new)),
            functions.pmod(p, lit(CATEGORIES.length)).cast("int").plus(1));
    return spark
        .range(0, options.products(), 1, 1)
        .select(
            sku(p).as("sku"),
            category.as("category"),
            functions
                .concat(functions.initcap(category), lit("Brand"), below(u("brand", p), 4).plus(1))
                .as("brand"),
            listPrice(p).as("list_price"));
  }

  /**
   * The pipeline's config for this data set: the sample's column mapping, Parquet, absolute paths.
   */
  private void writeConf() throws IOException {
    String dir = options.out().toString();
    StringBuilder conf = new StringBuilder();
    conf.append(
            "# Written by ScaleDataGenerator (sample-data/generator) for the data set in this folder:\n")
        .append(
            String.format(
                Locale.ROOT,
                "# %d customers, %d days ending %s, seed %d. Run it with%n",
                options.customers(),
                options.days(),
                options.endDate(),
                options.seed()))
        .append(
            String.format(
                Locale.ROOT,
                "#   bin/customer-path --conf %s/generated.conf --date %s%n",
                dir,
                options.endDate()))
        .append("# (conf/examples/generated.conf is the same with the folder as a variable).\n")
        .append("generated = \"")
        .append(dir)
        .append("\"\n")
        .append(template(options.externalDir()));
    Files.writeString(
        options.out().resolve("generated.conf"), conf.toString(), StandardCharsets.UTF_8);
  }

  /** The config body; {@code ${generated}} is the data set's folder. */
  public static String template(String externalDir) {
    StringBuilder c = new StringBuilder();
    c.append("customerpath {\n")
        .append("  output.root = \"output-generated\"\n")
        .append("  output.root = ${?CP_OUTPUT_ROOT}\n")
        .append("  inputs {\n")
        .append("    transactions {\n")
        .append("      path = ${generated}\"/transactions\"\n")
        .append("      format = parquet\n")
        .append(
            "      columns { transaction_id = order_id, line_id = line_no, customer_id = cust_id, ts = order_ts,\n")
        .append(
            "        product_id = sku, quantity = qty, unit_price = unit_price, region_id = region_code }\n")
        .append("    }\n")
        .append("    events {\n")
        .append("      path = ${generated}\"/events\"\n")
        .append("      format = parquet\n")
        .append("      columns { customer_id = cust_id, ts = event_ts, product_id = sku }\n")
        .append("    }\n")
        .append("    customers {\n")
        .append("      path = ${generated}\"/customers\"\n")
        .append("      format = parquet\n")
        .append("      columns { customer_id = cust_id, region_id = region_code }\n")
        .append("    }\n")
        .append("    products {\n")
        .append("      path = ${generated}\"/products\"\n")
        .append("      format = parquet\n")
        .append("      columns { product_id = sku }\n")
        .append("    }\n")
        .append("  }\n");
    if (!externalDir.isBlank()) {
      // The sample's region table covers R01..R11, the regions generated here.
      c.append("  external = [\n")
          .append("    { name = region_demographics, path = \"")
          .append(externalDir)
          .append(
              "/region_demographics.csv\", format = csv, join-on = region_id, key = region_code,\n")
          .append(
              "      level = customer, columns = [population, median_income, urban_share, avg_household_size] }\n")
          .append("  ]\n");
    }
    c.append("}\n");
    return c.toString();
  }

  private void writeProperties(Map<String, Long> counts) throws IOException {
    StringBuilder p = new StringBuilder("# ScaleDataGenerator: options and rows written\n");
    p.append("customers=")
        .append(options.customers())
        .append('\n')
        .append("lines_requested=")
        .append(options.lines())
        .append('\n')
        .append("events_requested=")
        .append(options.events())
        .append('\n')
        .append("days=")
        .append(options.days())
        .append('\n')
        .append("first_day=")
        .append(options.firstDay())
        .append('\n')
        .append("end_date=")
        .append(options.endDate())
        .append('\n')
        .append("products_requested=")
        .append(options.products())
        .append('\n')
        .append("seed=")
        .append(options.seed())
        .append('\n')
        .append("planted=")
        .append(options.planted())
        .append('\n');
    counts.forEach((t, n) -> p.append("rows_").append(t).append('=').append(n).append('\n'));
    Files.writeString(
        options.out().resolve("dataset.properties"), p.toString(), StandardCharsets.UTF_8);
  }
}
