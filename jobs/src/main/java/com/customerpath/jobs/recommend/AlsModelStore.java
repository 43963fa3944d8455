package com.customerpath.jobs.recommend;

import com.customerpath.common.io.KeptModels;
import com.customerpath.common.io.Tables;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * The fitted ALS factors kept between nights, under {@code <root>/}{@value #DIRECTORY}{@code
 * /dt=<night fitted>/}: the MLlib model ({@code model/}: customer and product factors by dense
 * index), the indexes of the ids ({@code customers/}: customer_id, user_ix; {@code products/}:
 * product_id, item_ix) and a properties file ({@value #FITTED}) with the night and a fingerprint of
 * what the factors depend on. Fitting is about a third of a normal night's recommendations, and a
 * day of new purchases moves the factors little: a night scores with factors fitted on an earlier
 * night while they are younger than refit-days and the fingerprint matches; a full refresh fits
 * again. The properties file is written last, so factors whose save was cut short are never read.
 */
public final class AlsModelStore {
  public static final String DIRECTORY =
      com.customerpath.common.catalog.PipelineCatalog.TableNames.RECOMMENDATION_ALS;
  static final String FITTED = "_fitted.properties";
  private static final String MODEL = "model";
  private static final String CUSTOMERS = "customers";
  private static final String PRODUCTS = "products";

  private AlsModelStore() {}

  /** Stored factors and the night they were fitted on. */
  public record Stored(CandidateSources.AlsFit fit, LocalDate fittedOn) {}

  /**
   * What the factors depend on, as text that is the same in every JVM: ALS's fitting settings, the
   * preference it is fitted on and the look-back window of the interactions.
   */
  public static String fingerprint(Recommender.Params p, int lookbackDays) {
    return String.join(
        "|",
        "als=" + p.als().fitSettings(),
        "preference=" + p.preference(),
        "lookback=" + lookbackDays);
  }

  /**
   * The factors tonight (date) may score with: the latest stored on or before tonight, fitted fewer
   * than refitDays nights ago with the same fingerprint.
   */
  public static Optional<Stored> reusable(
      Tables tables, LocalDate date, String fingerprint, int refitDays) {
    Optional<KeptModels.Saved> saved = KeptModels.newest(tables, DIRECTORY, date, FITTED);
    if (saved.isEmpty()) {
      return Optional.empty();
    }
    Properties fitted = saved.get().properties();
    LocalDate fittedOn = LocalDate.parse(fitted.getProperty("fitted_on"));
    if (!KeptModels.usable(
        fittedOn, date, refitDays, fitted.getProperty("fingerprint"), fingerprint)) {
      return Optional.empty();
    }
    Path dir = saved.get().dir();
    ALSModel model = ALSModel.load(new Path(dir, MODEL).toString());
    // The index tables' schemas from their footers (no schema-inference job each).
    String customersPath = new Path(dir, CUSTOMERS).toString();
    String productsPath = new Path(dir, PRODUCTS).toString();
    Dataset<Row> customers =
        com.customerpath.common.io.ParquetSchemas.reader(tables.spark(), customersPath)
            .parquet(customersPath);
    Dataset<Row> products =
        com.customerpath.common.io.ParquetSchemas.reader(tables.spark(), productsPath)
            .parquet(productsPath);
    return Optional.of(
        new Stored(new CandidateSources.AlsFit(model, customers, products), fittedOn));
  }

  /** Keeps tonight's factors for the nights after (replacing those saved tonight before). */
  public static void save(Tables tables, LocalDate date, Stored stored, String fingerprint) {
    Path dir = new Path(tables.partitionPath(DIRECTORY, date));
    KeptModels.markUnsaved(tables, dir, FITTED);
    CandidateSources.AlsFit fit = stored.fit();
    try {
      fit.model().write().overwrite().save(new Path(dir, MODEL).toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot save the ALS factors under " + dir, e);
    }
    fit.customers().write().mode(SaveMode.Overwrite).parquet(new Path(dir, CUSTOMERS).toString());
    fit.products().write().mode(SaveMode.Overwrite).parquet(new Path(dir, PRODUCTS).toString());
    Properties fitted = new Properties();
    fitted.setProperty("fitted_on", stored.fittedOn().toString());
    fitted.setProperty("fingerprint", fingerprint);
    KeptModels.markSaved(tables, dir, FITTED, fitted, "recommendations: ALS factors");
  }
}
