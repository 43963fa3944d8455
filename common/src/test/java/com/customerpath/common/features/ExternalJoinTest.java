package com.customerpath.common.features;

import static com.customerpath.testing.Fixtures.rows;
import static com.customerpath.testing.Fixtures.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ExternalDatasetSettings;
import com.customerpath.common.config.TableSettings;
import com.customerpath.common.features.ExternalJoin.ExternalTable;
import com.customerpath.common.io.InputError;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A country x year table (sample-data/external/country_population.csv) joined by country, and by
 * year.
 */
class ExternalJoinTest {
  static final Path FILE = Path.of("../sample-data/external/country_population.csv");

  /** The enum constant of a config spelling: as-of -> AS_OF. */
  private static String constant(String configName) {
    return configName.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
  }

  static ExternalTable table(String level, String pick, LocalDate runDate) {
    ExternalDatasetSettings s =
        new ExternalDatasetSettings(
            "population",
            FILE.toString(),
            TableSettings.Format.CSV,
            Map.of(),
            "region_id",
            "country_code",
            ExternalDatasetSettings.Level.valueOf(constant(level)),
            List.of("population", "gdp_per_capita_usd"),
            "",
            ExternalDatasetSettings.Pick.valueOf(constant(pick)),
            pick.equals("unique") ? "" : "year");
    Dataset<Row> read =
        SparkTestSession.get()
            .read()
            .option("header", "true")
            .option("inferSchema", "true")
            .csv(FILE.toString());
    return new ExternalTable(s, read, runDate);
  }

  static final Dataset<Row> customers() {
    return rows(
        "customer_id string, region_id string",
        new Object[] {"c1", "AA"},
        new Object[] {"c2", "BB"},
        new Object[] {"c3", "ZZ"});
  }

  static Map<String, Long> population(Dataset<Row> joined, String idColumn) {
    return joined.collectAsList().stream()
        .filter(r -> !r.isNullAt(r.fieldIndex("population_population")))
        .collect(
            Collectors.toMap(
                r -> r.getAs(idColumn),
                r -> ((Number) r.getAs("population_population")).longValue()));
  }

  @Test
  void nonUniqueKeyIsAnErrorNamingDatasetKeyAndExample() {
    ExternalTable t = table("customer", "unique", LocalDate.parse("2023-06-30"));
    InputError e = assertThrows(InputError.class, t::checkUniqueKeys);
    assertTrue(
        e.getMessage().contains("External dataset 'population'")
            && e.getMessage().contains("2 key(s) country_code")
            && e.getMessage().contains("e.g. 'AA' (4 rows)")
            && e.getMessage().contains("pick = as-of"),
        e.getMessage());
  }

  @Test
  void asOfTheRunDatePicksTheLatestYearNotAfterIt() {
    ExternalTable t = table("customer", "as-of", LocalDate.parse("2023-06-30"));
    t.checkUniqueKeys();
    assertEquals(
        Map.of("c1", 10290000L, "c2", 4250000L),
        population(ExternalJoin.join(customers(), "region_id", t), "customer_id"),
        "2023 rows; 2024 is after the run date; ZZ has none");
    assertEquals(
        Map.of("c1", 10420000L, "c2", 4260000L),
        population(
            ExternalJoin.join(
                customers(),
                "region_id",
                table("customer", "latest", LocalDate.parse("2023-06-30"))),
            "customer_id"),
        "latest ignores the run date");
    assertEquals(
        Map.of("c1", 10420000L, "c2", 4260000L),
        population(
            ExternalJoin.join(customers(), "region_id", table("customer", "max", null)),
            "customer_id"));
  }

  @Test
  void transactionLevelAsOfJoinsTheRowOfTheTransactionsYear() {
    ExternalTable t = table("transaction", "as-of", LocalDate.parse("2024-06-30"));
    t.checkUniqueKeys();
    Dataset<Row> tx =
        rows(
            "transaction_id string, region_id string, ts timestamp",
            new Object[] {"t1", "AA", ts("2021-12-31 23:00:00")},
            new Object[] {"t2", "AA", ts("2022-01-01 01:00:00")},
            new Object[] {"t3", "BB", ts("2024-03-01 10:00:00")},
            new Object[] {"t4", "BB", ts("2019-03-01 10:00:00")});
    Dataset<Row> joined = ExternalJoin.join(tx, "region_id", t);
    assertEquals(4, joined.count(), "one row per transaction");
    assertEquals(
        Map.of("t1", 10000000L, "t2", 10150000L, "t3", 4260000L),
        population(joined, "transaction_id"),
        "t4's year 2019 is not in the table");
  }
}
