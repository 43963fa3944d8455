package com.customerpath.common.config;

import java.util.List;
import java.util.Map;

/**
 * S3 (s3a://) access through hadoop-aws, mapped to spark.hadoop.fs.s3a.* by SparkSessions.
 * Credentials are never read from config: the standard AWS provider chain (environment,
 * instance/pod role, ~/.aws) supplies them.
 */
public record S3Settings(
    String endpoint,
    boolean pathStyleAccess,
    String region,
    String committer,
    String conflictMode,
    Map<String, String> extra) {
  static final List<String> COMMITTERS = List.of("partitioned", "directory", "magic", "file");

  static S3Settings from(Settings c) {
    return new S3Settings(
        c.string("s3.endpoint"),
        Boolean.parseBoolean(c.oneOf("s3.path-style-access", List.of("true", "false"))),
        c.string("s3.region"),
        c.oneOf("s3.committer", COMMITTERS),
        c.oneOf("s3.conflict-mode", List.of("replace", "append", "fail")),
        c.stringMap("s3.extra"));
  }
}
