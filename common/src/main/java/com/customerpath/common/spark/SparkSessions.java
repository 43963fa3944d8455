package com.customerpath.common.spark;

import com.customerpath.common.config.PipelineSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/** Builds the job's session: the master comes from spark-submit when there is one. */
public final class SparkSessions {
  private SparkSessions() {}

  public static SparkSession create(PipelineSettings settings) {
    SparkConf submitted = new SparkConf(); // reads spark.* system properties set by spark-submit
    SparkSession.Builder builder = SparkSession.builder().appName(settings.spark().appName());
    if (!submitted.contains("spark.master")) {
      builder.master(settings.spark().master())
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.ui.showConsoleProgress", "false");
    }
    for (Map.Entry<String, String> e : settings.spark().conf().entrySet()) {
      if (!submitted.contains(e.getKey())) { // spark-submit --conf wins over the conf file
        builder.config(e.getKey(), e.getValue());
      }
    }
    builder.config("spark.sql.session.timeZone", settings.run().timezone());
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel(settings.spark().logLevel());
    return spark;
  }
}
