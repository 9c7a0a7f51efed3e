package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes and corruption detection of {@link Checkpoint}. */
class CheckpointTest {

  @TempDir Path dir;

  private static Checkpoint checkpoint(int epoch, float value) {
    ByteBuffer b = ByteBuffer.allocate(4 * 1000).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 1000; i++) {
      b.putFloat(value + i);
    }
    b.flip();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("model/w", new Tensor(DataType.FLOAT32, new Shape(10, 100), b));
    return new Checkpoint(
        new Checkpoint.Meta(
            "v",
            "d",
            TrainConfig.defaults(),
            epoch,
            epoch * 10L,
            epoch * 10L,
            new Checkpoint.RngState(42, epoch, epoch * 10L),
            List.of(),
            null),
        tensors);
  }

  @Test
  void roundTrip() throws IOException {
    Path file = dir.resolve("last.ckpt");
    checkpoint(3, 1.5f).save(file);
    Checkpoint c = Checkpoint.load(file);
    assertEquals(3, c.meta().epochsDone());
    assertEquals(30L, c.meta().rng().nextStep());
    assertEquals(TrainConfig.defaults(), c.meta().config());
    assertArrayEquals(
        checkpoint(3, 1.5f).tensors().get("model/w").toFloats(),
        c.tensors().get("model/w").toFloats());
  }

  @Test
  void crashMidWriteLeavesThePreviousCheckpoint() throws IOException {
    Path file = dir.resolve("last.ckpt");
    checkpoint(1, 0f).save(file);
    byte[] before = Files.readAllBytes(file);
    IOException crash =
        assertThrows(
            IOException.class,
            () -> checkpoint(2, 9f).save(file, out -> new CrashingStream(out, 2000)));
    assertTrue(crash.getMessage().contains("simulated crash"));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(1, Checkpoint.load(file).meta().epochsDone());
    try (var files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left behind");
    }
  }

  @Test
  void corruptCheckpointGivesAClearError() throws IOException {
    Path file = dir.resolve("last.ckpt");
    checkpoint(1, 0f).save(file);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    Files.write(file, new byte[] {1, 2, 3});
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().contains("not an attnzoo checkpoint"), e.getMessage());
  }

  /** Fails after a number of bytes, as a process killed mid-write would stop. */
  private static final class CrashingStream extends FilterOutputStream {
    private long left;

    CrashingStream(OutputStream out, long bytes) {
      super(out);
      this.left = bytes;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > left) {
        out.write(b, off, (int) left);
        throw new IOException("simulated crash");
      }
      left -= len;
      out.write(b, off, len);
    }
  }
}
