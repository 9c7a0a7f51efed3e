package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnzoo export} and {@code attnzoo run --engine}: both engines agree on one input. */
class ExportCommandTest {

  @TempDir Path tmp;

  private Path weights(Variant v) throws Exception {
    Path file = tmp.resolve("w.safetensors");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportSafetensors(model, v, file);
    }
    return file;
  }

  private Path input(Shape shape) throws Exception {
    Random r = new Random(3);
    ByteBuffer b = ByteBuffer.allocate((int) shape.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < shape.size(); i++) {
      b.putFloat((float) r.nextGaussian());
    }
    b.flip();
    Path file = tmp.resolve("x.npy");
    Npy.write(new Tensor(DataType.FLOAT32, shape, b), file);
    return file;
  }

  private static float[] read(Path npy) throws Exception {
    return Npy.read(npy).toFloats();
  }

  @Test
  void exportedOnnxRunsOnOnnxRuntimeLikePyTorch() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    String w = weights(v).toString();
    Path onnx = tmp.resolve("m.onnx");
    Path x = input(v.config().inputShape(8));
    assertEquals(
        0,
        AttnZooCli.execute(
            "export",
            "--variant",
            v.name(),
            "--weights",
            w,
            "--format",
            "onnx",
            "--output",
            onnx.toString()));
    assertTrue(Files.size(onnx) > 0);
    Path pt = tmp.resolve("pt.npy");
    Path ort = tmp.resolve("ort.npy");
    Path fly = tmp.resolve("fly.npy");
    String[] common = {"run", "--variant", v.name(), "--input", x.toString()};
    assertEquals(0, run(common, "--weights", w, "--engine", "pytorch", "--output", pt.toString()));
    assertEquals(
        0,
        run(
            common,
            "--weights",
            onnx.toString(),
            "--engine",
            "onnxruntime",
            "--output",
            ort.toString()));
    // Weights instead of an .onnx file: exported on the fly.
    assertEquals(
        0, run(common, "--weights", w, "--engine", "onnxruntime", "--output", fly.toString()));
    float[] a = read(pt);
    float[] b = read(ort);
    assertEquals(8 * 10, a.length);
    double err = 0;
    for (int i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i] - b[i]));
    }
    System.out.printf(
        "cli run vit_micro_patch4_32 batch 8: max abs pytorch vs onnxruntime %.3g%n", err);
    assertTrue(err < 1e-4, "max abs " + err);
    assertArrayEquals(b, read(fly));
  }

  @Test
  void safetensorsExportReloadsToTheSameOutput() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    String w = weights(v).toString();
    Path again = tmp.resolve("again.safetensors");
    assertEquals(
        0,
        AttnZooCli.execute(
            "export",
            "--variant",
            v.name(),
            "--weights",
            w,
            "--format",
            "safetensors",
            "--output",
            again.toString()));
    Path x = input(v.config().inputShape(1));
    Path a = tmp.resolve("a.npy");
    Path b = tmp.resolve("b.npy");
    String[] common = {
      "run", "--variant", v.name(), "--input", x.toString(), "--engine", "pytorch"
    };
    assertEquals(0, run(common, "--weights", w, "--output", a.toString()));
    assertEquals(0, run(common, "--weights", again.toString(), "--output", b.toString()));
    assertArrayEquals(read(a), read(b));
  }

  @Test
  void badChoicesAreUsageErrors() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    String w = weights(v).toString();
    String out = tmp.resolve("o").toString();
    assertEquals(
        2,
        AttnZooCli.execute(
            "export",
            "--variant",
            v.name(),
            "--weights",
            w,
            "--format",
            "tflite",
            "--output",
            out));
    Path x = input(v.config().inputShape(1));
    assertEquals(
        2,
        AttnZooCli.execute(
            "run",
            "--variant",
            v.name(),
            "--weights",
            w,
            "--input",
            x.toString(),
            "--output",
            out,
            "--engine",
            "tensorrt"));
  }

  private static int run(String[] common, String... more) {
    String[] args = new String[common.length + more.length];
    System.arraycopy(common, 0, args, 0, common.length);
    System.arraycopy(more, 0, args, common.length, more.length);
    return AttnZooCli.execute(args);
  }
}
