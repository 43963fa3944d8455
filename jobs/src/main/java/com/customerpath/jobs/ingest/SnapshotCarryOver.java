package com.customerpath.jobs.ingest;

import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.config.ValidationSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.io.Tables;
import com.customerpath.common.quality.InputValidation;
import com.customerpath.common.schema.ColumnMapper;
import com.customerpath.common.schema.Contract;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A snapshot source (customers, products: read whole every night) whose input did not change since
 * the night that curated it is carried over: that night's curated and quarantine partitions are
 * copied to tonight's, with its counts, instead of reading, validating and writing the same rows
 * again (docs/ingest.md).
 *
 * <p>"Did not change" is a fingerprint, kept beside the curated partition ({@link #MARKER}), of
 * everything the curated rows depend on: each data file's path, length and modification time, the
 * source's settings (paths, format, reader options, column mapping), tonight's validation settings
 * for the source, how customer ids are written, and the bytes of the classes that map and check the
 * rows (a new release that checks differently ingests again). A full refresh always reads.
 */
final class SnapshotCarryOver {
  /** The fingerprint and counts of the ingest that made a curated snapshot partition. */
  static final String MARKER = "_ingested";

  private SnapshotCarryOver() {}

  /** What ingesting a snapshot gave: the counts a carried-over night records again. */
  record Ingested(
      String fingerprint, long read, long accepted, long quarantined, Map<String, Long> reasons) {

    String render() {
      StringBuilder out =
          new StringBuilder()
              .append("fingerprint=")
              .append(fingerprint)
              .append("\nread=")
              .append(read)
              .append("\naccepted=")
              .append(accepted)
              .append("\nquarantined=")
              .append(quarantined)
              .append('\n');
      new TreeMap<>(reasons)
          .forEach((r, n) -> out.append("reason.").append(r).append('=').append(n).append('\n'));
      return out.toString();
    }

    /** The marker's content; empty when it is not one this code wrote (then the night reads). */
    static Optional<Ingested> parse(String text) {
      Map<String, String> values = new TreeMap<>();
      for (String line : text.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          values.put(line.substring(0, eq), line.substring(eq + 1).trim());
        }
      }
      try {
        Map<String, Long> reasons = new TreeMap<>();
        values.forEach(
            (k, v) -> {
              if (k.startsWith("reason.")) {
                reasons.put(k.substring("reason.".length()), Long.parseLong(v));
              }
            });
        Ingested in =
            new Ingested(
                values.get("fingerprint"),
                Long.parseLong(values.get("read")),
                Long.parseLong(values.get("accepted")),
                Long.parseLong(values.get("quarantined")),
                Map.copyOf(reasons));
        return in.fingerprint() == null
                || in.read() != in.accepted() + in.quarantined()
                || in.quarantined() != reasons.values().stream().mapToLong(Long::longValue).sum()
            ? Optional.empty()
            : Optional.of(in);
      } catch (RuntimeException e) { // a missing or malformed count
        return Optional.empty();
      }
    }
  }

  /**
   * The fingerprint of tonight's input of a snapshot source: the same only when the curated rows
   * would be the same.
   */
  static String fingerprint(
      IngestInput input, ValidationSettings validation, String customerIds, LocalDate runDate) {
    String name = input.source().name();
    StringBuilder s = new StringBuilder();
    s.append("source ").append(canonical(input.source())).append('\n');
    input.fileStamps().forEach(f -> s.append("file ").append(f).append('\n'));
    s.append("ranges ").append(new TreeMap<>(validation.ranges(name))).append('\n');
    s.append("max-quarantine-share ").append(validation.maxQuarantineShare(name)).append('\n');
    s.append("empty-input ").append(validation.emptyInput()).append('\n');
    s.append("count-check ").append(validation.countCheck()).append('\n');
    s.append("customer-ids ").append(customerIds).append('\n');
    Contract.SourceContract contract = Contract.of(name);
    s.append("contract ").append(contract).append('\n');
    if (contract.hasTimestamp()) { // rows after the run date are quarantined: the date matters
      s.append("run-date ").append(runDate).append('\n');
    }
    for (Class<?> c :
        List.of(
            IngestJob.class,
            IngestInput.class,
            SourceReader.class,
            ColumnMapper.class,
            InputValidation.class,
            Contract.class)) {
      s.append("code ").append(c.getName()).append(' ').append(classDigest(c)).append('\n');
    }
    return sha256(s.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The settings in a fixed order (their maps' own order may differ from one JVM to another). */
  private static String canonical(SourceSettings s) {
    Map<String, String> tables = new TreeMap<>();
    s.tables()
        .forEach(
            (n, t) ->
                tables.put(n, t.path() + " " + t.format() + " " + new TreeMap<>(t.options())));
    return String.join(
        " | ",
        s.name(),
        s.path(),
        String.valueOf(s.format()),
        new TreeMap<>(s.options()).toString(),
        tables.toString(),
        String.valueOf(s.query()),
        String.valueOf(s.timestampFormat()),
        String.valueOf(s.dateFormat()),
        new TreeMap<>(s.columns()).toString());
  }

  /**
   * The earlier night whose curated snapshot tonight's input would give again: the newest curated
   * partition before tonight, when its marker holds the same fingerprint and its quarantine
   * partition is there too.
   */
  static Optional<Carried> find(Tables tables, String source, LocalDate date, String fingerprint) {
    String curated = CuratedTables.table(source);
    Optional<LocalDate> before = tables.latestBefore(curated, date);
    if (before.isEmpty() || !tables.exists(IngestJob.quarantineTable(source), before.get())) {
      return Optional.empty();
    }
    return tables
        .readSideFile(curated, before.get(), MARKER)
        .flatMap(Ingested::parse)
        .filter(i -> i.fingerprint().equals(fingerprint))
        .map(i -> new Carried(before.get(), i));
  }

  /** An earlier night's snapshot to carry over, and what its ingest counted. */
  record Carried(LocalDate from, Ingested ingested) {}

  /** Publishes the earlier night's curated and quarantine partitions as tonight's. */
  static void copy(Tables tables, String source, LocalDate date, Carried carried) {
    String curated = CuratedTables.table(source);
    tables.copyPartition(IngestJob.quarantineTable(source), carried.from(), date);
    tables.copyPartition(curated, carried.from(), date);
    save(tables, source, date, carried.ingested());
  }

  /** Keeps the fingerprint and counts beside tonight's curated partition, once it is published. */
  static void save(Tables tables, String source, LocalDate date, Ingested ingested) {
    tables.writeSideFile(CuratedTables.table(source), date, MARKER, ingested.render());
  }

  private static String classDigest(Class<?> c) {
    try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
      return in == null ? "unknown" : sha256(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the class file of " + c.getName(), e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
