package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CRC-32 of {@code .params} files: damage is refused, old files and DJL still read them. */
class ParamsFileTest {

  private static final String MICRO = "vit_micro_patch4_32";

  @TempDir Path tmp;

  private Path save(Variant v, Model model) throws Exception {
    Path file = tmp.resolve("m.params");
    ParamsFile.save(
        model.getBlock(), v.name(), v.config().inputShape(1), Map.of("dataset", "x"), file);
    return file;
  }

  @Test
  void sixtyFourFlippedBytesAreRefused() throws Exception {
    Variant v = Variants.get(MICRO);
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      Path file = save(v, model);
      byte[] bytes = Files.readAllBytes(file);
      // 64 bytes inside the parameters (past the header): before the checksum this loaded and
      // changed the model's answers.
      Random r = new Random(7);
      int headerEnd = 400;
      for (int i = 0; i < 64; i++) {
        int at = headerEnd + r.nextInt(bytes.length - headerEnd);
        bytes[at] ^= (byte) (1 + r.nextInt(255));
      }
      Path bad = tmp.resolve("bad.params");
      Files.write(bad, bytes);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> AttnZoo.load(v, bad.toString(), Device.cpu(), null).close());
      assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
      // The intact file loads, with its checksum among the properties.
      assertEquals(8, ParamsFile.properties(file).get(ParamsFile.CHECKSUM).length());
      AttnZoo.load(v, file.toString(), Device.cpu(), null).close();
    }
  }

  @Test
  void filesWithoutChecksumStillLoad() throws Exception {
    Variant v = Variants.get(MICRO);
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      // The layout older attnzoo versions wrote: no checksum property.
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream dos = new DataOutputStream(bytes);
      dos.writeBytes("DJL@");
      dos.writeInt(1);
      dos.writeUTF(MICRO);
      dos.writeUTF(DataType.FLOAT32.name());
      dos.writeInt(1);
      dos.writeUTF("image");
      dos.write(v.config().inputShape(1).getEncoded());
      dos.writeInt(1);
      dos.writeUTF(ParamsFile.VARIANT);
      dos.writeUTF(MICRO);
      model.getBlock().saveParameters(dos);
      dos.flush();
      Path old = tmp.resolve("old.params");
      Files.write(old, bytes.toByteArray());
      try (Model loaded = AttnZoo.load(v, old.toString(), Device.cpu(), null)) {
        assertSameParameters(model.getBlock(), loaded.getBlock());
      }
    }
  }

  @Test
  void djlModelLoadReadsChecksummedFiles() throws Exception {
    Variant v = Variants.get(MICRO);
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      Path dir = Files.createDirectories(tmp.resolve("djl"));
      ParamsFile.save(
          model.getBlock(),
          v.name(),
          v.config().inputShape(1),
          Map.of(),
          dir.resolve("m-0000.params"));
      try (Model plain = Model.newInstance("m", Device.cpu())) {
        plain.setBlock(v.config().newBlock());
        plain.load(dir, "m");
        assertSameParameters(model.getBlock(), plain.getBlock());
      }
      // And attnzoo's own reader reads a file loaded from a stream (the zoo's shipped weights).
      try (Model m2 = AttnZoo.newModel(v, Device.cpu(), null);
          InputStream in = Files.newInputStream(dir.resolve("m-0000.params"))) {
        ParamsFile.load(m2.getNDManager(), m2.getBlock(), v.name(), in, "m.params");
        assertSameParameters(model.getBlock(), m2.getBlock());
      }
    }
  }

  /** The weights shipped in the jar were given their checksum too: no warning when used. */
  @Test
  void shippedWeightsCarryAVerifiedChecksum() throws Exception {
    for (ShippedModels.Shipped s : ShippedModels.all()) {
      Path file = tmp.resolve(s.variant() + ".params");
      try (InputStream in = ParamsFileTest.class.getResourceAsStream(s.resource())) {
        Files.copy(in, file);
      }
      assertEquals(8, ParamsFile.properties(file).get(ParamsFile.CHECKSUM).length(), s.resource());
      AttnZoo.load(Variants.get(s.variant()), file.toString(), Device.cpu(), null).close();
    }
  }

  @Test
  void overwritingKeepsPermissionsAndSymlinks() throws Exception {
    Variant v = Variants.get(MICRO);
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      Path real = tmp.resolve("real.params");
      Files.write(real, new byte[] {1});
      Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-r--r--");
      Files.setPosixFilePermissions(real, perms);
      Path link = Files.createSymbolicLink(tmp.resolve("link.params"), real.getFileName());
      ParamsFile.save(model.getBlock(), v.name(), v.config().inputShape(1), Map.of(), link);
      assertTrue(Files.isSymbolicLink(link), "the link must stay a link");
      assertEquals(perms, Files.getPosixFilePermissions(real));
      assertEquals(MICRO, ParamsFile.properties(real).get(ParamsFile.VARIANT));
    }
  }

  static void assertSameParameters(Block a, Block b) {
    Map<String, Tensor> x = WeightImporter.export(a, CheckpointMapper.IDENTITY);
    Map<String, Tensor> y = WeightImporter.export(b, CheckpointMapper.IDENTITY);
    assertEquals(x.keySet(), y.keySet());
    for (String k : x.keySet()) {
      assertArrayEquals(x.get(k).toFloats(), y.get(k).toFloats(), k);
    }
  }
}
