package com.customerpath.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A BI tool's view of a run: DuckDB (JDBC) opens every output table through its Parquet files and
 * dt partitions, the recipe of docs/bi.md: {@code read_parquet('<root>/<table>/*}{@code
 * /*.parquet', hive_partitioning = true)}.
 */
@Tag("bi")
@ExtendWith(SharedS3Run.Resolver.class)
class DuckDbBiIT {
  private static final String DATE = SharedS3Run.DATE.toString();
  private static final String PREVIOUS = SharedS3Run.PREVIOUS_DATE.toString();

  private static Path root;
  private static Connection db;

  /** Table (path under the root, e.g. curated/transactions) -> view name (curated_transactions). */
  private static final Map<String, String> VIEWS = new TreeMap<>();

  @BeforeAll
  static void openViews(SharedS3Run run) throws Exception {
    root = run.localOutput();
    db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement s = db.createStatement()) {
      for (Path table : tables(root)) {
        String rel = root.relativize(table).toString().replace('\\', '/');
        String view = rel.replace('/', '_').replaceFirst("^_", "");
        String glob = table + "/" + "*/".repeat(partitionDepth(table)) + "*.parquet";
        s.execute(
            "CREATE VIEW \""
                + view
                + "\" AS SELECT * FROM read_parquet('"
                + glob
                + "', hive_partitioning = true)");
        VIEWS.put(rel, view);
      }
    }
  }

  @AfterAll
  static void close() throws SQLException {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void everyTableOpensWithItsRowCountFromTheManifest() throws Exception {
    for (String table :
        List.of(
            "personas",
            "customer_personas",
            "customer_features",
            "customer_context_features",
            "persona_migration",
            "run_manifest",
            "curated/transactions",
            "curated/events",
            "curated/customers",
            "curated/products",
            "quarantine/transactions")) {
      assertTrue(VIEWS.containsKey(table), "view for " + table + " in " + VIEWS.keySet());
    }
    Map<String, Object> manifest = row("SELECT * FROM run_manifest WHERE dt = DATE '" + DATE + "'");
    int checked = 0;
    for (Map.Entry<String, Object> e : manifest.entrySet()) {
      if (!e.getKey().startsWith("rows_")) {
        continue;
      }
      String table = e.getKey().substring("rows_".length());
      assertTrue(
          VIEWS.containsKey(table),
          "manifest column " + e.getKey() + " names a table DuckDB can open");
      // Curated facts are partitioned by event date: the run's rows are every date up to it.
      String where =
          types(VIEWS.get(table)).containsKey("dt")
              ? "dt = '" + DATE + "'"
              : "event_date <= '" + DATE + "'";
      long rows =
          ((Number)
                  row("SELECT count(*) AS n FROM \"" + VIEWS.get(table) + "\" WHERE " + where)
                      .get("n"))
              .longValue();
      assertEquals(((Number) e.getValue()).longValue(), rows, "rows of " + table + " dt=" + DATE);
      checked++;
    }
    assertTrue(checked >= 10, "manifest row counts checked: " + checked);
  }

  @Test
  void typesSurviveParquet() throws Exception {
    Map<String, String> personas = types("personas");
    assertEquals("INTEGER", personas.get("persona_id"));
    assertEquals("VARCHAR", personas.get("persona_name"));
    assertEquals("BIGINT", personas.get("customers"));
    assertEquals("DOUBLE", personas.get("share"));
    assertEquals("DATE", personas.get("dt"), "hive partition column typed as DATE");
    assertEquals("INTEGER", types("customer_personas").get("persona_id"));
    assertEquals(
        "TIMESTAMP WITH TIME ZONE".equals(types("curated_transactions").get("ts"))
            ? "TIMESTAMP WITH TIME ZONE"
            : "TIMESTAMP",
        types("curated_transactions").get("ts"));
    assertEquals("DOUBLE", types("curated_transactions").get("quantity"));
    assertEquals("DATE", types("curated_transactions").get("event_date"));
    assertEquals("DATE", types("run_manifest").get("dt"));
    double shares =
        ((Number)
                row("SELECT sum(share) AS s FROM personas WHERE dt = DATE '" + DATE + "'").get("s"))
            .doubleValue();
    assertEquals(1.0, shares, 1e-6, "persona shares add up to 1");
  }

  @Test
  void dtFilterReadsOnlyThatPartition() throws Exception {
    Map<String, Long> perDt = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT CAST(dt AS VARCHAR) AS dt, count(*) FROM quarantine_transactions GROUP BY 1 ORDER BY 1")) {
      while (r.next()) {
        perDt.put(r.getString(1), r.getLong(2));
      }
    }
    assertEquals(
        List.of(PREVIOUS, DATE), new ArrayList<>(perDt.keySet()), "two runs, two partitions");
    assertTrue(perDt.get(PREVIOUS) > 0 && perDt.get(DATE) > 0, "rows per dt " + perDt);

    Path table = root.resolve("quarantine/transactions");
    long filesInPartition = parquetFiles(table.resolve("dt=" + PREVIOUS));
    long filesInTable = parquetFiles(table);
    assertTrue(
        filesInTable > filesInPartition, "files " + filesInPartition + " of " + filesInTable);
    String plan;
    try (Statement s = db.createStatement();
        ResultSet r =
            s.executeQuery(
                "EXPLAIN ANALYZE SELECT count(*) FROM quarantine_transactions WHERE dt = '"
                    + PREVIOUS
                    + "'")) {
      StringBuilder b = new StringBuilder();
      while (r.next()) {
        b.append(r.getString(2)).append('\n');
      }
      plan = b.toString();
    }
    Matcher read = Pattern.compile("Total Files Read:\\s*(\\d+)").matcher(plan);
    assertTrue(read.find(), "EXPLAIN ANALYZE names the files read:\n" + plan);
    assertEquals(
        filesInPartition,
        Long.parseLong(read.group(1)),
        "files read for dt=" + PREVIOUS + "\n" + plan);
    assertFalse(plan.contains("dt=" + DATE), "no file of dt=" + DATE + " is read:\n" + plan);
  }

  private static Map<String, String> types(String view) throws SQLException {
    Map<String, String> types = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("DESCRIBE \"" + view + "\"")) {
      while (r.next()) {
        types.put(r.getString("column_name"), r.getString("column_type"));
      }
    }
    return types;
  }

  private static Map<String, Object> row(String sql) throws SQLException {
    Map<String, Object> row = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      assertTrue(r.next(), "no row: " + sql);
      for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
        row.put(r.getMetaData().getColumnLabel(i), r.getObject(i));
      }
      assertFalse(r.next(), "more than one row: " + sql);
    }
    return row;
  }

  /** Directories with dt=... (or event_date=..., curated facts) children: the tables. */
  private static List<Path> tables(Path root) throws IOException {
    java.util.function.Predicate<Path> partition =
        p ->
            p.getFileName().toString().startsWith("dt=")
                || p.getFileName().toString().startsWith("event_date=");
    try (Stream<Path> dirs = Files.walk(root)) {
      return dirs.filter(Files::isDirectory)
          .filter(d -> !partition.test(d))
          // report/dt=D holds the HTML report (index.html and its charts), not a table.
          .filter(d -> !d.equals(root.resolve(com.customerpath.jobs.report.ReportJob.REPORT)))
          // The kept propensity model is MLlib's format (metadata and nested data), not a table.
          .filter(
              d ->
                  !d.startsWith(
                      root.resolve(com.customerpath.jobs.journey.PropensityModelStore.DIRECTORY)))
          // The kept persona model is one properties file per night, not a table.
          .filter(
              d ->
                  !d.startsWith(
                      root.resolve(com.customerpath.common.personas.PersonaModelFile.DIRECTORY)))
          .filter(
              d -> {
                try (Stream<Path> children = Files.list(d)) {
                  return children.anyMatch(c -> Files.isDirectory(c) && partition.test(c));
                } catch (IOException e) {
                  return false;
                }
              })
          .sorted()
          .toList();
    }
  }

  /** Partition directory levels under a table (dt, or dt/step for _run_steps). */
  private static int partitionDepth(Path table) throws IOException {
    try (Stream<Path> files = Files.walk(table)) {
      Path first =
          files
              .filter(f -> f.toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("No Parquet file under " + table));
      return table.relativize(first).getNameCount() - 1;
    }
  }

  private static long parquetFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".parquet")).count();
    }
  }
}
