package com.customerpath.jobs.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run at a time per output root: the marker file {@code <root>/_run.lock} (owner, host, pid,
 * start time, run date) is created only if absent: {@code CREATE_NEW} on the local file system,
 * {@code create(overwrite=false)} on HDFS (atomic in the NameNode) and on s3a:// a PUT with {@code
 * If-None-Match: *} ({@code fs.s3a.create.conditional.enabled}, Hadoop 3.4.2+). A lock older than
 * the configured age, or held by a process that is gone on this host, is taken over with a warning.
 * Holding the lock, the run removes staging folders of dead runs.
 */
public final class RunLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
  public static final String FILE = "_run.lock";

  private final FileSystem fs;
  private final Path path;
  private final String runId;

  private RunLock(FileSystem fs, Path path, String runId) {
    this.fs = fs;
    this.path = path;
    this.runId = runId;
  }

  /** Another run holds the lock; exit code 5. */
  public static final class LockHeldError extends RuntimeException {
    public LockHeldError(String message) {
      super(message);
    }
  }

  public static RunLock acquire(
      Configuration conf, String outputRoot, String runDate, Duration staleAfter) {
    Path root = new Path(outputRoot);
    Path lockPath = new Path(root, FILE);
    String runId = UUID.randomUUID().toString();
    try {
      FileSystem fs = lockPath.getFileSystem(conf);
      fs.mkdirs(root);
      Properties me = new Properties();
      me.setProperty("owner", System.getProperty("user.name", "?"));
      me.setProperty("host", host());
      me.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
      me.setProperty("started_at", Instant.now().toString());
      me.setProperty("run_date", runDate);
      me.setProperty("run_id", runId);
      if (!createIfAbsent(fs, lockPath, me)) {
        Properties held = read(fs, lockPath);
        String stale = staleness(fs, lockPath, held, staleAfter);
        if (stale == null) {
          throw new LockHeldError(
              "Cannot start: another run holds the lock "
                  + lockPath
                  + " ("
                  + describe(held)
                  + "); wait for it to finish, or delete the file if that run is gone");
        }
        LOG.warn("Taking over the lock {} ({}): {}", lockPath, describe(held), stale);
        fs.delete(lockPath, false);
        if (!createIfAbsent(fs, lockPath, me)) {
          throw new LockHeldError(
              "Cannot start: another run took over the stale lock "
                  + lockPath
                  + " first ("
                  + describe(read(fs, lockPath))
                  + ")");
        }
      }
      RunLock lock = new RunLock(fs, lockPath, runId);
      lock.removeDeadStaging(root);
      return lock;
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot take the run lock " + lockPath + ": " + e.getMessage(), e);
    }
  }

  /** Why a held lock may be taken over, or null when it may not. */
  static String staleness(FileSystem fs, Path lockPath, Properties held, Duration staleAfter)
      throws IOException {
    String host = held.getProperty("host", "");
    String pid = held.getProperty("pid", "");
    if (host.equals(host())
        && pid.matches("\\d+")
        && ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true)) {
      return "process " + pid + " is gone on " + host;
    }
    Instant started = parseInstant(held.getProperty("started_at"));
    if (started == null) { // being written, or damaged: judge by the file's age
      FileStatus st = fs.getFileStatus(lockPath);
      started = Instant.ofEpochMilli(st.getModificationTime());
    }
    Duration age = Duration.between(started, Instant.now());
    if (age.compareTo(staleAfter) > 0) {
      return "it is "
          + age.toMinutes()
          + " minutes old, more than customerpath.lock.stale-after-minutes = "
          + staleAfter.toMinutes();
    }
    return null;
  }

  private static boolean createIfAbsent(FileSystem fs, Path p, Properties content)
      throws IOException {
    byte[] bytes = render(content).getBytes(StandardCharsets.UTF_8);
    if ("file".equals(fs.getUri().getScheme())) {
      // Hadoop's local create(overwrite=false) checks, then creates: not atomic. NIO's CREATE_NEW
      // is.
      try {
        Files.write(
            java.nio.file.Paths.get(fs.makeQualified(p).toUri()),
            bytes,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    if (fs.exists(p)) {
      return false;
    }
    try (FSDataOutputStream out =
        (FSDataOutputStream)
            fs.createFile(p)
                .overwrite(false)
                .opt("fs.s3a.create.conditional.enabled", "true")
                .build()) {
      out.write(bytes);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      // S3's "412 Precondition Failed" arrives at close as an IOException of its own type.
      if (String.valueOf(e.getMessage()).contains("412")
          || e.getClass().getSimpleName().contains("Precondition")) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Deletes {@code <table>/_staging} folders (one or two levels below the root): their runs are
   * dead.
   */
  void removeDeadStaging(Path root) throws IOException {
    int removed = 0;
    for (FileStatus top : fs.listStatus(root)) {
      if (!top.isDirectory() || top.getPath().getName().startsWith(".")) {
        continue;
      }
      removed += deleteStaging(top.getPath());
      for (FileStatus sub : fs.listStatus(top.getPath())) {
        if (sub.isDirectory()
            && !sub.getPath().getName().startsWith("_")
            && !sub.getPath().getName().contains("=")) {
          removed += deleteStaging(sub.getPath());
        }
      }
    }
    if (removed > 0) {
      LOG.warn("Removed {} staging folder(s) left by runs that did not finish", removed);
    }
  }

  private int deleteStaging(Path table) throws IOException {
    Path staging = new Path(table, "_staging");
    if (fs.exists(staging)) {
      int n = fs.listStatus(staging).length;
      LOG.info("  removing {} ({} entries)", staging, n);
      fs.delete(staging, true);
      return 1;
    }
    return 0;
  }

  /** Releases the lock if it is still this run's. */
  @Override
  public void close() {
    try {
      if (fs.exists(path) && runId.equals(read(fs, path).getProperty("run_id"))) {
        fs.delete(path, false);
      }
    } catch (IOException e) {
      LOG.warn("Cannot remove the run lock {}: {}", path, e.getMessage());
    }
  }

  public Path path() {
    return path;
  }

  static Properties read(FileSystem fs, Path p) throws IOException {
    Properties props = new Properties();
    try (InputStream in = fs.open(p)) {
      props.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (java.io.FileNotFoundException e) {
      // released meanwhile
    }
    return props;
  }

  private static String render(Properties p) {
    StringBuilder sb = new StringBuilder();
    for (String k : new String[] {"owner", "host", "pid", "started_at", "run_date", "run_id"}) {
      sb.append(k).append('=').append(p.getProperty(k, "")).append('\n');
    }
    return sb.toString();
  }

  static String describe(Properties p) {
    return "owner "
        + p.getProperty("owner", "?")
        + ", host "
        + p.getProperty("host", "?")
        + ", pid "
        + p.getProperty("pid", "?")
        + ", started "
        + p.getProperty("started_at", "?")
        + ", run date "
        + p.getProperty("run_date", "?");
  }

  private static Instant parseInstant(String s) {
    try {
      return s == null ? null : Instant.parse(s);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
