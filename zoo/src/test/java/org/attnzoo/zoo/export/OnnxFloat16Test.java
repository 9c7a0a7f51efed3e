package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import ai.onnx.proto.OnnxMl;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.OnnxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The float16 conversion of exported models, for GPU deployment, checked on ORT's CPU provider. */
class OnnxFloat16Test {

  /**
   * Allowed max abs error of the float16 model against the float32 PyTorch engine, relative to the
   * largest output: float16 keeps 11 significant bits (a relative rounding of 4.9e-4 per value),
   * and the error grows with depth; full-size variants measure 1e-3 to 1.3e-3 (src/docs/export.md).
   */
  private static final double RELATIVE_TOLERANCE = 1e-2;

  @TempDir Path tmp;

  /** Bit patterns from numpy ({@code np.float32(v).astype(np.float16).view(np.uint16)}). */
  @Test
  void halfBitsRoundToNearestEvenAsNumpy() {
    float[] values = {
      0f,
      -0f,
      1f,
      -2f,
      0.1f,
      1f / 3,
      65504f,
      65519f,
      65520f,
      0x1p-24f,
      0x1p-25f,
      3 * 0x1p-25f,
      0x1p-26f,
      6.103515625e-05f,
      1 + 0x1p-11f,
      1 + 3 * 0x1p-11f,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      1e-8f
    };
    int[] numpy = {
      0x0, 0x8000, 0x3c00, 0xc000, 0x2e66, 0x3555, 0x7bff, 0x7bff, 0x7c00, 0x1, 0x0, 0x2, 0x0,
      0x400, 0x3c00, 0x3c02, 0x7c00, 0xfc00, 0x0
    };
    for (int i = 0; i < values.length; i++) {
      assertEquals(
          numpy[i], OnnxFloat16.halfBits(values[i]) & 0xffff, "float16 bits of " + values[i]);
    }
    assertEquals(0x7e00, OnnxFloat16.halfBits(Float.NaN) & 0xffff, "NaN stays NaN");
  }

  @Test
  void tinyEpsStaysNonZeroAndLargeFiniteValuesStayFinite() {
    assertEquals(0x1, OnnxFloat16.halfBits(OnnxFloat16.clamp(1e-12f)));
    assertEquals(0x8001, OnnxFloat16.halfBits(OnnxFloat16.clamp(-1e-12f)) & 0xffff);
    assertEquals(0x7bff, OnnxFloat16.halfBits(OnnxFloat16.clamp(1e6f)));
    assertEquals(0x7c00, OnnxFloat16.halfBits(OnnxFloat16.clamp(Float.POSITIVE_INFINITY)));
    assertEquals(0, OnnxFloat16.halfBits(OnnxFloat16.clamp(0f)));
  }

  private static float[] random(long n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[Math.toIntExact(n)];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  /**
   * The float16 file loads by variant name through the same path as the float32 one (float32 input
   * and output, checksum, metadata), and agrees with the float32 PyTorch engine at batch 1 and 8.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "vit_micro_patch4_32",
        "swin_micro_patch2_window4_32",
        "edgenext_micro_64",
        "efficientvit_micro_32",
        "conv2former_micro_32"
      })
  void float16ModelMatchesFloat32PyTorch(String name) throws Exception {
    Variant v = Variants.get(name);
    Path fp32 = tmp.resolve(name + ".onnx");
    Path fp16 = tmp.resolve(name + ".fp16.onnx");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportOnnx(model, v, fp32);
      OnnxFloat16.convertFile(fp32, fp16);
      assertTrue(Files.size(fp16) < 0.6 * Files.size(fp32), "float16 weights halve the file");
      try (Model ort = AttnZoo.loadOnnxRuntime(v, fp16.toString(), Device.cpu())) {
        for (int batch : new int[] {1, 8}) {
          Shape shape = new Shape(batch).addAll(v.config().inputShape());
          float[] x = random(shape.size(), 11 + batch);
          float[] want;
          float[] got;
          try (NDManager m = model.getNDManager().newSubManager()) {
            want =
                model
                    .getBlock()
                    .forward(new ParameterStore(m, false), new NDList(m.create(x, shape)), false)
                    .singletonOrThrow()
                    .toFloatArray();
          }
          try (Predictor<NDList, NDList> p = ort.newPredictor(new NoopTranslator());
              NDManager m = ort.getNDManager().newSubManager()) {
            got = p.predict(new NDList(m.create(x, shape))).singletonOrThrow().toFloatArray();
          }
          double err = 0;
          double scale = 0;
          for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs((double) want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
          }
          System.out.printf(
              "fp16 %s batch %d: max abs vs float32 PyTorch %.3g (max |output| %.3g)%n",
              name, batch, err, scale);
          assertTrue(Double.isFinite(err), name + ": non-finite float16 output");
          assertTrue(
              err <= RELATIVE_TOLERANCE * scale,
              name + " batch " + batch + ": max abs " + err + " for max |output| " + scale);
        }
      }
    }
  }

  @Test
  void graphIsFloat16InsideWithFloat32InputAndOutput() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    OnnxMl.ModelProto fp32;
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      fp32 = OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), v.name());
    }
    OnnxMl.ModelProto half = OnnxFloat16.toFloat16(fp32);
    OnnxMl.GraphProto g = half.getGraph();
    int float32 = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
    assertEquals(float32, g.getInput(0).getType().getTensorType().getElemType());
    assertEquals(float32, g.getOutput(0).getType().getTensorType().getElemType());
    assertEquals(fp32.getGraph().getInitializerCount(), g.getInitializerCount());
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      assertTrue(t.getDataType() != float32, "initializer " + t.getName() + " is still float32");
    }
    assertEquals("Cast", g.getNode(0).getOpType());
    assertEquals(OnnxExporter.INPUT, g.getNode(0).getInput(0));
    assertEquals("Cast", g.getNode(g.getNodeCount() - 1).getOpType());
    assertEquals(OnnxExporter.OUTPUT, g.getNode(g.getNodeCount() - 1).getOutput(0));
    assertTrue(
        half.getMetadataPropsList().stream()
            .anyMatch(
                p ->
                    p.getKey().equals(OnnxFloat16.PRECISION)
                        && p.getValue().equals(OnnxFloat16.FP16)));
    assertEquals(
        OnnxFiles.graphChecksum(g).getValue(),
        half.getMetadataPropsList().stream()
            .filter(p -> p.getKey().equals(OnnxFiles.GRAPH_CRC32))
            .findFirst()
            .orElseThrow()
            .getValue(),
        "the checksum is that of the float16 graph");
  }

  @Test
  void convertedModelsAreRefusedWithTheReason() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    OnnxMl.ModelProto fp32;
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      fp32 = OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), v.name());
    }
    OnnxMl.ModelProto half = OnnxFloat16.toFloat16(fp32);
    var twice = assertThrows(IllegalArgumentException.class, () -> OnnxFloat16.toFloat16(half));
    assertTrue(twice.getMessage().contains("attnzoo.precision = fp16"), twice.getMessage());
    OnnxMl.ModelProto int8 = OnnxQuantizer.quantizeDynamicInt8(fp32);
    var quantised = assertThrows(IllegalArgumentException.class, () -> OnnxFloat16.toFloat16(int8));
    assertTrue(quantised.getMessage().contains(OnnxQuantizer.QUANTIZATION), quantised.getMessage());
    Path file = tmp.resolve("m.onnx");
    try (var out = Files.newOutputStream(file)) {
      fp32.writeTo(out);
    }
    var same =
        assertThrows(IllegalArgumentException.class, () -> OnnxFloat16.convertFile(file, file));
    assertTrue(same.getMessage().contains("another file"), same.getMessage());
    try (InputStream in = Files.newInputStream(file)) {
      assertEquals(fp32, OnnxMl.ModelProto.parseFrom(in), "the source is left unchanged");
    }
  }
}
