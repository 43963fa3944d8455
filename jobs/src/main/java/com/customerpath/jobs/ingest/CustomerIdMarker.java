package com.customerpath.jobs.ingest;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.io.Tables;
import com.customerpath.common.privacy.CustomerIdPseudonymiser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * How the curated tables' customer ids were written ({@code curated/_customer_ids}: "plain" or
 * "hmac-sha256 &lt;key id&gt;"). An incremental night adds rows to what earlier nights curated, so
 * it must write ids the same way: otherwise one customer would become two, silently.
 */
final class CustomerIdMarker {
  static final String FILE = "curated/_customer_ids";

  private CustomerIdMarker() {}

  static String describe(Optional<CustomerIdPseudonymiser> pseudonymiser) {
    return pseudonymiser.map(p -> "hmac-sha256 " + p.keyId()).orElse("plain");
  }

  /** Refuses a night that would add ids written another way to the curated history. */
  static void checkIncremental(Tables tables, Optional<CustomerIdPseudonymiser> pseudonymiser) {
    Optional<String> written = read(tables);
    String tonight = describe(pseudonymiser);
    if (written.isPresent() && !written.get().equals(tonight)) {
      throw new ConfigError(
          "Cannot add tonight's rows to the curated tables under "
              + tables.root()
              + ": their customer ids were written as '"
              + written.get()
              + "' but this run writes them as '"
              + tonight
              + "' (customerpath.privacy.pseudonymise-customer-ids or its key changed);"
              + " run once with --full-refresh to rewrite the history one way");
    }
  }

  static Optional<String> read(Tables tables) {
    Path path = new Path(tables.root(), FILE);
    try {
      FileSystem fs = path.getFileSystem(tables.spark().sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      try (var in = fs.open(path)) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    }
  }

  static void write(Tables tables, Optional<CustomerIdPseudonymiser> pseudonymiser) {
    Path path = new Path(tables.root(), FILE);
    try {
      FileSystem fs = path.getFileSystem(tables.spark().sparkContext().hadoopConfiguration());
      try (FSDataOutputStream out = fs.create(path, true)) {
        out.write((describe(pseudonymiser) + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    }
  }
}
