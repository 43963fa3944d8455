package com.customerpath.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What spark-submit gets: jobs/target/customer-path-app.jar. */
@Tag("cluster")
class AppJarIT {
  @Test
  void appJarIsSelfContainedWithoutTheCluster() throws Exception {
    Path jar = Path.of(System.getProperty("it.app.jar", "target/customer-path-app.jar"));
    try (JarFile f = new JarFile(jar.toFile())) {
      List<String> names = f.stream().map(ZipEntry::getName).toList();
      for (String cls :
          List.of(
              "com/customerpath/jobs/NightlyPipeline.class",
              "com/customerpath/jobs/ingest/IngestJob.class",
              "com/customerpath/common/io/Tables.class",
              "com/customerpath/shaded/typesafe/config/ConfigFactory.class",
              "org/apache/spark/internal/io/cloud/PathOutputCommitProtocol.class",
              "org/apache/spark/internal/io/cloud/BindingParquetOutputCommitter.class",
              "reference.conf")) {
        assertTrue(names.contains(cls), "missing " + cls);
      }
      for (String prefix :
          List.of(
              "com/typesafe/",
              "org/apache/spark/sql/",
              "org/apache/hadoop/",
              "scala/",
              "software/amazon/")) {
        assertTrue(
            names.stream().noneMatch(n -> n.startsWith(prefix)), "must not contain " + prefix);
      }
      assertTrue(
          names.stream().noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)")),
          "signatures stripped");
      var manifest = f.getManifest().getMainAttributes();
      assertNotNull(manifest.getValue("Implementation-Version"), "Implementation-Version");
      assertEquals("com.customerpath.jobs.NightlyPipeline", manifest.getValue("Main-Class"));
      String conf = new String(f.getInputStream(f.getEntry("reference.conf")).readAllBytes());
      assertTrue(conf.contains("customerpath") && conf.contains("s3 {"), "our reference.conf");
    }
  }
}
