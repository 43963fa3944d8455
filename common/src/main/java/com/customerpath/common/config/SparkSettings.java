package com.customerpath.common.config;

import java.util.List;
import java.util.Map;

/** customerpath.spark: master, app name, log level and any Spark setting (spark-submit wins). */
public record SparkSettings(
    String master, String appName, String logLevel, Map<String, String> conf) {
  static SparkSettings from(Settings c) {
    return new SparkSettings(
        c.string("spark.master"),
        c.string("spark.app-name"),
        c.oneOf("spark.log-level", List.of("ALL", "DEBUG", "INFO", "WARN", "ERROR", "OFF")),
        c.stringMap("spark.conf"));
  }
}
