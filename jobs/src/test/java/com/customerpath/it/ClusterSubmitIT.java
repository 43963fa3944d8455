package com.customerpath.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The nightly run submitted to a real Spark standalone cluster on 127.0.0.1: a master and a worker
 * as separate JVMs (like a Spark distribution: SPARK_HOME/jars holds the Spark runtime, here links
 * to the Maven repository's jars), and the app jar submitted through the real
 * org.apache.spark.deploy.SparkSubmit entry point in client mode. Executors are launched by the
 * worker with SPARK_HOME/jars + the app jar, exactly as on a cluster.
 */
@Tag("cluster")
class ClusterSubmitIT {
  private static final String DATE = "2026-06-30";
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);

  @Test
  void nightlyRunSubmittedToStandaloneCluster() throws Exception {
    Path appJar =
        Path.of(System.getProperty("it.app.jar", "target/customer-path-app.jar")).toAbsolutePath();
    assertTrue(
        Files.isRegularFile(appJar),
        "Cannot find the app jar " + appJar + " (built by mvn package)");
    Path root = SparkTestSession.projectRoot();
    Path work = SparkTestSession.tempDir("cluster-it");
    Path sparkHome = fakeSparkHome(work.resolve("spark-home"));
    String sparkCp = sparkHome.resolve("jars") + "/*";
    Path out = work.resolve("output");
    int masterPort = ChildJvm.freePort();
    String masterUrl = "spark://127.0.0.1:" + masterPort;
    Map<String, String> env =
        Map.of(
            "SPARK_HOME",
            sparkHome.toString(),
            "SPARK_SCALA_VERSION",
            "2.13",
            "SPARK_LOCAL_IP",
            "127.0.0.1",
            "SPARK_LOCAL_DIRS",
            work.resolve("local").toString());
    List<String> daemonJvm = new ArrayList<>(List.of("-Xmx256m"));
    daemonJvm.addAll(ChildJvm.sparkOpens());
    Path log4j = work.resolve("log4j2.properties");
    // Warnings, plus the deploy messages the test waits for (leader elected, worker registered).
    Files.writeString(
        log4j,
        String.join(
            "\n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.stdout.ref = console",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n",
            "logger.deploy.name = org.apache.spark.deploy",
            "logger.deploy.level = info",
            "logger.customerpath.name = com.customerpath",
            "logger.customerpath.level = info",
            ""));
    daemonJvm.add("-Dlog4j2.configurationFile=" + log4j);

    long t0 = System.nanoTime();
    List<String> masterJvm = new ArrayList<>(daemonJvm);
    masterJvm.add("-Dspark.master.rest.enabled=false"); // no fixed port 6066
    try (ChildJvm master =
        ChildJvm.start(
            "master",
            work,
            sparkCp,
            masterJvm,
            "org.apache.spark.deploy.master.Master",
            List.of(
                "--host", "127.0.0.1", "--port", Integer.toString(masterPort), "--webui-port", "0"),
            env)) {
      master.awaitLog(
          Pattern.compile("I have been elected leader|Starting Spark master"),
          Duration.ofMinutes(3));
      try (ChildJvm worker =
          ChildJvm.start(
              "worker",
              work,
              sparkCp,
              daemonJvm,
              "org.apache.spark.deploy.worker.Worker",
              List.of(
                  masterUrl,
                  "--host",
                  "127.0.0.1",
                  "--webui-port",
                  "0",
                  "--cores",
                  "1",
                  "--memory",
                  "3g",
                  "--work-dir",
                  work.resolve("worker").toString()),
              env)) {
        worker.awaitLog(
            Pattern.compile("Successfully registered with master"), Duration.ofMinutes(3));
        System.out.printf("Standalone cluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        List<String> submitJvm = new ArrayList<>(List.of("-Xmx2g"));
        submitJvm.addAll(ChildJvm.sparkOpens());
        submitJvm.add("-Dlog4j2.configurationFile=" + log4j);
        List<String> submitArgs =
            new ArrayList<>(
                List.of(
                    "--master",
                    masterUrl,
                    "--deploy-mode",
                    "client",
                    "--class",
                    "com.customerpath.jobs.NightlyPipeline",
                    "--name",
                    "customer-path-cluster-it",
                    "--executor-memory",
                    "2500m",
                    "--total-executor-cores",
                    "1",
                    "--conf",
                    "spark.driver.host=127.0.0.1",
                    "--conf",
                    "spark.driver.bindAddress=127.0.0.1",
                    "--conf",
                    "spark.ui.enabled=false",
                    "--conf",
                    "spark.sql.shuffle.partitions=2",
                    "--conf",
                    "spark.default.parallelism=2",
                    "--conf",
                    "spark.sql.warehouse.dir=" + work.resolve("warehouse").toUri()));
        submitArgs.addAll(clusterSparkConf(root));
        submitArgs.addAll(
            List.of(
                appJar.toString(),
                "--date",
                DATE,
                "--conf",
                root.resolve("conf/local.conf").toString(),
                "--set",
                "customerpath.output.root=" + out,
                "--set",
                "customerpath.personas.k-min=" + System.getProperty("it.personas.k", "4"),
                "--set",
                "customerpath.personas.k-max=" + System.getProperty("it.personas.k", "4"),
                "--set",
                "customerpath.personas.som.epochs=8",
                "--set",
                "customerpath.journey.propensity.snapshots=2",
                "--set",
                "customerpath.recommendations.als.max-iter=5"));
        for (String source : List.of("transactions", "events", "customers", "products")) {
          submitArgs.add("--set");
          submitArgs.add(
              "customerpath.inputs."
                  + source
                  + ".path="
                  + root.resolve("sample-data/" + source + ".csv"));
        }
        // The external datasets of conf/local.conf are relative paths: run from the project root.
        try (ChildJvm submit =
            ChildJvm.start(
                "spark-submit",
                work,
                root,
                sparkCp,
                submitJvm,
                "org.apache.spark.deploy.SparkSubmit",
                submitArgs,
                env)) {
          long s0 = System.nanoTime();
          int code = submit.await(RUN_TIMEOUT);
          System.out.printf(
              "spark-submit finished with %d in %.1f s%n", code, (System.nanoTime() - s0) / 1e9);
          assertEquals(
              0, code, "spark-submit failed\n" + submit.logTail(80) + "\n" + worker.logTail(30));
          String log = submit.log();
          assertTrue(
              log.contains("Run dt=" + DATE + " finished"),
              "No run summary\n" + submit.logTail(40));
        }
        String workerLog = worker.log();
        assertTrue(
            workerLog.contains("Asked to launch executor"),
            "The worker never launched an executor\n" + worker.logTail(40));
      }
    }
    checkOutputs(out);
  }

  private static void checkOutputs(Path out) {
    SparkSession spark = SparkTestSession.get();
    for (String table :
        List.of(
            "personas",
            "customer_personas",
            "customer_features",
            "run_manifest",
            "quarantine/transactions")) {
      Path partition = out.resolve(table).resolve("dt=" + DATE);
      assertTrue(Files.isDirectory(partition), "Missing partition " + partition);
    }
    Path curated = out.resolve("curated/transactions/event_date=" + DATE);
    assertTrue(Files.isDirectory(curated), "Missing curated event date " + curated);
    long personas = spark.read().parquet(out.resolve("personas/dt=" + DATE).toString()).count();
    assertEquals(
        Long.parseLong(System.getProperty("it.personas.k", "4")), personas, "personas rows");
    var manifest =
        spark.read().parquet(out.resolve("run_manifest/dt=" + DATE).toString()).collectAsList();
    assertEquals(1, manifest.size(), "run_manifest rows");
    var m = manifest.get(0);
    long features =
        spark.read().parquet(out.resolve("customer_features/dt=" + DATE).toString()).count();
    assertTrue(features > 0, "customer_features rows");
    assertEquals(
        features,
        ((Number) m.getAs("rows_customer_features")).longValue(),
        "manifest rows_customer_features");
    assertEquals(
        personas, ((Number) m.getAs("rows_personas")).longValue(), "manifest rows_personas");
    assertTrue(
        ((String) m.getAs("code_version")).contains("0.1.0"),
        "code_version from the app jar's manifest: " + m.getAs("code_version"));
  }

  /** A Spark distribution layout: SPARK_HOME/jars with the Spark runtime (provided scope) jars. */
  private static Path fakeSparkHome(Path home) throws Exception {
    Path jars = Files.createDirectories(home.resolve("jars"));
    String cp = Files.readString(ChildJvm.itDir().resolve("spark-classpath.txt")).trim();
    for (String entry : cp.split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      Path link = jars.resolve(jar.getFileName());
      if (!Files.exists(link)) {
        Files.createSymbolicLink(link, jar);
      }
    }
    return home;
  }

  /**
   * conf/cluster.conf's Spark settings as spark-submit --conf pairs (adaptive execution, the Kryo
   * serializer, zstd), but its shuffle partitions: the run here is a production run's settings on
   * the sample. Under Kryo a night once failed in personas, where conf/local.conf's Java serializer
   * passed (KryoRecords).
   */
  static List<String> clusterSparkConf(Path root) {
    com.typesafe.config.Config spark =
        com.typesafe.config.ConfigFactory.parseFile(root.resolve("conf/cluster.conf").toFile())
            .resolve(com.typesafe.config.ConfigResolveOptions.defaults().setAllowUnresolved(true))
            .getConfig("customerpath.spark.conf");
    List<String> out = new ArrayList<>();
    for (var e : spark.root().entrySet()) {
      if (!e.getKey().equals("spark.sql.shuffle.partitions")) {
        out.add("--conf");
        out.add(e.getKey() + "=" + e.getValue().unwrapped());
      }
    }
    assertTrue(
        out.contains("spark.serializer=org.apache.spark.serializer.KryoSerializer"),
        "conf/cluster.conf's serializer: " + out);
    return out;
  }
}
