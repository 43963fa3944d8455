package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.ParquetSchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The sample's customers file carries names, e-mails and phone numbers (columns no field maps):
 * after the whole night, no file under the output root (every Parquet table, curated and quarantine
 * included, the manifest, the report) holds any of them.
 */
class PersonalDataScanTest {

  @Test
  void noOutputCarriesANameAnEmailOrAPhoneNumber() throws IOException {
    SampleRun run = SampleRun.get();
    // The same scan finds a value that is there: a customer's id, in both tables that key by it.
    String id =
        run.context.tables().read("customer_features", SampleRun.DATE).first().getAs("customer_id");
    Map<String, Map<String, Long>> found =
        matches(
            run.context.spark(),
            run.output,
            Map.of(
                "personal", personalDataPattern(),
                "id", Pattern.compile(Pattern.quote(id) + "\\b")));

    assertEquals(Map.of(), found.get("personal"), "rows with personal data, by table or file");
    Map<String, Long> idRows = found.get("id");
    assertTrue(idRows.getOrDefault("customer_features", 0L) >= 1, idRows.toString());
    assertTrue(idRows.getOrDefault("customer_personas", 0L) >= 1, idRows.toString());
  }

  @Test
  void theScanFindsPersonalDataWhereItIs() throws IOException {
    // The pattern matches the input itself: a scan that cannot find anything proves nothing.
    List<String> lines =
        Files.readAllLines(
            com.customerpath.testing.SparkTestSession.projectRoot()
                .resolve("sample-data/customers.csv"));
    Pattern personal = personalDataPattern();
    long matching = lines.stream().skip(1).filter(l -> personal.matcher(l).find()).count();
    assertEquals(lines.size() - 1, matching);
    long names =
        lines.stream()
            .skip(1)
            .map(l -> l.split(",")[1])
            .filter(n -> personal.matcher(n).find())
            .count();
    assertEquals(lines.size() - 1, names, "each name alone is found");
  }

  /**
   * For each named pattern, the rows (Parquet, by table) or files (anything else) under the output
   * root that match it; every pattern in one pass over the rows. Fails when the scan does not see
   * the tables it must see.
   */
  static Map<String, Map<String, Long>> matches(
      SparkSession spark, Path output, Map<String, Pattern> patterns) throws IOException {
    Map<Path, List<Path>> parquetByTable = new TreeMap<>();
    List<Path> otherFiles = new ArrayList<>();
    try (Stream<Path> files = Files.walk(output)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".parquet")) {
          parquetByTable.computeIfAbsent(tableRoot(output, f), t -> new ArrayList<>()).add(f);
        } else if (!name.endsWith(".crc") && !name.startsWith("_SUCCESS")) {
          otherFiles.add(f);
        }
      }
    }
    assertTrue(
        parquetByTable.keySet().stream().anyMatch(t -> t.endsWith("curated/customers"))
            && parquetByTable.keySet().stream().anyMatch(t -> t.endsWith("quarantine/customers"))
            && parquetByTable.size() >= 20,
        "the scan sees every table: " + parquetByTable.keySet());
    // Every table's text as JSON beside the table's name: one query scans them all (a query per
    // table, or per pattern, costs a Spark job, its planning and a read of every table). Text is
    // what holds a name, an e-mail or a phone number: the string columns and those that nest
    // values; numbers, dates and flags are left out of the scanned text. The schema is read from
    // a footer by the driver (ParquetSchemas), not by a Spark job per table.
    Dataset<Row> everyRow = null;
    for (Map.Entry<Path, List<Path>> table : parquetByTable.entrySet()) {
      Dataset<Row> rows =
          ParquetSchemas.reader(spark, table.getKey().toString())
              .parquet(table.getValue().stream().map(Path::toString).toArray(String[]::new));
      Column[] text =
          java.util.Arrays.stream(rows.schema().fields())
              .filter(f -> mayHoldText(f.dataType()))
              .map(f -> rows.col(f.name()))
              .toArray(Column[]::new);
      if (text.length == 0) {
        continue; // numbers only (persona_migration): nothing personal can be written there
      }
      Dataset<Row> scanned =
          rows.select(
              functions.lit(output.relativize(table.getKey()).toString()).as("table"),
              functions.to_json(functions.struct(text)).as("row"));
      everyRow = everyRow == null ? scanned : everyRow.unionAll(scanned);
    }
    List<String> names = List.copyOf(new TreeSet<>(patterns.keySet()));
    List<Column> counts = new ArrayList<>();
    for (String name : names) {
      counts.add(
          functions
              .count(
                  functions.when(
                      functions.col("row").rlike(patterns.get(name).pattern()), functions.lit(1)))
              .as(name));
    }
    Map<String, Map<String, Long>> found = new TreeMap<>();
    names.forEach(n -> found.put(n, new TreeMap<>()));
    everyRow
        .groupBy("table")
        .agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new))
        .collectAsList()
        .forEach(
            r -> {
              for (int i = 0; i < names.size(); i++) {
                long n = r.getLong(i + 1);
                if (n > 0) {
                  found.get(names.get(i)).put(r.getString(0), n);
                }
              }
            });
    for (Path f : otherFiles) {
      String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      for (String name : names) {
        if (patterns.get(name).matcher(text).find()) {
          found.get(name).put(output.relativize(f).toString(), 1L);
        }
      }
    }
    return found;
  }

  /** Whether values of this type can be text: strings, and anything that nests values. */
  static boolean mayHoldText(DataType type) {
    return !(type instanceof NumericType
        || type instanceof BooleanType
        || type instanceof DateType
        || type instanceof TimestampType
        || type instanceof TimestampNTZType);
  }

  /** E-mail addresses, phone numbers and the full names of the sample's customers file. */
  static Pattern personalDataPattern() throws IOException {
    List<String> lines =
        Files.readAllLines(
            com.customerpath.testing.SparkTestSession.projectRoot()
                .resolve("sample-data/customers.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    int nameColumn = header.indexOf("full_name");
    assertTrue(
        nameColumn >= 0 && header.contains("email") && header.contains("phone"), header.toString());
    // Full names as "first last" from the sets of first and last names in the file: two small
    // alternations match every name and scan a row in one pass (400 whole names would not).
    Set<String> first = new TreeSet<>();
    Set<String> last = new TreeSet<>();
    for (String line : lines.subList(1, lines.size())) {
      String name = line.split(",")[nameColumn];
      int space = name.indexOf(' ');
      first.add(name.substring(0, space));
      last.add(name.substring(space + 1));
    }
    return Pattern.compile(
        // An e-mail address: one character before the @ finds the same rows as a run of them, and
        // the run's backtracking cost a third of the scan.
        "[A-Za-z0-9._%+-]@[A-Za-z0-9.-]+\\.[a-z]{2,}"
            + "|\\+?\\d{1,3}[- ]\\d{3}[- ]\\d{3}[- ]\\d{2,4}" // a phone number
            + "|\\b(?:"
            + String.join("|", first)
            + ") (?:"
            + String.join("|", last)
            + ")\\b");
  }

  /** The folder of a table: the part of a file's path before its first partition folder. */
  static Path tableRoot(Path output, Path file) {
    Path rel = output.relativize(file.getParent());
    Path root = output;
    for (Path part : rel) {
      if (part.toString().contains("=")) {
        break;
      }
      root = root.resolve(part);
    }
    return root;
  }
}
