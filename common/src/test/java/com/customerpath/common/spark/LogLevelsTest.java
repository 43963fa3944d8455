package com.customerpath.common.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.junit.jupiter.api.Test;

/** The project's INFO progress stays visible whatever log4j2 configuration the cluster has. */
class LogLevelsTest {
  @Test
  void projectInfoVisibleEngineQuietUnderAConfigWithoutProjectLogger() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    org.apache.logging.log4j.core.config.Configuration saved = ctx.getConfiguration();
    try {
      // A cluster's log4j2 config that knows nothing of com.customerpath, root at WARN (what
      // SparkContext.setLogLevel("WARN") leaves behind).
      ctx.setConfiguration(new DefaultConfiguration());
      Configurator.setRootLevel(Level.WARN);
      assertFalse(
          LogManager.getLogger("com.customerpath.jobs.ingest.IngestJob").isInfoEnabled(),
          "the problem");
      SparkSessions.setLogLevels("WARN");
      assertTrue(LogManager.getLogger("com.customerpath.jobs.ingest.IngestJob").isInfoEnabled());
      assertFalse(LogManager.getLogger("org.apache.spark.scheduler.DAGScheduler").isInfoEnabled());
      assertFalse(LogManager.getLogger("org.apache.hadoop.fs.FileSystem").isInfoEnabled());
      assertTrue(LogManager.getLogger("org.apache.spark.scheduler.DAGScheduler").isWarnEnabled());
    } finally {
      ctx.setConfiguration(saved);
    }
  }
}
