package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.attnzoo.zoo.export.OnnxQuantizer;
import org.attnzoo.zoo.io.OnnxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnzoo export --quantize int8}: the shipped model as a smaller, quantised ONNX file. */
class ExportQuantizeCommandTest {

  @TempDir Path tmp;

  @Test
  void shippedModelExportsAsInt8() throws Exception {
    Path f32 = tmp.resolve("f32.onnx");
    Path i8 = tmp.resolve("int8.onnx");
    String[] common = {"export", "--dataset", "fashion-mnist", "--variant", "vit_micro_patch4_32"};
    assertEquals(0, CliRun.of(concat(common, "--output", f32.toString())).code());
    CliRun run = CliRun.of(concat(common, "--quantize", "int8", "--output", i8.toString()));
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("onnx int8"), run.out());
    // The written file passes attnzoo's own reader (graph checksum) and says what it holds.
    OnnxFiles meta = OnnxFiles.read(i8);
    assertEquals(OnnxQuantizer.DYNAMIC_INT8, meta.metadata().get(OnnxQuantizer.QUANTIZATION));
    assertFalse(OnnxFiles.read(f32).metadata().containsKey(OnnxQuantizer.QUANTIZATION));
    assertTrue(Files.size(i8) < Files.size(f32) / 2, Files.size(i8) + " vs " + Files.size(f32));
    // No temporary float file is left beside the output.
    try (var files = Files.list(tmp)) {
      assertEquals(2, files.count());
    }
  }

  @Test
  void badQuantizeOptionsSayWhatIsExpected() {
    Path out = tmp.resolve("x.onnx");
    CliRun unknown =
        CliRun.of(
            "export", "--dataset", "fashion-mnist", "--quantize", "int4", "--output", "" + out);
    assertNotEquals(0, unknown.code());
    assertTrue(unknown.err().contains("expected int8"), unknown.err());
    CliRun format =
        CliRun.of(
            "export",
            "--dataset",
            "fashion-mnist",
            "--format",
            "safetensors",
            "--quantize",
            "int8",
            "--output",
            "" + out);
    assertNotEquals(0, format.code());
    assertTrue(format.err().contains("expected onnx"), format.err());
    assertFalse(Files.exists(out));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
