package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigLoader;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.spark.SparkSessions;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** conf/cluster.conf and the S3 settings: no Spark needed. */
class DeployConfigTest {
  private static final Path ROOT = SparkTestSession.projectRoot();

  private static PipelineSettings load(String file, Map<String, String> overrides) {
    return PipelineSettings.from(ConfigLoader.load(ROOT.resolve(file).toString(), overrides));
  }

  @Test
  void clusterConfReadsAndWritesS3WithTheStagingCommitter() {
    PipelineSettings s = load("conf/cluster.conf", Map.of());
    if (System.getenv("CP_OUTPUT_ROOT") == null && System.getenv("CP_INPUT_ROOT") == null) {
      assertEquals("s3a://customer-path/output", s.outputRoot());
      assertEquals("s3a://customer-path/input/transactions", s.input("transactions").path());
      assertEquals("s3a://customer-path/input/external/holidays.csv", s.external().get(1).path());
    }
    Map<String, String> conf = SparkSessions.s3Conf(s);
    assertEquals("partitioned", conf.get("spark.hadoop.fs.s3a.committer.name"));
    assertEquals("replace", conf.get("spark.hadoop.fs.s3a.committer.staging.conflict-mode"));
    assertEquals(
        SparkSessions.CLOUD_COMMIT_PROTOCOL, conf.get("spark.sql.sources.commitProtocolClass"));
    assertEquals(
        SparkSessions.AWS_DEFAULT_CHAIN, conf.get("spark.hadoop.fs.s3a.aws.credentials.provider"));
    assertEquals("96", conf.get("spark.hadoop.fs.s3a.connection.maximum"));
    assertEquals("true", s.spark().conf().get("spark.sql.adaptive.enabled"));
  }

  @Test
  void inputRootMovesEveryInput() {
    PipelineSettings s =
        load(
            "conf/cluster.conf",
            Map.of(
                "customerpath.input-root",
                "hdfs:///data/cp/input",
                "customerpath.output.root",
                "hdfs:///data/cp/output"));
    assertEquals("hdfs:///data/cp/input/events", s.input("events").path());
    assertEquals(
        "hdfs:///data/cp/input/external/region_demographics.csv", s.external().get(0).path());
    // Not on S3: Spark's own dynamic partition overwrite, no cloud commit protocol.
    assertFalse(SparkSessions.s3Conf(s).containsKey("spark.sql.sources.commitProtocolClass"));
  }

  @Test
  void localConfHasEndpointSettingsForS3CompatibleStores() {
    PipelineSettings s =
        load(
            "conf/local.conf",
            Map.of(
                "customerpath.s3.endpoint",
                "http://127.0.0.1:9000",
                "customerpath.s3.path-style-access",
                "true"));
    Map<String, String> conf = SparkSessions.s3Conf(s);
    assertEquals("http://127.0.0.1:9000", conf.get("spark.hadoop.fs.s3a.endpoint"));
    assertEquals("true", conf.get("spark.hadoop.fs.s3a.path.style.access"));
    assertFalse(
        conf.containsKey("spark.sql.sources.commitProtocolClass"), "local output: no S3 committer");
  }

  @Test
  void noCredentialsInConfigFiles() throws Exception {
    for (Path f :
        List.of(
            ROOT.resolve("conf/local.conf"),
            ROOT.resolve("conf/cluster.conf"),
            ROOT.resolve("common/src/main/resources/reference.conf"))) {
      String text = Files.readString(f).toLowerCase();
      for (String key :
          List.of("access.key", "secret.key", "session.token", "aws_secret_access_key =")) {
        assertFalse(text.contains(key), f + " must not configure " + key);
      }
    }
    assertTrue(Files.readString(ROOT.resolve("conf/cluster.conf")).contains("${?CP_INPUT_ROOT}"));
  }
}
