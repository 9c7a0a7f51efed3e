package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run folder is never replaced by accident, and a resumed run keeps its dataset. */
class TrainRunFolderTest {

  @TempDir static Path tmp;
  static Path dir;

  static CliRun train(String data, String... more) {
    String[] base = {
      "train",
      "--data",
      data,
      "--epochs",
      "2",
      "--stop-after",
      "1",
      "--max-train",
      "64",
      "--batch-size",
      "32",
      "--eval-batch-size",
      "100",
      "--quiet",
      "--out",
      dir.toString()
    };
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return CliRun.of(all);
  }

  @BeforeAll
  static void oneEpoch() {
    dir = tmp.resolve("run");
    CliRun r = train("synthetic");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isRegularFile(dir.resolve("last.ckpt")));
  }

  /** Before: the run's last.ckpt, .params and metrics.csv were silently replaced. */
  @Test
  void trainingAgainWithoutResumeIsRefused() throws Exception {
    byte[] before = Files.readAllBytes(dir.resolve("last.ckpt"));
    CliRun r = train("synthetic");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("already holds a run"), r.err());
    assertTrue(r.err().contains("--resume") && r.err().contains("--overwrite"), r.err());
    assertArrayEquals(before, Files.readAllBytes(dir.resolve("last.ckpt")));
  }

  @Test
  void overwriteStartsAFreshRun() throws Exception {
    Path other = tmp.resolve("other");
    Files.createDirectories(other);
    Files.write(
        other.resolve("metrics.csv"), "old".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Path saved = dir;
    dir = other;
    try {
      assertEquals(2, train("synthetic").code());
      CliRun r = train("synthetic", "--overwrite");
      assertEquals(0, r.code(), r.err());
      assertTrue(Files.readString(other.resolve("metrics.csv")).startsWith("epoch"));
    } finally {
      dir = saved;
    }
  }

  /** Before: accepted, and the .params header then named the wrong dataset. */
  @Test
  void resumeWithAnotherDatasetIsRefused() throws Exception {
    CliRun r = train("subset", "--resume");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("was trained on"), r.err());
    assertTrue(r.err().contains("same --data"), r.err());
  }

  /** Before: temporary files of interrupted writes stayed forever. */
  @Test
  void staleTemporariesAreRemovedOnStart() throws Exception {
    Path stale = Files.write(dir.resolve("last.ckpt8412390412341234.tmp"), new byte[] {1});
    Path hidden = Files.write(dir.resolve(".metrics.csv.77123.tmp"), new byte[] {1});
    Path mine = Files.write(dir.resolve("notes.txt"), new byte[] {1});
    CliRun r = train("synthetic"); // refused, but the folder is cleaned first
    assertEquals(2, r.code());
    assertFalse(Files.exists(stale), r.err());
    assertFalse(Files.exists(hidden), r.err());
    assertTrue(Files.exists(mine));
  }
}
