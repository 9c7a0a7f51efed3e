package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint whose checksum is valid but whose content was not written by attnzoo. */
class CheckpointCraftedTest {

  @TempDir Path dir;

  static Checkpoint small() {
    ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    return new Checkpoint(
        new Checkpoint.Meta(
            "v",
            "d",
            TrainConfig.defaults(),
            1,
            10L,
            10L,
            new Checkpoint.RngState(42, 1, 10L),
            List.of(),
            null),
        Map.of("model/w", new Tensor(DataType.FLOAT32, new Shape(10), b)));
  }

  /** Rewrites the CRC-32 tail so that the checksum passes. */
  static void reseal(byte[] all) {
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    ByteBuffer.wrap(all, all.length - 8, 8).putLong(crc.getValue());
  }

  /** Before: a NegativeArraySizeException whose whole message, "-5", was all the user saw. */
  @Test
  void negativeByteCountGivesASentence() throws Exception {
    Path file = dir.resolve("last.ckpt");
    small().save(file);
    byte[] all = Files.readAllBytes(file);
    // The byte count of the only tensor sits just before its 40 data bytes.
    ByteBuffer.wrap(all, all.length - 8 - 40 - 4, 4).putInt(-5);
    reseal(all);
    Files.write(file, all);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("byte count of tensor 'model/w' -5"), e.getMessage());
  }

  @Test
  void hugeHeaderLengthAndUnknownTypeGiveSentences() throws Exception {
    Path file = dir.resolve("last.ckpt");
    small().save(file);
    byte[] good = Files.readAllBytes(file);
    byte[] all = good.clone();
    ByteBuffer.wrap(all, 8, 4).putInt(Integer.MAX_VALUE);
    reseal(all);
    Files.write(file, all);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().contains("header length"), e.getMessage());

    all = good.clone();
    String text = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf("FLOAT32");
    all[at] = 'X';
    reseal(all);
    Files.write(file, all);
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().contains("XLOAT32"), e.getMessage());
  }
}
