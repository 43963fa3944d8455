package com.customerpath.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession shared by every test class of a JVM (surefire reuses one fork per
 * module). Two threads, UI off, few shuffle partitions: small fixtures run in milliseconds.
 */
public final class SparkTestSession {
  private static SparkSession session;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("customer-path-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.default.parallelism", "4")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.warehouse.dir", tempDir("warehouse").toString())
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config(
                  com.customerpath.common.spark.SparkSessions.LOCAL_FILE_SYSTEM,
                  com.customerpath.common.io.NioLocalFileSystem.class.getName())
              .config("spark.sql.maxPlanStringLength", "100000") // as reference.conf
              .config("spark.sql.codegen.hugeMethodLimit", "8000") // as reference.conf
              .config("spark.sql.requireAllClusterKeysForCoPartition", "false") // as reference.conf
              .config(
                  com.customerpath.common.spark.SparkSessions.PARALLEL_LISTING_THRESHOLD,
                  com.customerpath.common.spark.SparkSessions.EMBEDDED_LISTING_THRESHOLD)
              .config(com.customerpath.common.spark.SparkSessions.ADAPTIVE, "false") // as embedded
              .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
    }
    return session;
  }

  /** A fresh temporary directory under the module's target/ (deleted by mvn clean). */
  public static Path tempDir(String prefix) {
    try {
      Path base = Paths.get("target", "test-tmp");
      Files.createDirectories(base);
      return Files.createTempDirectory(base.toAbsolutePath(), prefix);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(
          "Cannot create a temporary directory under target/test-tmp", e);
    }
  }

  /** The project's root directory (where ../shared lives beside it). */
  public static Path projectRoot() {
    String root = System.getProperty("project.root");
    Path p = root != null ? Paths.get(root) : Paths.get("").toAbsolutePath();
    // When run from a module directory without the property, step up to the parent pom.
    if (!Files.exists(p.resolve("common")) && p.getParent() != null) {
      p = p.getParent();
    }
    return p.toAbsolutePath().normalize();
  }

  /**
   * The shared datasets folder: system property {@code shared.datasets} if set, else the first
   * {@code shared/datasets} found beside the project root or beside one of its ancestors. A git
   * worktree such as /work/wt/churn thus finds /work/shared/datasets, as /work/main does.
   */
  public static Path sharedDatasets() {
    String override = System.getProperty("shared.datasets");
    if (override != null && !override.isBlank()) {
      return Paths.get(override).toAbsolutePath().normalize();
    }
    Path beside = projectRoot().resolve("..").resolve("shared").resolve("datasets").normalize();
    for (Path dir = projectRoot().getParent(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("datasets");
      if (Files.isDirectory(candidate)) {
        return candidate.normalize();
      }
    }
    return beside;
  }
}
