package com.customerpath.common.personas;

import com.customerpath.common.catalog.PipelineCatalog.TableNames;
import com.customerpath.common.io.Tables;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The file the personas step keeps its fitted model in, {@code <root>/}{@value #DIRECTORY}{@code
 * /dt=<night fitted>/}{@value #FILE}: Java properties, sorted by key, doubles as Java prints them
 * (they read back exactly). The personas step writes and reuses it; the report reads the map's
 * codebook from it (keys under {@value #SOM}) for the U-matrix.
 */
public final class PersonaModelFile {
  public static final String DIRECTORY = TableNames.PERSONA_MODEL;
  public static final String FILE = "model.properties";

  /** Prefix of the self-organizing map's keys (som-kmeans models only). */
  public static final String SOM = "clustering.som.";

  private static final Pattern NUMBER = Pattern.compile("\\d+");

  private PersonaModelFile() {}

  /** The night of the newest model on or before date, and its properties. */
  public record Read(LocalDate night, Properties properties) {}

  /** The newest model file on or before date (empty: none, or a save cut short). */
  public static Optional<Read> latest(Tables tables, LocalDate date) {
    return com.customerpath.common.io.KeptModels.newest(tables, DIRECTORY, date, FILE)
        .map(saved -> new Read(saved.night(), saved.properties()));
  }

  /**
   * Writes tonight's model (replacing one written tonight before): under a temporary name, then
   * renamed, so a save cut short is never read.
   */
  public static void write(Tables tables, LocalDate date, Properties properties) {
    Properties p = sorted();
    p.putAll(properties);
    Path dir = new Path(tables.partitionPath(DIRECTORY, date));
    try {
      FileSystem fs = dir.getFileSystem(tables.spark().sparkContext().hadoopConfiguration());
      Path partial = new Path(dir, "_" + FILE + ".writing");
      try (OutputStream out = fs.create(partial, true)) {
        java.io.Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
        p.store(w, "customer-path persona model");
        w.flush();
      }
      Path file = new Path(dir, FILE);
      fs.delete(file, false);
      if (!fs.rename(partial, file)) {
        throw new IOException("cannot rename " + partial + " to " + file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot save the persona model under " + dir, e);
    }
  }

  /** Properties written sorted by key (numbers in keys as numbers: codebook.2 before .10). */
  private static Properties sorted() {
    return new Properties() {
      @Override
      public Set<Map.Entry<Object, Object>> entrySet() {
        Map<Object, Object> byKey = new TreeMap<>(Comparator.comparing(PersonaModelFile::natural));
        for (Map.Entry<Object, Object> e : super.entrySet()) {
          byKey.put(e.getKey(), e.getValue());
        }
        return new LinkedHashSet<>(byKey.entrySet());
      }
    };
  }

  private static String natural(Object key) {
    Matcher m = NUMBER.matcher(key.toString());
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          sb, String.format(java.util.Locale.ROOT, "%09d", Long.parseLong(m.group())));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  public static String doubles(double[] values) {
    return Arrays.stream(values).mapToObj(Double::toString).collect(Collectors.joining(","));
  }

  public static double[] doubles(String text) {
    return text.isEmpty()
        ? new double[0]
        : Arrays.stream(text.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  public static String ints(int[] values) {
    return Arrays.stream(values).mapToObj(String::valueOf).collect(Collectors.joining(","));
  }

  public static int[] ints(String text) {
    return Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  /** Rows of numbers (codebook vectors, centroids) under key.0, key.1, ...; key holds the count. */
  public static void putRows(Properties p, String key, double[][] rows) {
    p.setProperty(key, String.valueOf(rows.length));
    for (int i = 0; i < rows.length; i++) {
      p.setProperty(key + "." + i, doubles(rows[i]));
    }
  }

  /** Quality figures of a fit as properties {@code <prefix>metric.<name>}. */
  public static void putMetrics(Properties p, String prefix, Map<String, Double> metrics) {
    metrics.forEach((k, v) -> p.setProperty(prefix + "metric." + k, Double.toString(v)));
  }

  /** The quality figures {@link #putMetrics} wrote, by name. */
  public static Map<String, Double> metrics(Properties p, String prefix) {
    Map<String, Double> metrics = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith(prefix + "metric.")) {
        metrics.put(
            key.substring((prefix + "metric.").length()), Double.parseDouble(p.getProperty(key)));
      }
    }
    return metrics;
  }

  public static double[][] rows(Properties p, String key) {
    double[][] rows = new double[Integer.parseInt(p.getProperty(key))][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = doubles(p.getProperty(key + "." + i));
    }
    return rows;
  }
}
