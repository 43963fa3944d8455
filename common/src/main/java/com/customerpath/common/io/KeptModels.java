package com.customerpath.common.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The rule every model kept between nights follows (the persona model, the propensity model, the
 * recommendation blend, ALS's factors): a night may use one fitted on that night or fewer than
 * maxAgeDays nights before, whose fingerprint (the settings and columns it depends on) is
 * tonight's. A model saved as files under {@code <root>/<directory>/dt=<night>/} is valid once its
 * properties file (night, fingerprint, figures) is there: {@link #newest} reads it, {@link
 * #markSaved} writes it after the model, {@link #markUnsaved} removes it before. Per-customer state
 * carried between nights (the features' aggregates, the recommendations' groups and interactions)
 * is kept the same way, with a fingerprint and each day's signature of the curated lines ({@link
 * #stateProperties}, {@link #whyNotCarriedOver}).
 */
public final class KeptModels {
  private KeptModels() {}

  public static boolean usable(
      LocalDate fittedOn,
      LocalDate night,
      int maxAgeDays,
      Object storedFingerprint,
      String fingerprint) {
    long age = ChronoUnit.DAYS.between(fittedOn, night);
    return age >= 0 && age < maxAgeDays && fingerprint.equals(storedFingerprint);
  }

  /** The night a kept model was saved on, its folder and its properties file. */
  public record Saved(LocalDate night, Path dir, Properties properties) {}

  /**
   * The newest kept model on or before date under directory, with its properties file; empty when
   * there is none or its properties file is missing (a save cut short).
   */
  public static Optional<Saved> newest(
      Tables tables, String directory, LocalDate date, String propertiesFile) {
    Optional<LocalDate> night = tables.latestOnOrBefore(directory, date);
    if (night.isEmpty()) {
      return Optional.empty();
    }
    Path dir = new Path(tables.partitionPath(directory, night.get()));
    return readProperties(tables, new Path(dir, propertiesFile))
        .map(properties -> new Saved(night.get(), dir, properties));
  }

  /** Removes the properties file before a model is (re)written: it is invalid until complete. */
  public static void markUnsaved(Tables tables, Path dir, String propertiesFile) {
    try {
      dir.getFileSystem(tables.spark().sparkContext().hadoopConfiguration())
          .delete(new Path(dir, propertiesFile), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot remove " + new Path(dir, propertiesFile), e);
    }
  }

  /** Writes the properties file, last: the model in dir is complete. */
  public static void markSaved(
      Tables tables, Path dir, String propertiesFile, Properties properties, String comment) {
    writeProperties(tables, new Path(dir, propertiesFile), properties, comment);
  }

  /** Writes a properties file (UTF-8), replacing it: a model kept as numbers, or its marker. */
  public static void writeProperties(
      Tables tables, Path file, Properties properties, String comment) {
    try (OutputStream out =
        file.getFileSystem(tables.spark().sparkContext().hadoopConfiguration())
            .create(file, true)) {
      java.io.Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
      properties.store(w, comment);
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  /** A properties file written by {@link #writeProperties}; empty when there is none. */
  public static Optional<Properties> readProperties(Tables tables, Path file) {
    try {
      FileSystem fs = file.getFileSystem(tables.spark().sparkContext().hadoopConfiguration());
      if (!fs.exists(file)) {
        return Optional.empty();
      }
      Properties properties = new Properties();
      try (InputStream in = fs.open(file)) {
        properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      }
      return Optional.of(properties);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  private static final String DAY = "day.";
  private static final String FINGERPRINT = "fingerprint.";

  /**
   * The properties of per-customer state kept for the next night: the night, each part of a
   * fingerprint of what the state depends on besides the lines (prefix fingerprint.) and each day's
   * signature of its curated lines (prefix day.).
   */
  public static Properties stateProperties(
      LocalDate night, Map<String, String> fingerprint, Map<String, String> daySignatures) {
    Properties state = new Properties();
    state.setProperty("night", night.toString());
    fingerprint.forEach((part, value) -> state.setProperty(FINGERPRINT + part, value));
    daySignatures.forEach((day, sum) -> state.setProperty(DAY + day, sum));
    return state;
  }

  /**
   * Why state kept by night may not be carried over tonight, or empty when it may: the parts of the
   * fingerprint that differ, or the days up to that night with other lines now. what names the
   * state in the reason ("the aggregates", "the recommendations").
   */
  public static Optional<String> whyNotCarriedOver(
      Properties kept,
      LocalDate night,
      Map<String, String> fingerprint,
      Map<String, String> daySignatures,
      String what) {
    List<String> differ = differingParts(kept, fingerprint);
    if (!differ.isEmpty()) {
      return Optional.of("what " + what + " depend on differs from " + night + "'s: " + differ);
    }
    List<String> changed = changedDays(kept, night, daySignatures);
    if (!changed.isEmpty()) {
      return Optional.of(
          changed.size()
              + " day(s) up to "
              + night
              + " have other lines than that night read (late or corrected data), e.g. "
              + changed.subList(0, Math.min(5, changed.size())));
    }
    return Optional.empty();
  }

  /**
   * The fingerprint's parts (settings, columns, time zone, checksums...) whose kept value is not
   * tonight's.
   */
  static List<String> differingParts(Properties kept, Map<String, String> tonight) {
    java.util.SortedSet<String> keys = new java.util.TreeSet<>(tonight.keySet());
    kept.stringPropertyNames().stream()
        .filter(k -> k.startsWith(FINGERPRINT))
        .forEach(k -> keys.add(k.substring(FINGERPRINT.length())));
    return keys.stream()
        .filter(k -> !java.util.Objects.equals(kept.getProperty(FINGERPRINT + k), tonight.get(k)))
        .toList();
  }

  /** The days up to the kept night whose files differ (or that came or went). */
  static List<String> changedDays(Properties kept, LocalDate night, Map<String, String> tonight) {
    Map<String, String> then = new java.util.TreeMap<>();
    kept.stringPropertyNames().stream()
        .filter(k -> k.startsWith(DAY))
        .forEach(k -> then.put(k.substring(DAY.length()), kept.getProperty(k)));
    java.util.SortedSet<String> days = new java.util.TreeSet<>(then.keySet());
    tonight.keySet().stream().filter(d -> d.compareTo(night.toString()) <= 0).forEach(days::add);
    return days.stream()
        .filter(d -> !java.util.Objects.equals(then.get(d), tonight.get(d)))
        .toList();
  }

  /**
   * Removes the partitions of directory kept by nights before the newest one before date: a night
   * reads only the newest state before it, and a re-run of tonight that one. Later nights' are left
   * alone (a backfill of an old night).
   */
  public static void dropOlder(Tables tables, String directory, LocalDate date) {
    List<String> before =
        tables.partitionValues(directory, "dt").stream()
            .filter(d -> d.compareTo(date.toString()) < 0)
            .sorted()
            .toList();
    for (String night : before.subList(0, Math.max(0, before.size() - 1))) {
      Path old = new Path(tables.path(directory), "dt=" + night);
      try {
        old.getFileSystem(tables.spark().sparkContext().hadoopConfiguration()).delete(old, true);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot remove " + old, e);
      }
    }
  }
}
