package com.customerpath.jobs.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.io.NioLocalFileSystem;
import com.customerpath.jobs.SampleRun;
import com.customerpath.testing.SparkTestSession;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An embedded run reads and writes file:// through NioLocalFileSystem everywhere: also the run
 * lock's Hadoop configuration, made before Spark starts, because the first file:// file system a
 * JVM creates is cached and used by all. A run given another master keeps Hadoop's own.
 */
class EmbeddedFileSystemTest {
  @Test
  void theRunLocksConfigurationUsesTheSameLocalFileSystemAsTheSession() {
    PipelineSettings local =
        SampleRun.settings("conf/local.conf", SparkTestSession.tempDir("embedded-fs"), Map.of());
    assertEquals(
        NioLocalFileSystem.class.getName(), JobRunner.hadoopConf(local).get("fs.file.impl"));

    PipelineSettings cluster =
        SampleRun.settings(
            "conf/local.conf",
            SparkTestSession.tempDir("embedded-fs"),
            Map.of("customerpath.spark.master", "spark://127.0.0.1:7077"));
    assertNull(JobRunner.hadoopConf(cluster).get("fs.file.impl"), "Hadoop's default class");
  }
}
