package com.customerpath.jobs.ingest;

import com.customerpath.common.config.SourceSettings;
import com.customerpath.common.config.ValidationSettings;
import com.customerpath.common.io.CuratedTables;
import com.customerpath.common.io.KeptModels;
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
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;

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
  static final String MARKER = "_ingested.properties";

  private SnapshotCarryOver() {}

  /** What ingesting a snapshot gave: the counts a carried-over night records again. */
  record Ingested(
      String fingerprint, long read, long accepted, long quarantined, Map<String, Long> reasons) {

    Properties toProperties() {
      Properties p = new Properties();
      p.setProperty("fingerprint", fingerprint);
      p.setProperty("read", String.valueOf(read));
      p.setProperty("accepted", String.valueOf(accepted));
      p.setProperty("quarantined", String.valueOf(quarantined));
      reasons.forEach((r, n) -> p.setProperty(REASON + r, String.valueOf(n)));
      return p;
    }

    /** The marker's content; empty when it is not one this code wrote (then the night reads). */
    static Optional<Ingested> of(Properties p) {
      try {
        Map<String, Long> reasons = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
          if (k.startsWith(REASON)) {
            reasons.put(k.substring(REASON.length()), Long.parseLong(p.getProperty(k)));
          }
        }
        Ingested in =
            new Ingested(
                p.getProperty("fingerprint"),
                Long.parseLong(p.getProperty("read")),
                Long.parseLong(p.getProperty("accepted")),
                Long.parseLong(p.getProperty("quarantined")),
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

  private static final String REASON = "reason.";

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
   * partition is there too; else none, and why (for the log).
   */
  static Lookup lookup(Tables tables, String source, LocalDate date, String fingerprint) {
    String curated = CuratedTables.table(source);
    Optional<LocalDate> before = tables.latestBefore(curated, date);
    if (before.isEmpty()) {
      return Lookup.read("no earlier night curated it");
    }
    LocalDate from = before.get();
    if (!tables.exists(IngestJob.quarantineTable(source), from)) {
      return Lookup.read("the night of " + from + " has no quarantine partition of it to copy");
    }
    Optional<Ingested> kept =
        KeptModels.readProperties(tables, marker(tables, source, from)).flatMap(Ingested::of);
    if (kept.isEmpty()) {
      return Lookup.read(
          "the night of "
              + from
              + " kept no readable "
              + MARKER
              + " (curated by an older version, or the file is damaged)");
    }
    if (!kept.get().fingerprint().equals(fingerprint)) {
      return Lookup.read(
          "its files, settings or checks differ from those the night of " + from + " curated");
    }
    return new Lookup(
        Optional.of(new Carried(from, kept.get())), "the same input as curated on " + from);
  }

  /** The snapshot to carry over (empty: read it) and why. */
  record Lookup(Optional<Carried> carried, String reason) {
    static Lookup read(String reason) {
      return new Lookup(Optional.empty(), reason);
    }
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
    KeptModels.writeProperties(
        tables, marker(tables, source, date), ingested.toProperties(), "ingest: " + source);
  }

  private static Path marker(Tables tables, String source, LocalDate date) {
    return new Path(tables.partitionPath(CuratedTables.table(source), date), MARKER);
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
