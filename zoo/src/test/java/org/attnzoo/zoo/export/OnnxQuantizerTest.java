package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import ai.onnx.proto.OnnxMl;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.OnnxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic int8 quantisation of exported models: the weight arithmetic against values worked by
 * hand, the rewritten graph, and every shipped model run on ONNX Runtime, float against int8.
 */
class OnnxQuantizerTest {

  @TempDir Path tmp;

  /** Worked by hand: column scale = max |w| / 127, values rounded half to even. */
  @Test
  void weightsAreSymmetricPerOutputChannel() {
    // [K=3, N=2]: column 0 is {0.5, -1.0, 0.25}, column 1 is {0, 0, 0}.
    float[] w = {0.5f, 0f, -1.0f, 0f, 0.25f, 0f};
    OnnxQuantizerWeights q = OnnxQuantizerWeights.quantize(w, 3, 2);
    assertEquals(1.0f / 127, q.scales()[0], 1e-9f);
    assertEquals(1.0f, q.scales()[1]); // an all-zero column
    // 0.5 * 127 = 63.5 -> 64 (half to even), -1 -> -127, 0.25 * 127 = 31.75 -> 32.
    assertArrayEquals(new byte[] {64, 0, -127, 0, 32, 0}, q.values());
    assertEquals(64f / 127, q.dequantized(0, 0), 1e-7f);
    assertThrows(
        IllegalArgumentException.class, () -> OnnxQuantizerWeights.quantize(new float[5], 3, 2));
    IllegalArgumentException nan =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxQuantizerWeights.quantize(new float[] {Float.NaN, 1f}, 1, 2));
    assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
  }

  @Test
  void everyMatMulWithAWeightBecomesInteger() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    try (Model m = AttnZoo.newModel(v, Device.cpu(), null)) {
      OnnxMl.ModelProto f = OnnxExporter.toModel(m.getBlock(), v.config().inputShape(), v.name());
      OnnxMl.ModelProto q = OnnxQuantizer.quantizeDynamicInt8(f);
      Map<String, Integer> before = ops(f);
      Map<String, Integer> after = ops(q);
      long weighted =
          f.getGraph().getNodeList().stream()
              .filter(n -> n.getOpType().equals("MatMul"))
              .filter(
                  n ->
                      f.getGraph().getInitializerList().stream()
                          .anyMatch(t -> t.getName().equals(n.getInput(1))))
              .count();
      // vit_micro: 4 blocks x (qkv, proj, fc1, fc2) + the head.
      assertEquals(17, weighted);
      assertEquals((int) weighted, after.get("MatMulInteger"));
      assertEquals((int) weighted, after.get("DynamicQuantizeLinear"));
      assertEquals(before.get("MatMul") - weighted, (long) after.getOrDefault("MatMul", 0));
      assertEquals(before.get("Conv"), after.get("Conv")); // the patch embedding stays float
      Map<String, String> meta = new TreeMap<>();
      q.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
      assertEquals(OnnxQuantizer.DYNAMIC_INT8, meta.get(OnnxQuantizer.QUANTIZATION));
      assertEquals(v.name(), meta.get(OnnxExporter.VARIANT));
      assertEquals(
          OnnxFiles.graphChecksum(q.getGraph()).getValue(), meta.get(OnnxFiles.GRAPH_CRC32));
      IllegalArgumentException twice =
          assertThrows(IllegalArgumentException.class, () -> OnnxQuantizer.quantizeDynamicInt8(q));
      assertTrue(twice.getMessage().contains("already converted"), twice.getMessage());
      IllegalArgumentException half =
          assertThrows(
              IllegalArgumentException.class,
              () -> OnnxQuantizer.quantizeDynamicInt8(OnnxFloat16.toFloat16(f)));
      assertTrue(half.getMessage().contains(OnnxFloat16.PRECISION), half.getMessage());
    }
  }

  private static Map<String, Integer> ops(OnnxMl.ModelProto model) {
    Map<String, Integer> out = new TreeMap<>();
    model.getGraph().getNodeList().forEach(n -> out.merge(n.getOpType(), 1, Integer::sum));
    return out;
  }

  /**
   * Every shipped model, exported and quantised, loads in ONNX Runtime through DJL, is smaller, and
   * agrees with its float export on the same inputs: the same top-1 on at least 60 of 64 inputs and
   * logits within 10% of the float logits' range. Int8 rounding of weights and activations moves
   * each logit by a few percent of that range; a wrong scale or a transposed weight moves it by the
   * whole range and flips most top-1s.
   */
  @Test
  void shippedModelsRunQuantisedOnOnnxRuntime() throws Exception {
    for (ShippedModels.Shipped s : ShippedModels.all()) {
      Variant v = Variants.get(s.variant());
      Path f32 = exportShipped(s);
      Path i8 = tmp.resolve(s.variant() + "-int8.onnx");
      OnnxQuantizer.quantizeFile(f32, i8);
      double ratio = (double) Files.size(i8) / Files.size(f32);
      assertTrue(ratio < 1, s.variant() + ": int8 file is " + ratio + " of the float file");
      // Each MatMul weight of K x N floats becomes K x N bytes plus N scales and zero points: the
      // weights shrink by about 3 bytes per element (convolutions keep their 4 bytes, and the
      // graph gains five small nodes per MatMul, which is why only the weights are compared).
      long expected = 3 * matMulWeights(read(f32));
      long saved = initializerBytes(read(f32)) - initializerBytes(read(i8));
      assertTrue(
          saved >= 0.9 * expected,
          s.variant() + ": weights shrank by " + saved + " bytes, expected about " + expected);

      int batch = 64;
      Random r = new Random(19);
      float[] x = new float[batch * (int) v.config().inputShape().size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      float[][] out = {run(v, f32, x, batch), run(v, i8, x, batch)};
      int classes = out[0].length / batch;
      int same = 0;
      double range = 0;
      double worst = 0;
      for (int b = 0; b < batch; b++) {
        same +=
            argmax(out[0], b * classes, classes) == argmax(out[1], b * classes, classes) ? 1 : 0;
      }
      float lo = Float.MAX_VALUE;
      float hi = -Float.MAX_VALUE;
      for (int i = 0; i < out[0].length; i++) {
        lo = Math.min(lo, out[0][i]);
        hi = Math.max(hi, out[0][i]);
        worst = Math.max(worst, Math.abs(out[0][i] - out[1][i]));
      }
      range = hi - lo;
      System.out.printf(
          "%s: int8 file %.3f of float (MatMul weights %d); top-1 same %d/%d; max |diff| %.4f, logit range %.2f%n",
          s.variant(), ratio, expected / 3, same, batch, worst, range);
      assertTrue(same >= 60, s.variant() + ": top-1 agrees on " + same + " of " + batch);
      assertTrue(
          worst <= 0.1 * range,
          s.variant() + ": max |int8 - float| " + worst + " vs logit range " + range);
    }
  }

  /**
   * The Java quantiser against ONNX Runtime's own, {@code quantize_dynamic(per_channel=True,
   * weight_type=QInt8, op_types_to_quantize=["MatMul"])} on the same float export (reference
   * tensors from {@code scripts/make_int8_fixture.py}, onnxruntime 1.30): the same int8 weights,
   * byte for byte, and the same per-channel scales. (Their logits are compared on ORT in {@link
   * #shippedModelsRunQuantisedOnOnnxRuntime}: activations are quantised with a per-tensor scale set
   * by the tensor's range at run time, so two ORT versions whose float kernels differ in the last
   * bit round whole tensors differently, and int8 logits agree across versions only to the size of
   * the quantisation error, not to float rounding.)
   */
  @Test
  void matchesOnnxRuntimesQuantizedWeights() throws Exception {
    for (String name : new String[] {"vit_micro_patch4_32", "edgenext_micro_64"}) {
      Path f32 = exportShipped(ShippedModels.find(name, "fashion-mnist").orElseThrow());
      Map<String, OnnxMl.TensorProto> ours = new TreeMap<>();
      OnnxQuantizer.quantizeDynamicInt8(read(f32))
          .getGraph()
          .getInitializerList()
          .forEach(t -> ours.put(t.getName(), t));
      OnnxMl.ModelProto reference;
      try (InputStream in =
          OnnxQuantizerTest.class.getResourceAsStream(
              "/quantization/" + name + "-ort-weights.onnx")) {
        reference = OnnxMl.ModelProto.parseFrom(in);
      }
      int compared = 0;
      for (OnnxMl.TensorProto want : reference.getGraph().getInitializerList()) {
        OnnxMl.TensorProto got = ours.get(want.getName());
        assertTrue(got != null, name + ": no tensor " + want.getName());
        assertEquals(want.getDimsList(), got.getDimsList(), want.getName());
        assertEquals(want.getDataType(), got.getDataType(), want.getName());
        if (want.getName().endsWith("_quantized")) {
          assertEquals(want.getRawData(), got.getRawData(), want.getName());
        } else {
          float[] w = floats(want);
          float[] g = floats(got);
          for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], g[i], Math.ulp(w[i]), want.getName() + "[" + i + "]");
          }
        }
        compared++;
      }
      assertTrue(compared >= 6, name + ": compared " + compared + " tensors");
    }
  }

  private static float[] floats(OnnxMl.TensorProto t) {
    java.nio.FloatBuffer b =
        t.getRawData()
            .asReadOnlyByteBuffer()
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer();
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  /** The shipped model's float ONNX export, made by attnzoo's exporter. */
  private Path exportShipped(ShippedModels.Shipped s) throws Exception {
    Variant v = Variants.get(s.variant());
    Path params = tmp.resolve(s.variant() + ".params");
    Path f32 = tmp.resolve(s.variant() + ".onnx");
    if (!Files.exists(f32)) {
      try (InputStream in = OnnxQuantizerTest.class.getResourceAsStream(s.resource())) {
        Files.copy(in, params);
      }
      try (Model m = AttnZoo.load(v, params.toString(), Device.cpu(), null)) {
        AttnZoo.exportOnnx(m, v, f32);
      }
    }
    return f32;
  }

  /** Runs an .onnx file on ONNX Runtime through DJL. */
  private static float[] run(Variant v, Path onnx, float[] x, int batch) throws Exception {
    try (Model ort = AttnZoo.loadOnnxRuntime(v, onnx.toString(), Device.cpu());
        Predictor<NDList, NDList> p = ort.newPredictor(new NoopTranslator());
        NDManager nd = NDManager.newBaseManager(Device.cpu(), "OnnxRuntime")) {
      return p.predict(new NDList(nd.create(x, v.config().inputShape(batch))))
          .head()
          .toFloatArray();
    }
  }

  private static OnnxMl.ModelProto read(Path onnx) throws Exception {
    try (InputStream in = Files.newInputStream(onnx)) {
      return OnnxMl.ModelProto.parseFrom(in);
    }
  }

  private static long initializerBytes(OnnxMl.ModelProto m) {
    return m.getGraph().getInitializerList().stream().mapToLong(t -> t.getRawData().size()).sum();
  }

  /** Elements of the 2-D initializers that MatMul nodes take as their right operand. */
  private static long matMulWeights(OnnxMl.ModelProto m) {
    Map<String, OnnxMl.TensorProto> init = new TreeMap<>();
    m.getGraph().getInitializerList().forEach(t -> init.put(t.getName(), t));
    return m.getGraph().getNodeList().stream()
        .filter(n -> n.getOpType().equals("MatMul"))
        .map(n -> init.get(n.getInput(1)))
        .filter(t -> t != null && t.getDimsCount() == 2)
        .distinct()
        .mapToLong(t -> t.getDims(0) * t.getDims(1))
        .sum();
  }

  private static int argmax(float[] a, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (a[from + i] > a[from + best]) {
        best = i;
      }
    }
    return best;
  }
}
