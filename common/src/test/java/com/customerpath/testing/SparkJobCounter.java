package com.customerpath.testing;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

/** Counts the Spark jobs started between {@link #start} and {@link #stop}. */
public final class SparkJobCounter extends SparkListener {
  private final AtomicInteger jobs = new AtomicInteger();
  private final SparkSession spark;

  private SparkJobCounter(SparkSession spark) {
    this.spark = spark;
  }

  public static SparkJobCounter start(SparkSession spark) throws Exception {
    spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    SparkJobCounter counter = new SparkJobCounter(spark);
    spark.sparkContext().addSparkListener(counter);
    return counter;
  }

  @Override
  public void onJobStart(SparkListenerJobStart event) {
    jobs.incrementAndGet();
  }

  public int stop() throws Exception {
    spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    spark.sparkContext().removeSparkListener(this);
    return jobs.get();
  }
}
