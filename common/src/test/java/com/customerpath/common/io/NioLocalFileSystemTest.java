package com.customerpath.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The NIO local file system leaves the same directories, files and permissions as Hadoop's. */
class NioLocalFileSystemTest {
  @Test
  void directoriesAndFilesGetTheSamePermissionsAsWithHadoopsOwnFileSystem() throws Exception {
    java.nio.file.Path dir = SparkTestSession.tempDir("nio-fs");
    Configuration conf = new Configuration();
    LocalFileSystem hadoops = new LocalFileSystem();
    hadoops.initialize(java.net.URI.create("file:///"), conf);
    NioLocalFileSystem ours = new NioLocalFileSystem();
    ours.initialize(java.net.URI.create("file:///"), conf);

    assertTrue(hadoops.mkdirs(new Path(dir.resolve("hadoop/a/b").toUri())));
    assertTrue(ours.mkdirs(new Path(dir.resolve("nio/a/b").toUri())));
    for (String sub : new String[] {"a", "a/b"}) {
      assertEquals(
          permissions(dir.resolve("hadoop").resolve(sub)),
          permissions(dir.resolve("nio").resolve(sub)),
          sub);
    }
    try (var out = ours.create(new Path(dir.resolve("nio/a/b/f.txt").toUri()))) {
      out.writeBytes("rows");
    }
    assertTrue(Files.exists(dir.resolve("nio/a/b/.f.txt.crc")), "checksum file as Hadoop's");
    assertEquals("rows", Files.readString(dir.resolve("nio/a/b/f.txt")));

    for (String mode : new String[] {"640", "750", "600", "777"}) {
      Path f = new Path(dir.resolve("nio/a/b/f.txt").toUri());
      ours.setPermission(f, new FsPermission(mode));
      assertEquals(
          new FsPermission(mode).toString(),
          permissions(dir.resolve("nio/a/b/f.txt")),
          "mode " + mode);
    }
  }

  @Test
  void theTestSessionReadsAndWritesLocalPathsThroughIt() throws Exception {
    SparkSession spark = SparkTestSession.get();
    FileSystem fs =
        FileSystem.get(java.net.URI.create("file:///"), spark.sparkContext().hadoopConfiguration());
    assertInstanceOf(NioLocalFileSystem.class, fs);
  }

  private static String permissions(java.nio.file.Path p) throws java.io.IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
