package com.customerpath.common.io;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

/**
 * Counts the rows a write wrote from its tasks' output metrics (records written, as the Spark UI
 * shows them), so a table need not be read back to be counted. A write is tagged with a local
 * property holding a fresh id; the listener sums the records written by the successful tasks of the
 * jobs that carry it. (Dataset.observe would do too, but an Observation makes the session
 * unserializable for MLlib models that keep it in their training summary.)
 */
final class WriteCounter extends SparkListener {
  static final String WRITE_ID = "customerpath.write.id";
  private static final Map<SparkContext, WriteCounter> INSTALLED = new ConcurrentHashMap<>();

  private final SparkContext sc;
  private final Map<Integer, String> stageWrite = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> rows = new ConcurrentHashMap<>();

  private WriteCounter(SparkContext sc) {
    this.sc = sc;
  }

  static WriteCounter of(SparkContext sc) {
    INSTALLED.keySet().removeIf(SparkContext::isStopped);
    return INSTALLED.computeIfAbsent(
        sc,
        c -> {
          WriteCounter counter = new WriteCounter(c);
          c.addSparkListener(counter);
          return counter;
        });
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    String id = start.properties() == null ? null : start.properties().getProperty(WRITE_ID);
    if (id != null) {
      scala.collection.Iterator<StageInfo> stages = start.stageInfos().iterator();
      while (stages.hasNext()) {
        stageWrite.put(stages.next().stageId(), id);
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    String id = stageWrite.get(end.stageId());
    if (id != null
        && end.taskInfo() != null
        && end.taskInfo().successful()
        && end.taskMetrics() != null) {
      long written = end.taskMetrics().outputMetrics().recordsWritten();
      rows.computeIfAbsent(id, k -> new AtomicLong()).addAndGet(written);
    }
  }

  /** What a counted write returned, and the rows its tasks wrote. */
  record Counted<T>(T result, long rows) {}

  /** Runs a write tagged with a fresh id (label + a UUID) and counts the rows its tasks wrote. */
  static <T> Counted<T> counting(
      SparkContext sc, String label, java.util.function.Supplier<T> write) {
    WriteCounter counter = of(sc);
    String id = label + " " + java.util.UUID.randomUUID();
    String previous = sc.getLocalProperty(WRITE_ID);
    sc.setLocalProperty(WRITE_ID, id);
    T result;
    try {
      result = write.get();
    } finally {
      sc.setLocalProperty(WRITE_ID, previous);
    }
    return new Counted<>(result, counter.rowsWritten(id));
  }

  /**
   * The rows the write tagged with this id wrote (waits for Spark's listener bus to deliver its
   * events).
   */
  long rowsWritten(String id) {
    try {
      sc.listenerBus().waitUntilEmpty(60_000L);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Cannot count the rows of write "
              + id
              + ": Spark's listener bus did not drain "
              + "within 60 s",
          e);
    }
    stageWrite.values().removeIf(id::equals);
    AtomicLong n = rows.remove(id);
    return n == null ? 0 : n.get();
  }
}
