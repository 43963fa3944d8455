package com.customerpath.it;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.spark.SparkSessions;
import com.customerpath.jobs.NightlyPipeline;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One end-to-end run shared by the S3 and BI tests (the machine is small): S3Proxy started as a
 * child process, the sample data uploaded to s3a://customer-path/input/, the nightly pipeline run
 * in the test JVM for 2026-06-30 with every input and output on s3a://, then the ingest step for
 * 2026-06-29 (a second dt partition). Created once per test plan by the JUnit root store and closed
 * at its end (S3Proxy stopped; a shutdown hook stops it if the JVM dies first).
 */
public final class SharedS3Run implements ExtensionContext.Store.CloseableResource {
  public static final String BUCKET = "customer-path";
  public static final String OUTPUT_ROOT = "s3a://" + BUCKET + "/output";
  public static final LocalDate DATE = LocalDate.parse("2026-06-30");
  public static final LocalDate PREVIOUS_DATE = LocalDate.parse("2026-06-29");
  static final List<String> COMMIT_SQL_CONF =
      List.of("spark.sql.sources.commitProtocolClass", "spark.sql.parquet.output.committer.class");

  private final java.nio.file.Path work;
  private final S3ProxyServer server;
  private final PipelineSettings settings;
  private final double runSeconds;
  private java.nio.file.Path localCopy;

  /** Used by the JUnit store: builds the fixture. */
  public SharedS3Run() throws Exception {
    work = SparkTestSession.tempDir("s3-it");
    server = S3ProxyServer.start(work);
    try {
      server.client().createBucket(b -> b.bucket(BUCKET));
      // Credentials only through the standard AWS chain (here: its system-properties provider).
      System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
      System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
      java.nio.file.Path root = SparkTestSession.projectRoot();
      // conf/local.conf with every sample-data path moved to the bucket.
      java.nio.file.Path conf = work.resolve("s3.conf");
      Files.writeString(
          conf,
          Files.readString(root.resolve("conf/local.conf"))
              .replace("\"sample-data/", "\"s3a://" + BUCKET + "/input/"));
      Map<String, String> overrides = new LinkedHashMap<>();
      overrides.put("customerpath.output.root", OUTPUT_ROOT);
      // A fixed k and a short SOM schedule: these tests are about where data lives, not personas.
      overrides.put("customerpath.personas.k-min", System.getProperty("it.personas.k", "4"));
      overrides.put("customerpath.personas.k-max", System.getProperty("it.personas.k", "4"));
      overrides.put("customerpath.personas.som.epochs", "8");
      overrides.put("customerpath.journey.propensity.snapshots", "2");
      overrides.put("customerpath.recommendations.als.max-iter", "5");
      overrides.put("customerpath.s3.endpoint", server.endpoint());
      overrides.put("customerpath.s3.path-style-access", "true");
      settings = PipelineSettings.from(ConfigLoader.load(conf.toString(), overrides));

      SparkSession spark = SparkTestSession.get();
      SparkSessions.applyS3Conf(spark, settings);
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      // Staging committer: its local buffer and its (cluster file system) job attempt directory.
      hadoop.set("fs.s3a.committer.staging.tmp.path", work.resolve("staging").toUri().toString());
      hadoop.set("fs.s3a.buffer.dir", work.resolve("s3a-buffer").toString());
      hadoop.set("fs.s3a.attempts.maximum", "3");
      hadoop.set("fs.s3a.retry.limit", "3");

      FileSystem s3 = new Path(OUTPUT_ROOT).getFileSystem(hadoop);
      for (String f :
          List.of("transactions.csv", "events.csv", "customers.csv", "products.csv", "external")) {
        s3.copyFromLocalFile(
            new Path(root.resolve("sample-data").resolve(f).toUri()),
            new Path("s3a://" + BUCKET + "/input/" + f));
      }
      long t0 = System.nanoTime();
      try {
        JobRunner.runAll(new JobContext(DATE, settings, spark), NightlyPipeline.steps());
        JobRunner.runAll(new JobContext(PREVIOUS_DATE, settings, spark), List.of(new IngestJob()));
      } finally {
        runSeconds = (System.nanoTime() - t0) / 1e9;
      }
      System.out.printf(
          "S3 runs (nightly %s + ingest %s) took %.1f s%n", DATE, PREVIOUS_DATE, runSeconds);
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  public PipelineSettings settings() {
    return settings;
  }

  public SparkSession spark() {
    return SparkTestSession.get();
  }

  public FileSystem s3() throws java.io.IOException {
    return new Path(OUTPUT_ROOT).getFileSystem(spark().sparkContext().hadoopConfiguration());
  }

  public S3ProxyServer server() {
    return server;
  }

  /** The bucket's output tables copied to a local directory (what a BI tool reads). */
  public synchronized java.nio.file.Path localOutput() throws java.io.IOException {
    if (localCopy == null) {
      java.nio.file.Path dir = work.resolve("local-output");
      s3().copyToLocalFile(false, new Path(OUTPUT_ROOT), new Path(dir.toUri()), true);
      localCopy = dir;
    }
    return localCopy;
  }

  @Override
  public void close() {
    SparkSession spark = SparkTestSession.get();
    COMMIT_SQL_CONF.forEach(k -> spark.conf().unset(k));
    server.close();
  }

  /** Gives test methods the shared run: add {@code @ExtendWith(SharedS3Run.Resolver.class)}. */
  public static final class Resolver implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
      return p.getParameter().getType() == SharedS3Run.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
      return c.getRoot()
          .getStore(ExtensionContext.Namespace.GLOBAL)
          .getOrComputeIfAbsent(SharedS3Run.class);
    }
  }
}
