package com.customerpath.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
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
  void listingsReportThePermissionOwnerAndGroupThatHadoopsOwnFileSystemReads() throws Exception {
    java.nio.file.Path dir = SparkTestSession.tempDir("nio-fs-status");
    Files.createDirectories(dir.resolve("t/event_date=2026-06-30"));
    Files.writeString(dir.resolve("t/event_date=2026-06-30/part-0.parquet"), "rows");
    Files.writeString(dir.resolve("t/_SUCCESS"), "");
    Files.setPosixFilePermissions(
        dir.resolve("t/event_date=2026-06-30/part-0.parquet"),
        PosixFilePermissions.fromString("rw-r-----"));
    Files.setPosixFilePermissions(
        dir.resolve("t/event_date=2026-06-30"), PosixFilePermissions.fromString("rwxr-x---"));
    Configuration conf = new Configuration();
    LocalFileSystem hadoops = new LocalFileSystem();
    hadoops.initialize(java.net.URI.create("file:///"), conf);
    NioLocalFileSystem ours = new NioLocalFileSystem();
    ours.initialize(java.net.URI.create("file:///"), conf);
    // The sticky bit too (Hadoop parses it from ls -ld; NIO's permission set has no such bit).
    hadoops.setPermission(new Path(dir.resolve("t").toUri()), new FsPermission("1775"));

    // Hadoop's statuses load these lazily, forking ls -ld per status; ours carry them.
    Path root = new Path(dir.resolve("t").toUri());
    assertEquals(FileStatus.class, ours.getFileStatus(root).getClass());
    for (FileStatus s : ours.listStatus(root)) {
      assertEquals(FileStatus.class, s.getClass(), s.getPath().toString());
    }
    List<String> expected = statuses(hadoops, new Path(dir.resolve("t").toUri()));
    assertEquals(expected, statuses(ours, new Path(dir.resolve("t").toUri())));
    assertEquals(6, expected.size(), expected.toString());
    assertTrue(expected.get(0).contains("rwxrwxr-t"), expected.get(0));
    assertTrue(
        expected.stream().anyMatch(s -> s.contains("part-0.parquet 4 rw-r-----")),
        expected.toString());
  }

  /** Every status under root (itself, listStatus and listFiles), with what a caller reads of it. */
  private static List<String> statuses(FileSystem fs, Path root) throws java.io.IOException {
    List<FileStatus> all = new ArrayList<>();
    all.add(fs.getFileStatus(root));
    for (FileStatus child : fs.listStatus(root)) {
      all.add(child);
      if (child.isDirectory()) {
        all.addAll(List.of(fs.listStatus(child.getPath())));
      }
    }
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
    while (files.hasNext()) {
      all.add(files.next());
    }
    List<String> out = new ArrayList<>();
    for (FileStatus s : all) {
      out.add(
          s.getPath().getName()
              + " "
              + (s.isDirectory() ? "dir" : s.getLen())
              + " "
              + s.getPermission()
              + " "
              + s.getOwner()
              + ":"
              + s.getGroup()
              + " "
              + s.getModificationTime());
    }
    return out;
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
