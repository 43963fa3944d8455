package com.customerpath.common.spark;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.S3Settings;
import com.customerpath.common.io.NioLocalFileSystem;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the job's session: the master comes from spark-submit when there is one. */
public final class SparkSessions {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SparkSessions.class);

  /**
   * Spark's commit protocol that hands file commits to Hadoop's PathOutputCommitterFactory
   * (spark-hadoop-cloud).
   */
  public static final String CLOUD_COMMIT_PROTOCOL =
      "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol";

  public static final String CLOUD_PARQUET_COMMITTER =
      "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter";

  /**
   * The standard AWS SDK v2 chain: environment, system properties, web identity (IRSA), profile,
   * container, instance role.
   */
  public static final String AWS_DEFAULT_CHAIN =
      "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider";

  /** The Hadoop setting that picks the implementation of file:// paths. */
  public static final String LOCAL_FILE_SYSTEM = "spark.hadoop.fs.file.impl";

  /**
   * Above this many folders Spark lists a table's partitions in a Spark job rather than on the
   * driver.
   */
  public static final String PARALLEL_LISTING_THRESHOLD =
      "spark.sql.sources.parallelPartitionDiscovery.threshold";

  /**
   * Embedded runs list on the driver: the executors are the driver's own threads, so a listing job
   * only adds a job's overhead (a curated table read took 1-7 s as a job, of 365 event dates).
   */
  public static final String EMBEDDED_LISTING_THRESHOLD = "100000";

  /** Adaptive query execution: re-plans a query at each shuffle, each shuffle stage a Spark job. */
  public static final String ADAPTIVE = "spark.sql.adaptive.enabled";

  private SparkSessions() {}

  /** Classes that set up Spark's Kryo serializer (a comma-separated list). */
  public static final String KRYO_REGISTRATOR = "spark.kryo.registrator";

  /** Spark's default checkpoint directory (a run's own subdirectory is made under it). */
  public static final String CHECKPOINT_DIR = "spark.checkpoint.dir";

  /**
   * Deletes this session's checkpoint files (Spark keeps the last ones until its context stops):
   * nothing a run checkpointed outlives it.
   */
  public static void deleteCheckpoints(SparkSession spark) {
    scala.Option<String> dir = spark.sparkContext().getCheckpointDir();
    if (dir.isEmpty()) {
      return;
    }
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir.get());
    try {
      path.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(path, true);
    } catch (java.io.IOException e) {
      LOG.warn("Could not delete the checkpoint directory " + path + ": " + e.getMessage());
    }
  }

  /**
   * The Spark settings a run derives from its config: S3, embedded mode, a checkpoint directory
   * under the output root, {@link KryoRecords} for Kryo, then the conf file's {@code spark.conf},
   * which wins over all of them.
   */
  public static Map<String, String> sessionConf(PipelineSettings settings) {
    Map<String, String> conf = new LinkedHashMap<>(s3Conf(settings));
    conf.putAll(embeddedConf(settings));
    // MLlib's ALS cuts its factors' lineage every 10 iterations only when the context has a
    // checkpoint directory; without one, 30 iterations overflow the stack serialising a task.
    conf.put(CHECKPOINT_DIR, settings.outputRoot() + "/_checkpoints");
    // Records through Kryo when a run chooses it (conf/cluster.conf does); unused otherwise.
    conf.put(KRYO_REGISTRATOR, KryoRecords.class.getName());
    conf.putAll(settings.spark().conf());
    return conf;
  }

  public static SparkSession create(PipelineSettings settings) {
    SparkConf submitted = new SparkConf(); // reads spark.* system properties set by spark-submit
    SparkSession.Builder builder = SparkSession.builder().appName(settings.spark().appName());
    if (!submitted.contains("spark.master")) {
      builder
          .master(settings.spark().master())
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.ui.showConsoleProgress", "false");
    }
    for (Map.Entry<String, String> e : sessionConf(settings).entrySet()) {
      if (!submitted.contains(e.getKey())) { // spark-submit --conf wins over the conf file
        builder.config(e.getKey(), e.getValue());
      }
    }
    builder.config("spark.sql.session.timeZone", settings.run().timezone());
    SparkSession spark = builder.getOrCreate();
    setLogLevels(settings.spark().logLevel());
    return spark;
  }

  /**
   * Settings of an embedded run (local master, not from spark-submit): file:// through {@link
   * NioLocalFileSystem}, partition folders listed on the driver, and adaptive query execution off.
   * The driver is the only JVM there, so the class is on its classpath. Every Hadoop configuration
   * of the run must carry the file system: the first file:// file system created is cached and used
   * by all. Adaptive execution submits each shuffle stage as a job of its own and re-plans the rest
   * of the query after it; on one machine with a few shuffle partitions it has little to adapt, and
   * on the sample data the night ran 370 Spark jobs and 95.7 s with it, 253 jobs and 82.8 s without
   * (same tables; at 1M lines 316 s and 314 s). The conf file's spark.conf still wins.
   */
  public static Map<String, String> embeddedConf(PipelineSettings settings) {
    boolean embedded =
        !new SparkConf().contains("spark.master") && settings.spark().master().startsWith("local");
    return embedded
        ? Map.of(
            LOCAL_FILE_SYSTEM,
            NioLocalFileSystem.class.getName(),
            PARALLEL_LISTING_THRESHOLD,
            EMBEDDED_LISTING_THRESHOLD,
            ADAPTIVE,
            "false")
        : Map.of();
  }

  /** Loggers of the engine and its libraries, quieted to customerpath.spark.log-level. */
  public static final java.util.List<String> ENGINE_LOGGERS =
      java.util.List.of(
          "org.apache.spark",
          "org.sparkproject",
          "org.apache.hadoop",
          "org.apache.parquet",
          "org.apache.kafka",
          "io.netty",
          "org.eclipse.jetty",
          "software.amazon.awssdk");

  /**
   * Per-logger levels instead of SparkContext.setLogLevel, which sets the root logger and so
   * silences the project's INFO progress under Spark's default log4j2 config: engine loggers get
   * the configured level, com.customerpath INFO (unless a shipped log4j2 file says more).
   */
  public static void setLogLevels(String engineLevel) {
    org.apache.logging.log4j.Level level =
        org.apache.logging.log4j.Level.toLevel(engineLevel, org.apache.logging.log4j.Level.WARN);
    for (String logger : ENGINE_LOGGERS) {
      // Only quieter: a shipped log4j2 file that already sets, say, ERROR is kept.
      if (org.apache.logging.log4j.LogManager.getLogger(logger)
          .getLevel()
          .isLessSpecificThan(level)) {
        org.apache.logging.log4j.core.config.Configurator.setLevel(logger, level);
      }
    }
    org.apache.logging.log4j.Logger project =
        org.apache.logging.log4j.LogManager.getLogger("com.customerpath");
    if (!project.isInfoEnabled()) {
      org.apache.logging.log4j.core.config.Configurator.setLevel(
          "com.customerpath", org.apache.logging.log4j.Level.INFO);
    }
  }

  /**
   * The Spark settings derived from {@code customerpath.s3}: S3A endpoint, path style, region, the
   * AWS default credentials chain, and, when the output root is an s3a:// path, the S3A committer
   * bound through spark-hadoop-cloud's commit protocol.
   */
  public static Map<String, String> s3Conf(PipelineSettings settings) {
    S3Settings s3 = settings.s3();
    Map<String, String> conf = new LinkedHashMap<>();
    String p = "spark.hadoop.fs.s3a.";
    if (!s3.endpoint().isBlank()) {
      conf.put(p + "endpoint", s3.endpoint());
    }
    conf.put(p + "path.style.access", Boolean.toString(s3.pathStyleAccess()));
    if (!s3.region().isBlank()) {
      conf.put(p + "endpoint.region", s3.region());
    }
    conf.put(p + "aws.credentials.provider", AWS_DEFAULT_CHAIN);
    conf.put(p + "committer.name", PipelineSettings.configName(s3.committer()));
    conf.put(p + "committer.staging.conflict-mode", PipelineSettings.configName(s3.conflictMode()));
    conf.put(
        "spark.hadoop.mapreduce.outputcommitter.factory.scheme.s3a",
        "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory");
    s3.extra().forEach((k, v) -> conf.put(p + k, v));
    if (isS3a(settings.outputRoot()) && s3.committer() != S3Settings.Committer.FILE) {
      conf.put("spark.sql.sources.commitProtocolClass", CLOUD_COMMIT_PROTOCOL);
      conf.put("spark.sql.parquet.output.committer.class", CLOUD_PARQUET_COMMITTER);
    }
    return conf;
  }

  /** Applies {@link #s3Conf} to a session that already runs (tests sharing one local session). */
  public static void applyS3Conf(SparkSession spark, PipelineSettings settings) {
    for (Map.Entry<String, String> e : s3Conf(settings).entrySet()) {
      if (e.getKey().startsWith("spark.hadoop.")) {
        spark
            .sparkContext()
            .hadoopConfiguration()
            .set(e.getKey().substring("spark.hadoop.".length()), e.getValue());
      } else {
        spark.conf().set(e.getKey(), e.getValue());
      }
    }
  }

  public static boolean isS3a(String path) {
    return path.startsWith("s3a://");
  }
}
