package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} during checkpoint writes: another JVM writes {@code last.ckpt} over and over and
 * is killed at random moments; each time the checkpoint must load (the previous complete one), and
 * the temporary files the kill left behind are removed as {@code attnzoo train} does on start.
 */
class CheckpointKillTest {

  @TempDir Path dir;

  /** The writer: saves 4 MB checkpoints with increasing epochs until killed. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    ByteBuffer b = ByteBuffer.allocate(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
    for (int epoch = 1; ; epoch++) {
      b.clear();
      while (b.hasRemaining()) {
        b.putFloat(epoch);
      }
      b.flip();
      new Checkpoint(
              new Checkpoint.Meta(
                  "v",
                  "d",
                  TrainConfig.defaults(),
                  epoch,
                  epoch,
                  epoch,
                  new Checkpoint.RngState(1, epoch, epoch),
                  List.of(),
                  null),
              Map.of("model/w", new Tensor(DataType.FLOAT32, new Shape(1 << 20), b)))
          .save(file);
    }
  }

  private static boolean newerThan(Path file, int epoch) {
    try {
      return Files.exists(file) && Checkpoint.load(file).meta().epochsDone() > epoch;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void killedWritesNeverCorruptTheCheckpoint() throws Exception {
    Path file = dir.resolve("last.ckpt");
    Random r = new Random(9);
    int kills = Boolean.getBoolean("attnzoo.soak") ? 50 : 5;
    int lastEpoch = 0;
    int midWrite = 0;
    for (int k = 0; k < kills; k++) {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  CheckpointKillTest.class.getName(),
                  file.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("writer.log").toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      // Kill only once this writer has completed a checkpoint, so that progress is visible.
      while (!newerThan(file, lastEpoch) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(r.nextInt(400));
      p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
      p.waitFor();
      Checkpoint c = Checkpoint.load(file);
      int epoch = c.meta().epochsDone();
      assertTrue(epoch > lastEpoch, "kill " + k + ": epoch " + epoch + " after " + lastEpoch);
      float[] w = c.tensors().get("model/w").toFloats();
      assertEquals(epoch, w[w.length - 1], "kill " + k + ": the data is the header's epoch's");
      lastEpoch = epoch;
      midWrite += AtomicFiles.deleteStaleTemporaries(dir).isEmpty() ? 0 : 1;
      try (Stream<Path> left = Files.list(dir)) {
        assertEquals(
            List.of("last.ckpt", "writer.log"),
            left.map(f -> f.getFileName().toString()).sorted().toList());
      }
    }
    System.out.printf(
        "%d kills, %d during a write (temporary file left and removed)%n", kills, midWrite);
  }
}
