package com.customerpath.common.config;

import java.util.List;
import java.util.Map;

/** An external dataset joined onto curated data by a key. */
public record ExternalDatasetSettings(
    String name,
    String path,
    TableSettings.Format format,
    Map<String, String> options,
    String joinOn,
    String key,
    Level level,
    List<String> columns,
    String missingValue,
    Pick pick,
    String pickBy) {

  /** What a row of the dataset describes: the customer, or the transaction (by date). */
  public enum Level {
    CUSTOMER,
    TRANSACTION
  }

  /**
   * How one row per key is picked when a key has several: unique (several = an error), as-of
   * (customer level: the latest row with pick-by not after the run date; transaction level: the row
   * of the transaction's year or day), latest (largest pick-by), or an aggregate of each column.
   */
  public enum Pick {
    UNIQUE,
    AS_OF,
    LATEST,
    SUM,
    AVG,
    MIN,
    MAX
  }

  public ExternalDatasetSettings(
      String name,
      String path,
      TableSettings.Format format,
      Map<String, String> options,
      String joinOn,
      String key,
      Level level,
      List<String> columns,
      String missingValue) {
    this(name, path, format, options, joinOn, key, level, columns, missingValue, Pick.UNIQUE, "");
  }

  /** Curated fields an external dataset can be joined on. */
  public static final List<String> JOIN_FIELDS =
      List.of(
          "region_id",
          "date",
          "product_id",
          "customer_id",
          "store_id",
          "channel",
          "gender",
          "country");

  ExternalDatasetSettings resolvedAgainst(String root) {
    return new ExternalDatasetSettings(
        name,
        PipelineSettings.resolve(root, path),
        format,
        options,
        joinOn,
        key,
        level,
        columns,
        missingValue,
        pick,
        pickBy);
  }

  static ExternalDatasetSettings from(Settings indexed) {
    String name = indexed.string("name", "");
    if (name.isBlank() || !name.matches("[a-z][a-z0-9_]*")) {
      throw new ConfigError(
          "Wrong value for config key '"
              + indexed.name("name")
              + "': got '"
              + name
              + "', expected a lower-case identifier such as region_demographics");
    }
    // Name the entry by its name in messages: customerpath.external[region_demographics].key
    Settings c = new Settings(indexed.config(), "customerpath.external[" + name + "]");
    // External tables are small reference data: let Spark infer numbers unless told otherwise.
    TableSettings table = TableSettings.from(c, Map.of("header", "true", "inferSchema", "true"));
    String joinOn = c.oneOf("join-on", JOIN_FIELDS);
    Level level = c.has("level") ? c.choice("level", Level.class) : Level.CUSTOMER;
    if (c.strings("columns").isEmpty()) {
      throw new ConfigError(
          "Missing config key '" + c.name("columns") + "': name the columns the dataset brings in");
    }
    Pick pick = c.has("pick") ? c.choice("pick", Pick.class) : Pick.UNIQUE;
    String pickBy = c.string("pick-by", "");
    if ((pick == Pick.AS_OF || pick == Pick.LATEST) && pickBy.isBlank()) {
      throw new ConfigError(
          "Missing config key '"
              + c.name("pick-by")
              + "': pick = "
              + PipelineSettings.configName(pick)
              + " needs the date or year column (or expression) that orders the rows");
    }
    return new ExternalDatasetSettings(
        name,
        table.path(),
        table.format(),
        table.options(),
        joinOn,
        c.string("key", joinOn),
        level,
        c.strings("columns"),
        c.string("missing-value", ""),
        pick,
        pickBy);
  }
}
