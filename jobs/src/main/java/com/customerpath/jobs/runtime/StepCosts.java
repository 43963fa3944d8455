package com.customerpath.jobs.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each step cost Spark, without the Spark UI: a listener that counts, per job group (the step
 * name, set by JobRunner), the Spark jobs started, the stages that ran (skipped stages are not
 * counted), the input bytes the tasks read and the time during which any of its jobs ran (the rest
 * of a step's time is the driver's alone: planning, listings, fits on the driver); and a sampler of
 * the driver's used heap while a step runs. One listener per SparkContext ({@link #of}).
 */
public final class StepCosts extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(StepCosts.class);
  private static final String JOB_GROUP = "spark.jobGroup.id";
  private static final String NO_GROUP = "";
  private static final String SQL_EXECUTION_ID = "spark.sql.execution.id";
  private static final String OUR_PACKAGE = "com.customerpath.";
  private static final Map<SparkContext, StepCosts> INSTALLED = new ConcurrentHashMap<>();

  /**
   * The figures of one job group (one step); sparkMillis: the time during which at least one of its
   * Spark jobs ran (jobs that overlap count once).
   */
  public record Figures(
      long jobs, long stages, long inputBytes, long peakHeapBytes, long sparkMillis) {
    /**
     * The jobs, stages, bytes and Spark time since an earlier reading of the same group (the peak
     * heap is kept).
     */
    public Figures minus(Figures earlier) {
      return new Figures(
          jobs - earlier.jobs,
          stages - earlier.stages,
          inputBytes - earlier.inputBytes,
          peakHeapBytes,
          sparkMillis - earlier.sparkMillis);
    }

    /** Of a step that took stepSeconds, the seconds with none of its Spark jobs running. */
    public double driverOnlySeconds(double stepSeconds) {
      return Math.max(0, stepSeconds - sparkMillis / 1000.0);
    }

    public double inputMb() {
      return inputBytes / 1048576.0;
    }

    public double peakHeapMb() {
      return peakHeapBytes / 1048576.0;
    }
  }

  private final SparkContext sc;
  private final Map<String, Counters> byGroup = new ConcurrentHashMap<>();
  private final Map<Integer, String> stageGroup = new ConcurrentHashMap<>();
  private final Map<Long, String> executions = new ConcurrentHashMap<>();
  private final Map<Integer, String> jobGroups = new ConcurrentHashMap<>();

  /** Queries running: where they were launched, when, and the group of their first job. */
  private final Map<Long, Running> runningQueries = new ConcurrentHashMap<>();

  /** Jobs outside any SQL query (MLlib's RDD code), timed from start to end. */
  private final Map<Integer, Running> runningJobs = new ConcurrentHashMap<>();

  private final AtomicLong totalJobs = new AtomicLong();
  private final AtomicLong totalStages = new AtomicLong();

  private static final class Running {
    final String site;
    final long startMillis;
    volatile String group;

    Running(String site, long startMillis, String group) {
      this.site = site;
      this.startMillis = startMillis;
      this.group = group;
    }
  }

  private static final class Counters {
    final Map<String, AtomicLong> jobsBySite = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> millisBySite = new ConcurrentHashMap<>();
    final AtomicLong jobs = new AtomicLong();
    final AtomicLong stages = new AtomicLong();
    final AtomicLong inputBytes = new AtomicLong();
    // Jobs of the group running now and since when: the union of their intervals is Spark time.
    private int activeJobs;
    private long activeSince;
    private long sparkMillis;

    synchronized void jobStarted(long time) {
      if (activeJobs++ == 0) {
        activeSince = time;
      }
    }

    synchronized void jobEnded(long time) {
      if (activeJobs > 0 && --activeJobs == 0) {
        sparkMillis += Math.max(0, time - activeSince);
      }
    }

    synchronized long sparkMillis() {
      return sparkMillis;
    }
  }

  private StepCosts(SparkContext sc) {
    this.sc = sc;
  }

  /** The listener of this context, registered on first use. */
  public static StepCosts of(SparkContext sc) {
    INSTALLED.keySet().removeIf(SparkContext::isStopped); // tests may stop and recreate sessions
    return INSTALLED.computeIfAbsent(
        sc,
        c -> {
          StepCosts listener = new StepCosts(c);
          c.addSparkListener(listener);
          return listener;
        });
  }

  /**
   * Remembers what each SQL query (execution) is for: its description is the line of our code that
   * ran the action (or a job description such as "write customer_features dt=..."). With adaptive
   * query execution every shuffle stage of a query is a Spark job of its own, launched from a Spark
   * thread whose stage names say nothing about our code.
   */
  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof SparkListenerSQLExecutionStart start) {
      String site = ourCallSite(start.details(), start.description());
      executions.put(start.executionId(), site);
      runningQueries.put(start.executionId(), new Running(site, start.time(), null));
    } else if (event instanceof SparkListenerSQLExecutionEnd end) {
      executions.remove(end.executionId());
      Running query = runningQueries.remove(end.executionId());
      if (query != null && query.group != null) { // a query that ran no job costs no Spark time
        addMillis(query.group, query.site, end.time() - query.startMillis);
      }
    }
  }

  /**
   * "method at File.java:line" of the first frame of our code in a query's call stack (Spark's long
   * call-site form), else the query's description.
   */
  static String ourCallSite(String stack, String description) {
    if (stack != null) {
      for (String line : stack.split("\n")) {
        String frame = line.trim();
        int paren = frame.indexOf('(');
        if (frame.startsWith(OUR_PACKAGE) && paren > 0 && frame.endsWith(")")) {
          String method = frame.substring(0, paren);
          return method.substring(method.lastIndexOf('.') + 1)
              + " at "
              + frame.substring(paren + 1, frame.length() - 1);
        }
      }
    }
    return description == null || description.length() <= 120
        ? description
        : description.substring(0, 120) + "...";
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    String group =
        start.properties() == null ? NO_GROUP : start.properties().getProperty(JOB_GROUP, NO_GROUP);
    String query =
        start.properties() == null ? null : start.properties().getProperty(SQL_EXECUTION_ID);
    Counters c = counters(group);
    c.jobs.incrementAndGet();
    c.jobStarted(start.time());
    jobGroups.put(start.jobId(), group);
    totalJobs.incrementAndGet();
    scala.collection.Iterator<StageInfo> stages = start.stageInfos().iterator();
    String site = null;
    while (stages.hasNext()) {
      StageInfo stage = stages.next();
      stageGroup.putIfAbsent(stage.stageId(), group);
      // The job's own (last) stage names the line of our code that launched it.
      site = stage.name();
    }
    String described = query == null ? null : executions.get(Long.parseLong(query));
    if (described != null) {
      site = described;
    }
    site = site == null ? "?" : site;
    c.jobsBySite.computeIfAbsent(site, k -> new AtomicLong()).incrementAndGet();
    Running running = query == null ? null : runningQueries.get(Long.parseLong(query));
    if (running != null) {
      if (running.group == null) {
        running.group = group;
      }
    } else {
      runningJobs.put(start.jobId(), new Running(site, start.time(), group));
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd end) {
    String group = jobGroups.remove(end.jobId());
    if (group != null) {
      counters(group).jobEnded(end.time());
    }
    Running job = runningJobs.remove(end.jobId());
    if (job != null) {
      addMillis(job.group, job.site, end.time() - job.startMillis);
    }
  }

  private void addMillis(String group, String site, long millis) {
    counters(group)
        .millisBySite
        .computeIfAbsent(site, k -> new AtomicLong())
        .addAndGet(Math.max(0, millis));
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted completed) {
    String group = stageGroup.getOrDefault(completed.stageInfo().stageId(), NO_GROUP);
    counters(group).stages.incrementAndGet();
    totalStages.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskMetrics() == null) {
      return;
    }
    long bytes = end.taskMetrics().inputMetrics().bytesRead();
    if (bytes > 0) {
      counters(stageGroup.getOrDefault(end.stageId(), NO_GROUP)).inputBytes.addAndGet(bytes);
    }
  }

  private Counters counters(String group) {
    return byGroup.computeIfAbsent(group, g -> new Counters());
  }

  /** Starts sampling the driver heap for a step; close() stops it and returns the peak. */
  public HeapSampler sampleHeap() {
    return new HeapSampler();
  }

  /**
   * The figures of a job group so far (cumulative over the session). Waits for the listener bus to
   * deliver the events already posted (it is asynchronous), so that every job of a finished step is
   * counted.
   */
  public Figures figures(String group, long peakHeapBytes) {
    drain();
    Counters c = byGroup.getOrDefault(group, new Counters());
    return new Figures(
        c.jobs.get(), c.stages.get(), c.inputBytes.get(), peakHeapBytes, c.sparkMillis());
  }

  /**
   * The lines of code that launched this group's jobs, most jobs first (cumulative over the
   * session): an action inside a loop shows here as one line with many jobs.
   */
  public Map<String, Long> jobsBySite(String group) {
    drain();
    return largestFirst(byGroup.getOrDefault(group, new Counters()).jobsBySite);
  }

  /**
   * Wall time of the Spark work launched at each line of our code, in milliseconds, most first
   * (cumulative over the session): a query's time from its start to its end, or a job's where no
   * query launched it. Driver-side planning before a query starts is not in it.
   */
  public Map<String, Long> millisBySite(String group) {
    drain();
    return largestFirst(byGroup.getOrDefault(group, new Counters()).millisBySite);
  }

  private static Map<String, Long> largestFirst(Map<String, AtomicLong> bySite) {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    bySite.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()))
        .forEach(e -> out.put(e.getKey(), e.getValue().get()));
    return out;
  }

  /** Jobs and stages of the whole session so far (every group, also the figures' own writes). */
  public long totalJobs() {
    drain();
    return totalJobs.get();
  }

  public long totalStages() {
    drain();
    return totalStages.get();
  }

  private void drain() {
    try {
      sc.listenerBus().waitUntilEmpty(30_000L);
    } catch (TimeoutException e) {
      LOG.warn(
          "Spark listener bus not drained in 30 s: step cost figures may miss the last events");
    }
  }

  /**
   * Samples the driver's used heap every 50 ms on a daemon thread (in local mode the driver also
   * runs the tasks, so this is the whole JVM's heap), keeping the peak.
   */
  public static final class HeapSampler implements AutoCloseable {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HeapSampler() {
      sample();
      thread =
          new Thread(
              () -> {
                while (running) {
                  sample();
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "step-heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private void sample() {
      peak.accumulateAndGet(MEMORY.getHeapMemoryUsage().getUsed(), Math::max);
    }

    /** The highest used heap seen since the sampler started, in bytes. */
    public long peakBytes() {
      sample();
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }
}
