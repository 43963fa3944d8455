package com.customerpath.jobs.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.io.InputError;
import com.customerpath.common.quality.DataQualityError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * One run at a time per output root, stale locks, dead runs' staging folders, exit codes. No Spark.
 */
class RunLockTest {
  static final Duration HOURS_12 = Duration.ofHours(12);

  static RunLock acquire(Path root) {
    return RunLock.acquire(new Configuration(), root.toString(), "2026-06-30", HOURS_12);
  }

  @Test
  void secondRunIsRefusedUntilTheFirstReleases() throws IOException {
    Path root = Files.createTempDirectory("lock");
    RunLock first = acquire(root);
    String content = Files.readString(root.resolve(RunLock.FILE));
    for (String key :
        new String[] {
          "owner=",
          "host=",
          "pid=" + ProcessHandle.current().pid(),
          "started_at=",
          "run_date=2026-06-30"
        }) {
      assertTrue(content.contains(key), content);
    }
    RunLock.LockHeldError e = assertThrows(RunLock.LockHeldError.class, () -> acquire(root));
    assertTrue(
        e.getMessage().contains("another run holds the lock")
            && e.getMessage().contains("pid " + ProcessHandle.current().pid()),
        e.getMessage());
    first.close();
    assertFalse(Files.exists(root.resolve(RunLock.FILE)), "released");
    acquire(root).close();
  }

  @Test
  void concurrentStartsLetExactlyOneRunIn() throws Exception {
    Path root = Files.createTempDirectory("lock");
    int n = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(
          pool.submit(
              () -> {
                go.await();
                try {
                  acquire(root);
                  return true;
                } catch (RunLock.LockHeldError e) {
                  return false;
                }
              }));
    }
    go.countDown();
    int winners = 0;
    for (Future<Boolean> f : results) {
      winners += f.get() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, winners);
  }

  static void writeLock(Path root, String host, long pid, Instant started) throws IOException {
    Files.writeString(
        root.resolve(RunLock.FILE),
        "owner=someone\nhost="
            + host
            + "\npid="
            + pid
            + "\nstarted_at="
            + started
            + "\nrun_date=2026-06-29\nrun_id=old\n");
  }

  @Test
  void lockOfAProcessThatIsGoneIsTakenOver() throws Exception {
    Path root = Files.createTempDirectory("lock");
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    writeLock(root, RunLock.host(), p.pid(), Instant.now());
    try (RunLock lock = acquire(root)) {
      assertTrue(
          Files.readString(root.resolve(RunLock.FILE))
              .contains("pid=" + ProcessHandle.current().pid()));
    }
  }

  @Test
  void lockOnAnotherHostIsTakenOverOnlyWhenOlderThanTheConfiguredAge() throws IOException {
    Path root = Files.createTempDirectory("lock");
    writeLock(root, "another-host", 1, Instant.now().minus(Duration.ofHours(1)));
    assertThrows(RunLock.LockHeldError.class, () -> acquire(root));
    writeLock(root, "another-host", 1, Instant.now().minus(Duration.ofHours(13)));
    acquire(root).close();
  }

  @Test
  void stagingFoldersOfDeadRunsAreRemovedPartitionsKept() throws IOException {
    Path root = Files.createTempDirectory("lock");
    Path staged =
        Files.createDirectories(root.resolve("curated/transactions/_staging/dt=2026-06-30-abc"));
    Files.writeString(staged.resolve("part-0.parquet"), "x");
    Files.createDirectories(root.resolve("customer_features/_staging/dt=2026-06-30-def"));
    Path published = Files.createDirectories(root.resolve("curated/transactions/dt=2026-06-29"));
    acquire(root).close();
    assertFalse(Files.exists(root.resolve("curated/transactions/_staging")));
    assertFalse(Files.exists(root.resolve("customer_features/_staging")));
    assertTrue(Files.isDirectory(published));
  }

  static int runMain(List<String> args, ByteArrayOutputStream err) {
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return JobRunner.run(args.toArray(String[]::new), List.of());
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void expectedFailuresExitWithTheirCodeAndOneErrorLine() throws IOException {
    Path root = Files.createTempDirectory("lock");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(
        JobRunner.CONFIG_ERROR,
        runMain(
            List.of(
                "--date",
                "2026-06-30",
                "--set",
                "customerpath.personas.k-min=1",
                "--set",
                "customerpath.output.root=" + root,
                "--set",
                "customerpath.inputs.transactions.path=x.csv"),
            err));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(
        text.startsWith("ERROR: Wrong value for config key 'customerpath.personas.k-min'"), text);
    assertEquals(1, text.lines().count(), "one line, no stack trace: " + text);

    try (RunLock held = acquire(root)) {
      err.reset();
      assertEquals(
          JobRunner.LOCK_HELD,
          runMain(
              List.of(
                  "--date",
                  "2026-06-30",
                  "--set",
                  "customerpath.output.root=" + root,
                  "--set",
                  "customerpath.inputs.transactions.path=x.csv"),
              err));
      assertTrue(
          err.toString(StandardCharsets.UTF_8)
              .startsWith("ERROR: Cannot start: another run holds the lock"),
          err.toString(StandardCharsets.UTF_8));
    }
    assertEquals(JobRunner.INPUT_ERROR, JobRunner.exitCode(new InputError("empty")));
    assertEquals(JobRunner.DATA_QUALITY, JobRunner.exitCode(new DataQualityError("too many")));
    assertEquals(JobRunner.CONFIG_ERROR, JobRunner.exitCode(new ConfigError("typo")));
    assertEquals(JobRunner.INTERNAL_ERROR, JobRunner.exitCode(new IllegalStateException("bug")));
  }
}
