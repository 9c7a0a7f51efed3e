package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.OnnxFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file round trip both passes share ({@link OnnxQuantizer#quantizeFile}, {@link
 * OnnxFloat16#convertFile}): a refused or damaged source leaves no file behind, and a written one
 * keeps the source's metadata and carries a checksum that {@link OnnxFiles#read} verifies.
 */
class OnnxRewriteTest {

  /** A pass over files, as the CLI calls both. */
  @FunctionalInterface
  interface FilePass {
    void apply(Path source, Path target) throws Exception;
  }

  private static final Map<String, FilePass> PASSES =
      Map.of("int8", OnnxQuantizer::quantizeFile, "fp16", OnnxFloat16::convertFile);

  @TempDir Path tmp;

  /** A float32 export of the smallest ViT, as {@code attnzoo export --format onnx} writes it. */
  private static byte[] exported;

  @BeforeAll
  static void export(@TempDir Path dir) throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    Path file = dir.resolve("vit.onnx");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportOnnx(model, v, file);
    }
    exported = Files.readAllBytes(file);
  }

  private Path write(String name, byte[] bytes) throws Exception {
    return Files.write(tmp.resolve(name), bytes);
  }

  private List<Path> files() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.sorted().toList();
    }
  }

  @Test
  void writtenModelKeepsMetadataAndItsChecksumVerifies() throws Exception {
    Path source = write("m.onnx", exported);
    OnnxMl.ModelProto original = OnnxMl.ModelProto.parseFrom(exported);
    Map<String, String> added =
        Map.of(
            "int8", OnnxQuantizer.QUANTIZATION + "=" + OnnxQuantizer.DYNAMIC_INT8,
            "fp16", OnnxFloat16.PRECISION + "=" + OnnxFloat16.FP16);
    for (Map.Entry<String, FilePass> pass : PASSES.entrySet()) {
      Path target = tmp.resolve(pass.getKey() + ".onnx");
      pass.getValue().apply(source, target);
      // OnnxFiles.read recomputes the CRC of the graph as stored: a stale checksum fails here.
      Map<String, String> meta = OnnxFiles.read(target).metadata();
      assertEquals("vit_micro_patch4_32", meta.get(OnnxExporter.VARIANT), pass.getKey());
      String[] kv = added.get(pass.getKey()).split("=");
      assertEquals(kv[1], meta.get(kv[0]), pass.getKey());
      OnnxMl.ModelProto out = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(target));
      long checksums =
          out.getMetadataPropsList().stream()
              .filter(p -> p.getKey().equals(OnnxFiles.GRAPH_CRC32))
              .count();
      assertEquals(1, checksums, pass.getKey() + ": " + out.getMetadataPropsList());
      assertFalse(
          out.getGraph().equals(original.getGraph()), pass.getKey() + ": the graph is converted");
    }
  }

  @Test
  void damagedSourceIsNamedAndNothingIsWritten() throws Exception {
    Path source = write("cut.onnx", Arrays.copyOf(exported, exported.length / 2));
    for (Map.Entry<String, FilePass> pass : PASSES.entrySet()) {
      Path target = tmp.resolve(pass.getKey() + ".onnx");
      var e =
          assertThrows(IllegalArgumentException.class, () -> pass.getValue().apply(source, target));
      assertTrue(e.getMessage().contains(source.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("not a valid ONNX model"), e.getMessage());
      assertEquals(List.of(source), files(), pass.getKey() + ": no file and no temporary");
    }
  }

  @Test
  void refusedModelWritesNothingAndKeepsAnOldTarget() throws Exception {
    OnnxMl.ModelProto quantized =
        OnnxQuantizer.quantizeDynamicInt8(OnnxMl.ModelProto.parseFrom(exported));
    Path source = write("int8-source.onnx", quantized.toByteArray());
    byte[] old = {1, 2, 3};
    for (Map.Entry<String, FilePass> pass : PASSES.entrySet()) {
      Path target = write(pass.getKey() + ".onnx", old);
      var e =
          assertThrows(IllegalArgumentException.class, () -> pass.getValue().apply(source, target));
      assertTrue(e.getMessage().contains("already converted"), e.getMessage());
      assertArrayEquals(old, Files.readAllBytes(target), pass.getKey());
    }
    assertEquals(3, files().size(), files().toString());
  }

  @Test
  void targetMustNotBeTheSource() throws Exception {
    Path source = write("m.onnx", exported);
    // The same file under another spelling.
    Path same = tmp.resolve("sub").resolve("..").resolve("m.onnx");
    for (Map.Entry<String, FilePass> pass : PASSES.entrySet()) {
      var e =
          assertThrows(IllegalArgumentException.class, () -> pass.getValue().apply(source, same));
      assertTrue(e.getMessage().contains("another file"), e.getMessage());
      assertArrayEquals(exported, Files.readAllBytes(source), pass.getKey() + ": source unchanged");
    }
  }
}
