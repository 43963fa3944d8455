package com.customerpath.it;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3Proxy (org.gaul:s3proxy, jar-with-dependencies copied to target/it by the build) as a child JVM
 * on 127.0.0.1 with a file-system blob store: a real S3 REST endpoint (SigV4, multipart uploads)
 * for hadoop-aws. A child process keeps its Jetty 12/jclouds/Guava apart from Spark's.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "local-identity";
  public static final String SECRET_KEY = "local-credential";

  private final ChildJvm process;
  private final String endpoint;

  private S3ProxyServer(ChildJvm process, String endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  public static S3ProxyServer start(Path work) throws IOException, InterruptedException {
    Path jar = ChildJvm.itDir().resolve("s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "Cannot start S3Proxy: " + jar + " is missing (copied by mvn generate-test-resources)");
    }
    int port = ChildJvm.freePort();
    String endpoint = "http://127.0.0.1:" + port;
    Path blobs = Files.createDirectories(work.resolve("blobs"));
    Path props = work.resolve("s3proxy.properties");
    Files.writeString(
        props,
        String.join(
            "\n",
            "s3proxy.endpoint=" + endpoint,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "s3proxy.ignore-unknown-headers=true",
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + blobs,
            ""));
    ChildJvm p =
        ChildJvm.start(
            "s3proxy",
            work,
            null,
            List.of("-Xmx256m", "-jar", jar.toString()),
            null,
            List.of("--properties", props.toString()),
            Map.of());
    try {
      p.awaitLog(
          Pattern.compile("Started Server|S3Proxy listening|Started .*127\\.0\\.0\\.1:" + port),
          Duration.ofMinutes(2));
    } catch (RuntimeException | InterruptedException e) {
      p.close();
      throw e;
    }
    return new S3ProxyServer(p, endpoint);
  }

  public String endpoint() {
    return endpoint;
  }

  /** An AWS SDK v2 client (from hadoop-aws's bundle) for set-up only: bucket creation. */
  public S3Client client() {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  public String logTail() {
    return process.logTail(40);
  }

  @Override
  public void close() {
    process.close();
  }
}
