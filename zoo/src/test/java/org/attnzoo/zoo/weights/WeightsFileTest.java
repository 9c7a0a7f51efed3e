package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One read of a weights file feeds every loader: the format is found from the content, and a file
 * that does not fit leaves the model it was loaded into unchanged.
 */
class WeightsFileTest {

  private static final Variant MICRO = Variants.get("vit_micro_patch4_32");

  @TempDir static Path tmp;

  private static Path params;

  @BeforeAll
  static void save() throws Exception {
    params = tmp.resolve("micro.params");
    try (Model m = AttnZoo.newModel(MICRO, Device.cpu(), null)) {
      ParamsFile.save(m.getBlock(), MICRO.name(), MICRO.config().inputShape(1), Map.of(), params);
    }
  }

  @Test
  void formatComesFromTheContentNotTheName() throws Exception {
    Path misnamed = Files.copy(params, tmp.resolve("really-params.safetensors"));
    WeightsFile file = WeightsFile.read(misnamed);
    assertEquals(WeightsFile.Format.PARAMS, file.format());
    assertEquals(MICRO.name(), file.properties().get(ParamsFile.VARIANT));
    try (Model original = AttnZoo.load(MICRO, params.toString(), Device.cpu(), null);
        Model loaded = AttnZoo.load(MICRO, misnamed.toString(), Device.cpu(), null)) {
      ParamsFileTest.assertSameParameters(original.getBlock(), loaded.getBlock());
    }
    Path safetensors = tmp.resolve("micro.safetensors");
    try (Model m = AttnZoo.load(MICRO, params.toString(), Device.cpu(), null)) {
      AttnZoo.exportSafetensors(m, MICRO, safetensors);
    }
    WeightsFile state = WeightsFile.read(safetensors);
    assertEquals(WeightsFile.Format.SAFETENSORS, state.format());
    assertTrue(state.properties().isEmpty());
  }

  /** A 5-class model's file into a 10-class model: refused, and not one parameter changed. */
  @Test
  void aFileThatDoesNotFitLeavesTheModelUnchanged() throws Exception {
    Variant five = TransferLearning.withNumClasses(MICRO, 5);
    Path fiveFile = tmp.resolve("five.params");
    try (Model m = AttnZoo.newModel(five, Device.cpu(), null)) {
      // Saved under the published name, as a fine-tuned model is.
      ParamsFile.save(m.getBlock(), MICRO.name(), MICRO.config().inputShape(1), Map.of(), fiveFile);
    }
    try (Model target = AttnZoo.newModel(MICRO, Device.cpu(), null);
        Model before = AttnZoo.newModel(MICRO, Device.cpu(), null)) {
      WeightImporter.load(
          before.getBlock(),
          WeightImporter.export(target.getBlock(), CheckpointMapper.IDENTITY),
          CheckpointMapper.IDENTITY);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> AttnZoo.loadWeights(target, MICRO, fiveFile));
      assertTrue(e.getMessage().startsWith(fiveFile.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("head.weight"), e.getMessage());
      assertTrue(e.getMessage().contains("(5, 64)"), e.getMessage());
      ParamsFileTest.assertSameParameters(before.getBlock(), target.getBlock());
    }
  }

  /** Another architecture's file that names no variant (DJL's own Model.save writes none). */
  @Test
  void anotherArchitectureIsRefusedByItsParameterCount() throws Exception {
    Variant mini = Variants.get("vit_mini_patch4_28");
    Path dir = Files.createDirectories(tmp.resolve("djl"));
    try (Model m = Model.newInstance("mini", Device.cpu())) {
      m.setBlock(mini.config().newBlock());
      m.getBlock().initialize(m.getNDManager(), DataType.FLOAT32, mini.config().inputShape(1));
      m.save(dir, "mini");
    }
    Path file = dir.resolve("mini-0000.params");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AttnZoo.load(MICRO, file.toString(), Device.cpu(), null).close());
    // 4 + 6 x 12 + 4 = 80 parameters in the mini ViT, 4 + 4 x 12 + 4 = 56 in the micro one.
    assertTrue(e.getMessage().contains("holds 80 parameters"), e.getMessage());
    assertTrue(e.getMessage().contains(MICRO.name() + " has 56"), e.getMessage());
  }

  /**
   * DJL's array encoding records the byte order of each array: a file written on a big-endian
   * machine ('>' and swapped bytes, checksum recomputed) gives the same model.
   */
  @Test
  void bigEndianArraysLoadAsTheSameValues() throws Exception {
    byte[] b = Files.readAllBytes(params);
    ByteBuffer bb = ByteBuffer.wrap(b);
    byte[] magic = "NDAR".getBytes(StandardCharsets.US_ASCII);
    int arrays = 0;
    for (int k = 0; k + 4 <= b.length; k++) {
      if (b[k] != magic[0]
          || b[k + 1] != magic[1]
          || b[k + 2] != magic[2]
          || b[k + 3] != magic[3]) {
        continue;
      }
      int i = k + 4;
      int version = bb.getInt(i);
      i += 4;
      assertEquals(3, version, "DJL 0.36 writes version 3 encodings");
      if (b[i++] == 1) {
        i += 2 + bb.getShort(i);
      }
      i += 2 + bb.getShort(i); // sparse format
      int typeLen = bb.getShort(i);
      assertEquals("FLOAT32", new String(b, i + 2, typeLen, StandardCharsets.US_ASCII));
      i += 2 + typeLen;
      i += 4 + 8 * bb.getInt(i); // rank, dimensions
      i += 4 + 2 * bb.getInt(i); // layout
      assertEquals('<', b[i]);
      b[i++] = '>';
      int length = bb.getInt(i);
      i += 4;
      for (int e = i; e < i + length; e += 4) {
        byte t = b[e];
        b[e] = b[e + 3];
        b[e + 3] = t;
        t = b[e + 1];
        b[e + 1] = b[e + 2];
        b[e + 2] = t;
      }
      arrays++;
      k = i + length - 1;
    }
    // timm's state dict of this ViT: cls_token, pos_embed, patch_embed (2), 4 blocks x 12, norm (2)
    // and head (2).
    assertEquals(56, arrays);
    reseal(b);
    Path big = tmp.resolve("big-endian.params");
    Files.write(big, b);
    try (Model original = AttnZoo.load(MICRO, params.toString(), Device.cpu(), null);
        Model swapped = AttnZoo.load(MICRO, big.toString(), Device.cpu(), null)) {
      ParamsFileTest.assertSameParameters(original.getBlock(), swapped.getBlock());
    }
  }

  private static void reseal(byte[] b) {
    byte[] key = ParamsFile.CHECKSUM.getBytes(StandardCharsets.US_ASCII);
    int at = -1;
    for (int i = 0; i + key.length <= b.length && at < 0; i++) {
      if (java.util.Arrays.equals(b, i, i + key.length, key, 0, key.length)) {
        at = i + key.length + 2; // the key, then the value's two-byte length
      }
    }
    byte[] zero = "00000000".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(zero, 0, b, at, 8);
    CRC32 crc = new CRC32();
    crc.update(b);
    byte[] hex = String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(hex, 0, b, at, 8);
  }
}
