package com.customerpath.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Java child process (Spark master, worker, spark-submit, S3Proxy) with its output in a log file.
 * It is stopped by close(), and by a JVM shutdown hook if the test JVM dies first.
 */
public final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  private final Thread hook;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.hook = new Thread(() -> kill(process), "stop-" + name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code java <jvmArgs> -cp <classpath> <mainClass> <args>} (classpath null: jvmArgs hold
   * -jar).
   */
  public static ChildJvm start(
      String name,
      Path workDir,
      String classpath,
      List<String> jvmArgs,
      String mainClass,
      List<String> args,
      Map<String, String> env)
      throws IOException {
    return start(name, workDir, workDir, classpath, jvmArgs, mainClass, args, env);
  }

  /** As above, running in directory cwd; the log and command files go to workDir. */
  public static ChildJvm start(
      String name,
      Path workDir,
      Path cwd,
      String classpath,
      List<String> jvmArgs,
      String mainClass,
      List<String> args,
      Map<String, String> env)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    if (classpath != null) {
      cmd.add("-cp");
      cmd.add(classpath);
    }
    if (mainClass != null) {
      cmd.add(mainClass);
    }
    cmd.addAll(args);
    Files.createDirectories(workDir);
    Path log = workDir.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Files.writeString(
        workDir.resolve(name + ".cmd"),
        String.join(
            " ",
            cmd.stream().map(c -> c.length() > 300 ? c.substring(0, 300) + "..." : c).toList()));
    return new ChildJvm(name, pb.start(), log);
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  public String logTail(int lines) {
    List<String> all = log().lines().toList();
    return name
        + " log ("
        + log
        + "), last lines:\n"
        + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** Waits until the log matches the pattern; fails if the process exits or the time runs out. */
  public void awaitLog(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (pattern.matcher(log()).find()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Cannot start "
                + name
                + ": it exited with code "
                + process.exitValue()
                + " before logging "
                + pattern
                + "\n"
                + logTail(60));
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "Cannot start "
            + name
            + ": no '"
            + pattern
            + "' in its log within "
            + timeout.toSeconds()
            + " s\n"
            + logTail(60));
  }

  /** Waits for the process to exit; returns its exit code (fails on timeout). */
  public int await(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          name + " did not finish within " + timeout.toSeconds() + " s\n" + logTail(80));
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    kill(process);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // the JVM is already shutting down: the hook runs anyway
    }
  }

  private static void kill(Process p) {
    // Children first (e.g. the executor JVM a Spark worker launched), then the process itself.
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  public static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Spark's Java 17 --add-opens flags (the same list as the parent pom's spark.jvm.opens). */
  public static List<String> sparkOpens() {
    String opens = System.getProperty("it.spark.opens", "");
    if (opens.isBlank()) {
      // The failsafe JVM itself was started with them: reuse its input arguments.
      return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
          .filter(
              a ->
                  a.startsWith("--add-opens")
                      || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                      || a.startsWith("-Djdk.reflect")
                      || a.startsWith("-Dio.netty"))
          .toList();
    }
    return List.of(opens.trim().split("\\s+"));
  }

  /** The IT tools directory prepared by the build (jobs/target/it). */
  public static Path itDir() {
    return Path.of(System.getProperty("it.dir", "target/it")).toAbsolutePath();
  }

  static String joinClasspath(List<Path> entries) {
    return String.join(File.pathSeparator, entries.stream().map(Path::toString).toList());
  }
}
