package com.customerpath.sampledata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SampleDataGeneratorTest {
  private static final Path BASE = Paths.get("target", "sample-data-test");
  private static final SampleDataGenerator.Options SMALL =
      SampleDataGenerator.Options.defaults().withCustomers(200, 100);
  private static Path first;
  private static Path second;

  @BeforeAll
  static void generateTwice() throws IOException {
    deleteRecursively(BASE);
    first = BASE.resolve("first");
    second = BASE.resolve("second");
    SampleDataGenerator.generate(SMALL.withOut(first));
    SampleDataGenerator.generate(SMALL.withOut(second));
  }

  @Test
  void sameSeedGivesByteIdenticalFiles() throws IOException {
    List<Path> firstFiles = relativeFiles(first);
    assertEquals(firstFiles, relativeFiles(second));
    assertTrue(firstFiles.contains(Paths.get("transactions.csv")));
    assertTrue(
        firstFiles.size() >= 11, "expected all data, external and truth files, got " + firstFiles);
    for (Path file : firstFiles) {
      assertArrayEquals(
          Files.readAllBytes(first.resolve(file)),
          Files.readAllBytes(second.resolve(file)),
          "differs: " + file);
    }
  }

  @Test
  void plantedBadRowsMatchQuarantineExpectation() throws IOException {
    Map<String, Integer> expected = new LinkedHashMap<>();
    for (List<String> row : readCsv(first.resolve("truth/quarantine_expected.csv"))) {
      expected.put(row.get(0), Integer.parseInt(row.get(1)));
    }
    assertEquals(
        Map.of(
            "unparseable_quantity",
            25,
            "missing_customer_id",
            15,
            "timestamp_after_run_date",
            10,
            "exact_duplicate",
            20,
            "unparseable_timestamp",
            8),
        expected);

    DateTimeFormatter ts = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    LocalDateTime runEnd = SMALL.endDate().atTime(23, 59, 59);
    LocalDateTime windowStart = SMALL.endDate().minusDays(SMALL.days() - 1L).atStartOfDay();
    Map<String, Integer> found = new HashMap<>();
    Set<List<String>> seen = new HashSet<>();
    for (List<String> row : readCsv(first.resolve("transactions.csv"))) {
      assertEquals(11, row.size(), "column count: " + row);
      if (!seen.add(row)) {
        found.merge("exact_duplicate", 1, Integer::sum);
        continue;
      }
      if (row.get(2).isEmpty()) {
        found.merge("missing_customer_id", 1, Integer::sum);
        continue;
      }
      try {
        Integer.parseInt(row.get(5));
      } catch (NumberFormatException e) {
        found.merge("unparseable_quantity", 1, Integer::sum);
        continue;
      }
      LocalDateTime orderTs;
      try {
        orderTs = LocalDateTime.parse(row.get(3), ts);
      } catch (DateTimeParseException e) {
        found.merge("unparseable_timestamp", 1, Integer::sum);
        continue;
      }
      if (orderTs.isAfter(runEnd)) {
        found.merge("timestamp_after_run_date", 1, Integer::sum);
        continue;
      }
      assertTrue(!orderTs.isBefore(windowStart), "before history window: " + row);
    }
    assertEquals(expected, found);
  }

  @Test
  void everyTruthCustomerIsACustomer() throws IOException {
    Set<String> customers = new HashSet<>();
    for (List<String> row : readCsv(first.resolve("customers.csv"))) {
      customers.add(row.get(0));
    }
    assertEquals(300, customers.size());
    List<List<String>> personas = readCsv(first.resolve("truth/customer_personas.csv"));
    assertEquals(200, personas.size());
    for (List<String> row : personas) {
      assertTrue(customers.contains(row.get(0)), "persona customer missing: " + row);
      assertTrue(
          SampleDataGenerator.personaNames().contains(row.get(1)), "unknown persona: " + row);
    }
    List<List<String>> journeys = readCsv(first.resolve("truth/journey.csv"));
    assertEquals(300, journeys.size());
    for (List<String> row : journeys) {
      assertTrue(customers.contains(row.get(0)), "journey customer missing: " + row);
      assertTrue(row.get(3).startsWith("aware"), "every journey starts at aware: " + row);
      boolean prospect = row.get(1).equals("prospect");
      assertEquals(!prospect, row.get(3).contains("act"), "only buyers act: " + row);
    }
  }

  @Test
  void eventsStayInsideHistoryWindow() throws IOException {
    DateTimeFormatter ts = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    LocalDate end = SMALL.endDate();
    for (List<String> row : readCsv(first.resolve("events.csv"))) {
      LocalDateTime eventTs = LocalDateTime.parse(row.get(1), ts);
      assertTrue(
          !eventTs.toLocalDate().isAfter(end)
              && eventTs.toLocalDate().isAfter(end.minusDays(SMALL.days())),
          "outside window: " + row);
      assertEquals(
          row.get(2).equals("review"), !row.get(5).isEmpty(), "rating only on reviews: " + row);
    }
  }

  private static List<Path> relativeFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
    }
  }

  /** Data rows (header skipped) of a simple RFC 4180 file. */
  private static List<List<String>> readCsv(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            field.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
        } else {
          field.append(c);
        }
      }
      fields.add(field.toString());
      rows.add(fields);
    }
    return rows;
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
