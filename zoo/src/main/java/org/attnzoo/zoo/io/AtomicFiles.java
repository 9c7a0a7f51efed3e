package org.attnzoo.zoo.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Atomic file writes: the bytes go to a hidden temporary sibling, are forced to disk, and the
 * sibling is renamed over the target, so a crash never leaves a half-written file behind the user's
 * name. Unlike a bare {@code Files.createTempFile} + move, the target keeps what the user set up:
 * an existing file's permissions are kept (not turned into 0600), a symbolic link is followed (the
 * file it points at is replaced, not the link), and errors name the user's path, not the temporary
 * file.
 */
public final class AtomicFiles {

  /** Temporary files of this class ({@code .NAME.DIGITS.tmp}) and of older versions. */
  private static final Pattern STALE = Pattern.compile("(\\..+\\.\\d+|.+\\D\\d{6,})\\.tmp");

  private AtomicFiles() {}

  /** Writes a file's content into an open channel. */
  @FunctionalInterface
  public interface Content {
    /**
     * @param channel the temporary file, opened for writing
     * @throws IOException if writing fails
     */
    void writeTo(FileChannel channel) throws IOException;
  }

  /**
   * Writes {@code file} atomically.
   *
   * @param file the target, as the user gave it
   * @param content what to write
   * @throws IOException naming {@code file} if the folder is missing or not writable, or writing
   *     fails; the previous content of {@code file} is then unchanged
   */
  public static void write(Path file, Content content) throws IOException {
    Path target = file;
    for (int hops = 0; Files.isSymbolicLink(target); hops++) {
      if (hops == 40) {
        throw new FileSystemException(file.toString(), null, "too many levels of symbolic links");
      }
      target = target.toAbsolutePath().resolveSibling(Files.readSymbolicLink(target)).normalize();
    }
    Path parent = target.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) {
      throw new NoSuchFileException(
          file.toString(), null, "the folder " + parent + " does not exist; create it first");
    }
    if (Files.isDirectory(target)) {
      throw new FileSystemException(
          file.toString(), null, "is a folder; give a file name inside it");
    }
    Path tmp =
        parent.resolve(
            "."
                + target.getFileName()
                + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        content.writeTo(ch);
        ch.force(true);
      }
      copyPermissions(target, tmp);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AccessDeniedException e) {
      IOException named =
          new AccessDeniedException(
              file.toString(),
              null,
              "cannot write here (permission denied); choose another folder");
      named.initCause(e);
      throw named;
    } catch (FileSystemException e) {
      IOException named =
          new FileSystemException(file.toString(), null, "cannot be written: " + e.getReason());
      named.initCause(e);
      throw named;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes text lines atomically, each ending in a newline, in UTF-8.
   *
   * @param file the target, as the user gave it
   * @param lines the lines
   * @throws IOException as {@link #write}
   */
  public static void writeLines(Path file, List<String> lines) throws IOException {
    StringBuilder text = new StringBuilder();
    lines.forEach(line -> text.append(line).append('\n'));
    java.nio.ByteBuffer bytes =
        java.nio.ByteBuffer.wrap(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    write(
        file,
        ch -> {
          while (bytes.hasRemaining()) {
            ch.write(bytes);
          }
        });
  }

  private static void copyPermissions(Path from, Path to) throws IOException {
    if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    PosixFileAttributeView src = Files.getFileAttributeView(from, PosixFileAttributeView.class);
    PosixFileAttributeView dst = Files.getFileAttributeView(to, PosixFileAttributeView.class);
    if (src != null && dst != null) {
      dst.setPermissions(src.readAttributes().permissions());
    }
  }

  /**
   * Deletes the temporary files that interrupted atomic writes (a {@code kill -9}, a power cut)
   * left in a folder: the hidden {@code .NAME.DIGITS.tmp} of this class, and the {@code
   * NAMEDIGITS.tmp} of {@code Files.createTempFile} that older versions used (e.g. {@code
   * last.ckpt4711….tmp}).
   *
   * @param dir a folder (nothing happens if it does not exist)
   * @return the files deleted
   * @throws IOException if the folder cannot be listed or a file cannot be deleted
   */
  public static List<Path> deleteStaleTemporaries(Path dir) throws IOException {
    List<Path> deleted = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return deleted;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
            && STALE.matcher(f.getFileName().toString()).matches()) {
          Files.delete(f);
          deleted.add(f);
        }
      }
    }
    return deleted;
  }
}
