package com.customerpath.common.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file://}) with permissions set through Java NIO. Without the
 * native Hadoop library (which Maven Central does not ship), {@link RawLocalFileSystem} forks a
 * {@code chmod} process for every directory it creates: a write partitioned by event date creates
 * hundreds (task attempt, commit and staging directories), and the forks cost more than writing the
 * rows. Reading permissions is the same: every {@code FileStatus} it lists asks {@code ls -ld} for
 * its permission, owner and group as soon as anyone reads them, and {@code FileSystem.listFiles}
 * does for every file (its {@code LocatedFileStatus} copies them): a listing of a table partitioned
 * by event date forked some 700 processes, about 4 s a night. Here statuses carry the permission,
 * owner and group read through NIO (one system call). Set as {@code spark.hadoop.fs.file.impl} by
 * embedded runs; files, checksums and permissions are as Hadoop's own.
 */
public class NioLocalFileSystem extends LocalFileSystem {
  public NioLocalFileSystem() {
    super(new Raw());
  }

  /** The raw (checksum-less) file system underneath, with the NIO {@link #setPermission}. */
  public static class Raw extends RawLocalFileSystem {
    private static final PosixFilePermission[] BITS = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      if (permission.getStickyBit()) { // NIO cannot set it: Hadoop's own way
        super.setPermission(p, permission);
        return;
      }
      try {
        Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission.toShort()));
      } catch (UnsupportedOperationException notPosix) { // e.g. Windows
        super.setPermission(p, permission);
      }
    }

    @Override
    public FileStatus getFileStatus(Path p) throws IOException {
      return withPermissions(super.getFileStatus(p));
    }

    @Override
    public FileStatus[] listStatus(Path p) throws IOException {
      FileStatus[] statuses = super.listStatus(p);
      for (int i = 0; i < statuses.length; i++) {
        statuses[i] = withPermissions(statuses[i]);
      }
      return statuses;
    }

    /** The status with its permission, owner and group filled in (Hadoop's loads them lazily). */
    private FileStatus withPermissions(FileStatus s) {
      try {
        Map<String, Object> a =
            Files.readAttributes(pathToFile(s.getPath()).toPath(), "unix:mode,owner,group");
        // The permission bits and the sticky bit, as Hadoop parses them from ls -ld.
        short mode = (short) (((Integer) a.get("mode")) & 01777);
        return new FileStatus(
            s.getLen(),
            s.isDirectory(),
            s.getReplication(),
            s.getBlockSize(),
            s.getModificationTime(),
            s.getAccessTime(),
            new FsPermission(mode),
            ((UserPrincipal) a.get("owner")).getName(),
            ((GroupPrincipal) a.get("group")).getName(),
            s.getPath());
      } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
        return s; // no unix attributes (e.g. Windows) or the file is gone: Hadoop's own status
      }
    }

    static Set<PosixFilePermission> posix(short mode) {
      Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
      for (int bit = 0; bit < BITS.length; bit++) {
        if ((mode & (1 << bit)) != 0) {
          set.add(BITS[bit]);
        }
      }
      return set;
    }
  }
}
