package com.customerpath.jobs.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.config.RecommendationSettings.RepeatPurchase;
import com.customerpath.common.features.CustomerFeatures;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.KeptModels;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * Recommendations carried over between nights. A customer's recommendations depend on their own
 * lines in the look-back window, their groups (persona, context persona, context), the ALS factors
 * and blend in use, the settings, products and persona names, and (through popularity and
 * bought-together) on every other buyer's lines. The last move little from one day to the next, so
 * a night after another scores only the customers whose own inputs changed and keeps the others'
 * recommendations of that night, as long as everything else is the same as then; a customer is
 * scored again once their recommendations are carry-over-days old, so the slow drift of the shared
 * statistics reaches everyone.
 *
 * <p>Kept under {@code <root>/}{@value #DIRECTORY}{@code /dt=<night>/}: each customer's groups and
 * the night their recommendations were built ({@link #STATE_COLUMNS}); under {@value
 * #INTERACTIONS}{@code /dt=<night>/} the per-product aggregates of their lines ({@link
 * CandidateSources#PER_PRODUCT}), which tonight's interactions take for every customer whose lines
 * did not change instead of aggregating the whole window again; and a properties file ({@value
 * #STATE}) written last with the night, the fingerprint of what the recommendations depend on
 * besides the lines ({@link #fingerprint}) and a signature of every day's curated transaction files
 * (a late or corrected line of an earlier day changes it: every customer is scored again).
 */
public final class RecommendationCarryOver implements Recommender.Rebuild {
  public static final String DIRECTORY = TableNames.RECOMMENDATION_STATE;

  /** The per-product rows kept beside the state ({@link CandidateSources#PER_PRODUCT}). */
  public static final String INTERACTIONS = TableNames.RECOMMENDATION_INTERACTIONS;

  static final String STATE = "_state.properties";

  /** Raise when what a kept row means changes. */
  static final int VERSION = 1;

  /** The state kept per customer. */
  public static final StructType STATE_COLUMNS =
      StructType.fromDDL(
          "customer_id string, persona_id int, ctx_persona_id int, context string, built_on date");

  private final LocalDate keptNight;
  private final LocalDate date;

  /**
   * The curated lines of the days that changed since the kept night (or any lines holding them).
   */
  private final Dataset<Row> changedDayLines;

  private final int lookbackDays;
  private final Dataset<Row> keptState;
  private final Dataset<Row> keptRecommendations;
  private final Dataset<Row> keptPerProduct;
  private final int carryOverDays;
  private final Recommender.Params params;
  private Dataset<Row> linesChanged;

  /**
   * A carry-over from keptNight's state and recommendations to date (decide() checks that it may be
   * used).
   */
  RecommendationCarryOver(
      LocalDate keptNight,
      LocalDate date,
      Dataset<Row> changedDayLines,
      int lookbackDays,
      Dataset<Row> keptState,
      Dataset<Row> keptRecommendations,
      Dataset<Row> keptPerProduct,
      int carryOverDays,
      Recommender.Params params) {
    this.keptNight = keptNight;
    this.date = date;
    this.changedDayLines = changedDayLines;
    this.lookbackDays = lookbackDays;
    this.keptState = keptState;
    this.keptRecommendations = keptRecommendations;
    this.keptPerProduct = keptPerProduct;
    this.carryOverDays = carryOverDays;
    this.params = params;
  }

  /** The groups as kept state: customer_id, persona_id, ctx_persona_id, context, built_on. */
  static Dataset<Row> stateOf(Dataset<Row> groups, Column builtOn) {
    return groups.select(
        col("customer_id"),
        col("persona_id").cast("int").as("persona_id"),
        col("ctx_persona_id").cast("int").as("ctx_persona_id"),
        col("context"),
        builtOn.cast("date").as("built_on"));
  }

  /**
   * What the recommendations depend on besides the customers' lines and groups: the settings, the
   * look-back, the session time zone, the ALS factors and the blend scored with (the night each was
   * fitted or learned; "unused" for ALS when the blend gives it no weight), the persona names
   * ({@link #personaNames}) and a checksum of the products (ids, categories, names: the policy and
   * the reasons read them).
   */
  public static Map<String, String> fingerprint(
      Recommender.Params p,
      int lookbackDays,
      String timeZone,
      String alsFactors,
      String blend,
      String personaNames,
      String productsChecksum) {
    Map<String, String> parts = new java.util.LinkedHashMap<>();
    parts.put("version", String.valueOf(VERSION));
    parts.put("settings", BlendStore.fingerprint(p));
    parts.put("top-n", String.valueOf(p.topN()));
    parts.put("due-horizon-days", String.valueOf(p.dueHorizonDays()));
    parts.put("lookback", String.valueOf(lookbackDays));
    parts.put("timezone", timeZone);
    parts.put("als-factors", alsFactors);
    parts.put("blend", blend);
    parts.put("personas", personaNames);
    parts.put("products", productsChecksum);
    return parts;
  }

  /** The persona names by id, sorted: carried reasons name the persona ("popular with ..."). */
  public static String personaNames(Dataset<Row> personas) {
    if (personas == null) {
      return "none";
    }
    java.util.TreeMap<Integer, String> byId = new java.util.TreeMap<>();
    for (Row r :
        personas
            .select(col("persona_id").cast("int"), col("persona_name").cast("string"))
            .collectAsList()) {
      if (!r.isNullAt(0)) {
        byId.put(r.getInt(0), r.isNullAt(1) ? null : r.getString(1));
      }
    }
    return byId.toString();
  }

  /** The number of products and a sum of their rows' hashes (one small query). */
  public static String productsChecksum(Dataset<Row> products) {
    if (products == null) {
      return "none";
    }
    List<Column> columns = new java.util.ArrayList<>();
    for (String c : List.of("product_id", "category", "name")) {
      if (Recommender.hasColumn(products, c)) {
        columns.add(col(c));
      }
    }
    Row r =
        products
            .agg(
                functions.count(lit(1)),
                functions.sum(
                    functions.xxhash64(columns.toArray(Column[]::new)).cast("decimal(20,0)")))
            .first();
    return r.getLong(0) + ":" + r.get(1);
  }

  /** A carry-over tonight may use, or why it may not. */
  public record Decision(Optional<RecommendationCarryOver> carryOver, String reason) {
    public Recommender.Rebuild rebuild(LocalDate date) {
      return carryOver.<Recommender.Rebuild>map(c -> c).orElse(Recommender.everyone(date));
    }
  }

  /**
   * The state kept by the newest night before tonight, if tonight may carry its recommendations
   * over: not on a full refresh nor with carry-over-days 0, only with tonight's fingerprint, and
   * only while every day up to that night has the lines it had then. The changed customers are
   * found among the curated lines of the days that changed since that night alone ({@link
   * CustomerFeatures#changedLineDays}).
   */
  public static Decision decide(
      Tables tables,
      LocalDate date,
      Map<String, String> fingerprint,
      Map<String, String> daySignatures,
      boolean fullRefresh,
      int carryOverDays,
      int lookbackDays,
      Recommender.Params params) {
    if (fullRefresh) {
      return none("a full refresh");
    }
    if (carryOverDays == 0) {
      return none("carry-over-days = 0");
    }
    Optional<KeptModels.Saved> saved =
        KeptModels.newest(tables, DIRECTORY, date.minusDays(1), STATE);
    if (saved.isEmpty()) {
      return none("no recommendations kept by a night before " + date);
    }
    LocalDate night = saved.get().night();
    for (String table : List.of(TableNames.RECOMMENDATIONS, INTERACTIONS)) {
      if (!tables.exists(table, night)) {
        return none("no " + table + " of " + night);
      }
    }
    Optional<String> why =
        KeptModels.whyNotCarriedOver(
            saved.get().properties(), night, fingerprint, daySignatures, "the recommendations");
    if (why.isPresent()) {
      return none(why.get());
    }
    return new Decision(
        Optional.of(
            new RecommendationCarryOver(
                night,
                date,
                CuratedTables.readEventDates(
                    tables,
                    "transactions",
                    CustomerFeatures.changedLineDays(night, date, lookbackDays).stream()
                        .map(LocalDate::toString)
                        .toList()),
                lookbackDays,
                tables.read(DIRECTORY, night),
                tables.read(TableNames.RECOMMENDATIONS, night),
                tables.read(INTERACTIONS, night),
                carryOverDays,
                params)),
        "carried over from " + night);
  }

  private static Decision none(String reason) {
    return new Decision(Optional.empty(), reason);
  }

  /** The night whose recommendations are carried over. */
  public LocalDate keptNight() {
    return keptNight;
  }

  /** The customers whose look-back window of lines is not the kept night's. */
  private Dataset<Row> linesChanged() {
    // Cached: the interactions (twice) and the targets join it; each would scan the lines again.
    if (linesChanged == null) {
      linesChanged =
          CustomerFeatures.customersWithChangedLines(changedDayLines, keptNight, date, lookbackDays)
              .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    }
    return linesChanged;
  }

  @Override
  public void release() {
    if (linesChanged != null) {
      linesChanged.unpersist();
      linesChanged = null;
    }
  }

  /**
   * The kept night's per-product rows of the customers whose lines did not change, and aggregate's
   * of the others' purchases: what aggregating every purchase gives (f_buy_again, a share, does not
   * depend on the night it was counted on).
   */
  @Override
  public Dataset<Row> perProduct(
      Dataset<Row> purchases, java.util.function.Function<Dataset<Row>, Dataset<Row>> aggregate) {
    // Hashed, not sorted: the changed customers are a few thousand, the lines and the kept rows
    // every customer's (a sort-merge join sorted both whole).
    Dataset<Row> changed = linesChanged().hint("shuffle_hash");
    Dataset<Row> kept =
        keptPerProduct
            .select(
                CandidateSources.PER_PRODUCT.stream().map(functions::col).toArray(Column[]::new))
            .join(changed, new String[] {"customer_id"}, "left_anti");
    return aggregate
        .apply(purchases.join(changed, new String[] {"customer_id"}, "left_semi"))
        .unionByName(kept);
  }

  /**
   * The customers scored tonight: a line on a day after the kept night or on one that has left the
   * window since; another group than kept, or none kept (new, or not served then); recommendations
   * carry-over-days old; a bought product that came due since (the when-due policy lets it in).
   */
  @Override
  public Dataset<Row> targets(Dataset<Row> interactions, Dataset<Row> groups) {
    Dataset<Row> kept =
        keptState.select(
            col("customer_id"),
            col("persona_id").as("kept_persona_id"),
            col("ctx_persona_id").as("kept_ctx_persona_id"),
            col("context").as("kept_context"),
            col("built_on"));
    Column sameGroup =
        col("persona_id")
            .eqNullSafe(col("kept_persona_id"))
            .and(col("ctx_persona_id").eqNullSafe(col("kept_ctx_persona_id")))
            .and(col("context").eqNullSafe(col("kept_context")));
    Column old = col("built_on").leq(lit(java.sql.Date.valueOf(date.minusDays(carryOverDays))));
    Dataset<Row> regrouped =
        groups
            .join(kept, new String[] {"customer_id"}, "left")
            .filter(col("built_on").isNull().or(functions.not(sameGroup)).or(old))
            .select("customer_id");
    Dataset<Row> targets = linesChanged().unionByName(regrouped);
    if (params.repeat() == RepeatPurchase.WHEN_DUE) {
      targets = targets.unionByName(cameDue(interactions));
    }
    return targets.filter(col("customer_id").isNotNull()).distinct();
  }

  /**
   * Customers with a bought product that the when-due policy lets in tonight and did not on the
   * kept night (due_ratio is the days since the last purchase over the product's interval: it grew
   * by the nights between over the interval since).
   */
  private Dataset<Row> cameDue(Dataset<Row> interactions) {
    double nights = ChronoUnit.DAYS.between(keptNight, date);
    Column horizon = lit((double) params.dueHorizonDays()).divide(col("interval_days"));
    Column dueTonight = col("due_ratio").plus(horizon).geq(params.dueThreshold());
    Column dueThen =
        col("due_ratio")
            .minus(lit(nights).divide(col("interval_days")))
            .plus(horizon)
            .geq(params.dueThreshold());
    return interactions
        .filter(dueTonight.and(functions.not(dueThen)))
        .select("customer_id")
        .distinct();
  }

  /** The kept night's recommendations of tonight's customers who are not scored again. */
  @Override
  public Dataset<Row> carried(Dataset<Row> groups, Dataset<Row> targets) {
    return keptRecommendations
        .select("customer_id", "rank", "product_id", "score", "reason", "source", "persona_id")
        .join(targets, new String[] {"customer_id"}, "left_anti")
        .join(groups.select("customer_id"), new String[] {"customer_id"}, "left_semi");
  }

  /** Tonight's groups; built tonight for the targets, on the kept night's date for the others. */
  @Override
  public Dataset<Row> state(Dataset<Row> groups, Dataset<Row> targets) {
    Dataset<Row> withBuilt =
        groups
            .join(
                keptState.select(col("customer_id"), col("built_on").as("kept_built_on")),
                new String[] {"customer_id"},
                "left")
            .join(
                targets.select(col("customer_id"), lit(true).as("_scored")),
                new String[] {"customer_id"},
                "left");
    return stateOf(
        withBuilt,
        functions
            .when(col("_scored").isNotNull(), lit(java.sql.Date.valueOf(date)))
            .otherwise(col("kept_built_on")));
  }

  /**
   * Keeps tonight's state for the next night (replacing one kept tonight before), the properties
   * file last; rows written.
   */
  public static long save(
      Tables tables,
      LocalDate date,
      Dataset<Row> state,
      Dataset<Row> interactions,
      Map<String, String> fingerprint,
      Map<String, String> daySignatures) {
    Path dir = new Path(tables.partitionPath(DIRECTORY, date));
    KeptModels.markUnsaved(tables, dir, STATE);
    long written = tables.write(DIRECTORY, date, state);
    tables.write(
        INTERACTIONS,
        date,
        interactions.select(
            CandidateSources.PER_PRODUCT.stream().map(functions::col).toArray(Column[]::new)));
    KeptModels.dropOlder(tables, INTERACTIONS, date);
    KeptModels.markSaved(
        tables,
        dir,
        STATE,
        KeptModels.stateProperties(date, fingerprint, daySignatures),
        "recommendations: each customer's groups and build night");
    KeptModels.dropOlder(tables, DIRECTORY, date);
    return written;
  }
}
