package org.attnzoo.zoo.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.export.OnnxExporter;
import org.attnzoo.zoo.runtime.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An {@code .onnx} file is checked against the variant the user names before ONNX Runtime runs. */
class OnnxFilesTest {

  private static final String VIT = "vit_micro_patch4_32";

  @TempDir Path tmp;

  private Path export(Variant v, boolean withMetadata) throws Exception {
    Path file = tmp.resolve(v.name() + (withMetadata ? "" : "-nometa") + ".onnx");
    try (Model m = AttnZoo.newModel(v, Device.cpu(), null)) {
      OnnxMl.ModelProto p = OnnxExporter.toModel(m.getBlock(), v.config().inputShape(), v.name());
      if (!withMetadata) {
        p = p.toBuilder().clearMetadataProps().build();
      }
      Files.write(file, p.toByteArray());
    }
    return file;
  }

  @Test
  void exportStoresTheVariantAndShapes() throws Exception {
    Variant v = Variants.get(VIT);
    OnnxFiles f = OnnxFiles.read(export(v, true));
    assertEquals(VIT, f.metadata().get(OnnxExporter.VARIANT));
    assertEquals("[-1, 1, 32, 32]", Arrays.toString(f.inputs().get(OnnxExporter.INPUT)));
    try (Model ort = AttnZoo.loadOnnxRuntime(v, export(v, true).toString(), Device.cpu())) {
      assertEquals(VIT, ort.getName());
    }
  }

  /** Before the check, ONNX Runtime ran the ViT and the --variant given was silently ignored. */
  @Test
  void anotherVariantIsRefusedByNameAndByShape() throws Exception {
    Path vit = export(Variants.get(VIT), true);
    Variant swin = Variants.get("swin_micro_patch2_window4_32");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AttnZoo.loadOnnxRuntime(swin, vit.toString(), Device.cpu()).close());
    assertTrue(e.getMessage().contains("--variant " + VIT), e.getMessage());
    // A file without the name (older exports) is still checked by its input shape.
    Path old = export(Variants.get(VIT), false);
    Variant edge = Variants.get("edgenext_micro_64");
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AttnZoo.loadOnnxRuntime(edge, old.toString(), Device.cpu()).close());
    assertTrue(e.getMessage().contains("[batch, 1, 64, 64]"), e.getMessage());
  }

  @Test
  void truncatedFileGivesAClearError() throws Exception {
    Path vit = export(Variants.get(VIT), true);
    byte[] b = Files.readAllBytes(vit);
    Path cut = tmp.resolve("cut.onnx");
    Files.write(cut, Arrays.copyOf(b, b.length / 2));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AttnZoo.loadOnnxRuntime(Variants.get(VIT), cut.toString(), Device.cpu()));
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("not a valid ONNX model"), e.getMessage());
  }

  /** Before: ONNX Runtime ran a file with a flipped weight byte and wrote all-NaN output. */
  @Test
  void flippedWeightByteIsFoundByTheGraphChecksum() throws Exception {
    Path vit = export(Variants.get(VIT), true);
    byte[] b = Files.readAllBytes(vit);
    b[b.length / 2] ^= 0x40; // inside the initializers, which are most of the file
    Path flipped = tmp.resolve("flipped.onnx");
    Files.write(flipped, b);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AttnZoo.loadOnnxRuntime(Variants.get(VIT), flipped.toString(), Device.cpu()));
    assertTrue(e.getMessage().contains(flipped + " is corrupt"), e.getMessage());
  }

  /** Before: "not a valid safetensors file". */
  @Test
  void onnxOnPyTorchSaysWhichEngine() throws Exception {
    Path vit = export(Variants.get(VIT), true);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AttnZoo.load(Variants.get(VIT), vit.toString(), Device.cpu(), Engines.PYTORCH));
    assertTrue(e.getMessage().contains("--engine onnxruntime"), e.getMessage());
  }
}
