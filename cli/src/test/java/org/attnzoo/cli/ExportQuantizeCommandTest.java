package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.export.OnnxFloat16;
import org.attnzoo.zoo.export.OnnxQuantizer;
import org.attnzoo.zoo.io.OnnxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnzoo export --quantize int8} and {@code --precision fp16}: the shipped model as a
 * smaller ONNX file.
 */
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

  /**
   * {@code --precision fp16}: the float16 file runs on ONNX Runtime's CPU provider for this model
   * and agrees with the float32 export within 1% of the largest logit (float16 keeps 11 significant
   * bits: about 5e-4 relative per rounding, accumulated over the network's layers).
   */
  @Test
  void shippedModelExportsAsFloat16AndRunsOnCpu() throws Exception {
    Path f32 = tmp.resolve("f32.onnx");
    Path f16 = tmp.resolve("fp16.onnx");
    String[] common = {"export", "--dataset", "fashion-mnist", "--variant", "vit_micro_patch4_32"};
    assertEquals(0, CliRun.of(concat(common, "--output", f32.toString())).code());
    CliRun run = CliRun.of(concat(common, "--precision", "fp16", "--output", f16.toString()));
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("onnx fp16"), run.out());
    assertEquals("fp16", OnnxFiles.read(f16).metadata().get(OnnxFloat16.PRECISION));
    assertTrue(Files.size(f16) < 0.6 * Files.size(f32), Files.size(f16) + " vs " + Files.size(f32));
    Variant v = Variants.get("vit_micro_patch4_32");
    int batch = 16;
    float[] x = new float[batch * (int) v.config().inputShape().size()];
    Random r = new Random(16);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] a = ort(v, f32, x, batch);
    float[] b = ort(v, f16, x, batch);
    double max = 0;
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i]));
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertTrue(worst <= 0.01 * max, "fp16 vs fp32: max |diff| " + worst + ", max |logit| " + max);
  }

  private static float[] ort(Variant v, Path onnx, float[] x, int batch) throws Exception {
    try (Model m = AttnZoo.loadOnnxRuntime(v, onnx.toString(), Device.cpu());
        Predictor<NDList, NDList> p = m.newPredictor(new NoopTranslator());
        NDManager nd = NDManager.newBaseManager(Device.cpu(), "OnnxRuntime")) {
      return p.predict(new NDList(nd.create(x, v.config().inputShape(batch))))
          .head()
          .toFloatArray();
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
    CliRun both =
        CliRun.of(
            "export",
            "--dataset",
            "fashion-mnist",
            "--quantize",
            "int8",
            "--precision",
            "fp16",
            "--output",
            "" + out);
    assertNotEquals(0, both.code());
    assertTrue(both.err().contains("exclude each other"), both.err());
    CliRun precision =
        CliRun.of(
            "export", "--dataset", "fashion-mnist", "--precision", "fp8", "--output", "" + out);
    assertNotEquals(0, precision.code());
    assertTrue(precision.err().contains("expected fp32 or fp16"), precision.err());
    assertFalse(Files.exists(out));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
