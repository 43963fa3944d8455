package com.customerpath.jobs.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.spark.SparkSessions;
import com.customerpath.jobs.SampleRun;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run's session checkpoints under its output root (MLlib's ALS needs a checkpoint directory to
 * cut its lineage; RecommenderTest fits 30 iterations with one), and the conf file can move it.
 */
class SessionConfTest {
  @Test
  void aRunCheckpointsUnderItsOutputRootUnlessTheConfFileSaysOtherwise() {
    Path out = SparkTestSession.tempDir("session-conf");
    PipelineSettings local = SampleRun.settings("conf/local.conf", out, Map.of());
    assertEquals(
        local.outputRoot() + "/_checkpoints",
        SparkSessions.sessionConf(local).get(SparkSessions.CHECKPOINT_DIR));

    PipelineSettings moved =
        SampleRun.settings(
            "conf/local.conf",
            out,
            Map.of("customerpath.spark.conf.\"spark.checkpoint.dir\"", "/scratch/checkpoints"));
    assertEquals(
        "/scratch/checkpoints", SparkSessions.sessionConf(moved).get(SparkSessions.CHECKPOINT_DIR));
  }
}
