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
    Committer committer,
    ConflictMode conflictMode,
    Map<String, String> extra) {

  /**
   * The S3A committer (fs.s3a.committer.name, spelt as in config): the staging committers
   * partitioned and directory, magic, or file (the classic rename committer).
   */
  public enum Committer {
    PARTITIONED,
    DIRECTORY,
    MAGIC,
    FILE
  }

  /** What a staging committer does with files already in a partition it writes. */
  public enum ConflictMode {
    REPLACE,
    APPEND,
    FAIL
  }

  static S3Settings from(Settings c) {
    return new S3Settings(
        c.string("s3.endpoint"),
        Boolean.parseBoolean(c.oneOf("s3.path-style-access", List.of("true", "false"))),
        c.string("s3.region"),
        c.choice("s3.committer", Committer.class),
        c.choice("s3.conflict-mode", ConflictMode.class),
        c.stringMap("s3.extra"));
  }
}
