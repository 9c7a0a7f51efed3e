package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import ai.onnx.proto.OnnxMl;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.attnzoo.backbones.tosa.TokenSelectiveBlock;
import org.attnzoo.backbones.tosa.TokenSelector;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX export of ToSA (token selective attention): the exported selection (selector convolutions,
 * importance, TopK, GatherElements, layer, ScatterElements) run by ONNX Runtime must match the
 * PyTorch engine within 1e-4 max abs at batch 1 and 8.
 *
 * <p>Top-k is discontinuous: if two tokens' importances were (nearly) tied at the selection
 * boundary, float rounding could keep a different token in each engine. The tests therefore compare
 * the kept token indices of every selective layer directly (the exported index tensors are added as
 * extra graph outputs) and also check, on the PyTorch engine, that the last kept patch's importance
 * exceeds the first dropped one's by more than float32 rounding, so that the comparison does not
 * hinge on rounding. The selectors' weights are drawn with a larger spread than the rest, which
 * spreads the importances.
 */
class OnnxExportTosaTest {

  private static final double TOLERANCE = 1e-4;

  /** Minimal importance gap at the top-k boundary, relative to the importance scale. */
  private static final double MIN_RELATIVE_GAP = 1e-6;

  @TempDir Path tmp;

  private static float[] random(long n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[Math.toIntExact(n)];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  /**
   * Weights N(0, 1/fan_in), biases N(0, 0.04), norm weights U(0.6, 1.4), other tensors N(0, 0.25)
   * (as the timm fixtures draw them), so that the attention maps and therefore the selectors'
   * predictions are far from uniform.
   */
  private static void randomize(Block block, long seed) {
    Random r = new Random(seed);
    for (var e : ParameterPaths.of(block).entrySet()) {
      String path = e.getKey();
      NDArray a = e.getValue().getArray();
      long[] shape = a.getShape().getShape();
      long fanIn = a.getShape().size() / shape[0];
      float[] v = new float[Math.toIntExact(a.size())];
      for (int i = 0; i < v.length; i++) {
        double g = r.nextGaussian();
        if (path.endsWith("bias")) {
          v[i] = (float) (0.2 * g);
        } else if (path.endsWith("weight") && shape.length < 2) {
          v[i] = (float) (0.6 + 0.8 * r.nextDouble());
        } else if (path.contains("selector.")) {
          // Sharper predicted maps spread the importances, widening the top-k boundary gaps.
          v[i] = (float) (3 * g / Math.sqrt(fanIn));
        } else if (shape.length >= 2) {
          v[i] = (float) (g / Math.sqrt(fanIn));
        } else {
          v[i] = (float) (0.5 * g);
        }
      }
      a.set(v);
    }
  }

  private static float[] runPyTorch(Model model, float[] x, Shape shape) {
    try (NDManager m = model.getNDManager().newSubManager()) {
      return model
          .getBlock()
          .forward(new ParameterStore(m, false), new NDList(m.create(x, shape)), false)
          .singletonOrThrow()
          .toFloatArray();
    }
  }

  /** The PyTorch engine's selection: kept indices per selective layer, smallest boundary gap. */
  private record Selection(List<long[]> kept, double smallestGap) {}

  /**
   * Runs the layer chain on the PyTorch engine and returns, per selective layer, the kept token
   * indices, and the smallest relative gap (over layers and samples) between the last kept and the
   * first dropped patch importance.
   */
  private static Selection selectOnPyTorch(Model model, float[] x, Shape shape) {
    VisionTransformer vit = (VisionTransformer) model.getBlock();
    double smallest = Double.POSITIVE_INFINITY;
    List<long[]> kept = new ArrayList<>();
    try (NDManager m = model.getNDManager().newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDList h = new NDList(vit.embedTokens(ps, m.create(x, shape), false));
      for (VitBlock block : vit.getBlocks()) {
        if (block instanceof TokenSelectiveBlock tosa) {
          TokenSelector selector = tosa.getSelector();
          NDArray importance =
              TokenSelector.importanceFromLogits(selector.predictLogits(ps, h.get(1), false));
          kept.add(selector.select(importance).toLongArray());
          long n = importance.getShape().get(1);
          int prefix = selector.getPrefixTokens();
          int keptPatches = selector.keptTokens(n) - prefix;
          float[] all = importance.toFloatArray();
          for (int b = 0; b < shape.get(0); b++) {
            float[] sorted = Arrays.copyOfRange(all, (int) (b * n + prefix), (int) ((b + 1) * n));
            Arrays.sort(sorted);
            int p = sorted.length;
            if (keptPatches < p) {
              double gap = sorted[p - keptPatches] - sorted[p - keptPatches - 1];
              smallest = Math.min(smallest, gap / sorted[p - 1]);
            }
          }
        }
        h = block.forward(ps, h, false);
      }
    }
    assertTrue(!kept.isEmpty(), "no selective layer in " + vit.getConfig());
    return new Selection(kept, smallest);
  }

  /**
   * The exported model with the kept indices of every selective layer (the int64 {@code Cast} after
   * the ascending sort) added as extra graph outputs, after {@code output}.
   */
  private static OnnxMl.ModelProto withSelectionOutputs(OnnxMl.ModelProto model) {
    OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
    for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
      if (node.getOpType().equals("Cast") && node.getAttribute(0).getI() == 7) {
        graph.addOutput(
            OnnxMl.ValueInfoProto.newBuilder()
                .setName(node.getOutput(0))
                .setType(
                    OnnxMl.TypeProto.newBuilder()
                        .setTensorType(
                            OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.INT64.getNumber()))));
      }
    }
    return model.toBuilder().setGraph(graph).build();
  }

  private void assertToSaMatchesOnOrt(String name, long seed) throws Exception {
    Variant v = Variants.get(name);
    Path onnx = tmp.resolve(name + ".onnx");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      randomize(model.getBlock(), seed);
      OnnxMl.ModelProto proto =
          withSelectionOutputs(
              OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), name));
      try (OutputStream os = Files.newOutputStream(onnx)) {
        proto.writeTo(os);
      }
      try (Model ort = Model.newInstance(name, Device.cpu(), Engines.ONNX_RUNTIME);
          Predictor<NDList, NDList> predictor = newPredictor(ort, onnx, name);
          NDManager m = ort.getNDManager().newSubManager()) {
        for (int batch : new int[] {1, 8}) {
          Shape shape = v.config().inputShape(batch);
          float[] x = random(shape.size(), 7 + batch);
          Selection selection = selectOnPyTorch(model, x, shape);
          float[] expected = runPyTorch(model, x, shape);
          NDList out = predictor.predict(new NDList(m.create(x, shape)));
          assertEquals(1 + selection.kept().size(), out.size(), "outputs: logits + one per layer");
          for (int layer = 0; layer < selection.kept().size(); layer++) {
            assertArrayEquals(
                selection.kept().get(layer),
                out.get(1 + layer).toLongArray(),
                name + " batch " + batch + ": kept tokens of selective layer #" + layer);
          }
          float[] actual = out.get(0).toFloatArray();
          assertEquals(expected.length, actual.length);
          double err = 0;
          double scale = 0;
          for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs((double) expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
          }
          System.out.printf(
              "onnx %s batch %d: max abs PyTorch vs ORT %.3g (max |output| %.3g), same kept"
                  + " tokens in %d selective layers, smallest relative top-k gap %.3g%n",
              name, batch, err, scale, selection.kept().size(), selection.smallestGap());
          assertTrue(err < TOLERANCE, name + " batch " + batch + ": max abs " + err);
          assertTrue(
              selection.smallestGap() > MIN_RELATIVE_GAP,
              name
                  + " batch "
                  + batch
                  + ": top-k boundary nearly tied: "
                  + selection.smallestGap());
        }
      }
    }
  }

  private static Predictor<NDList, NDList> newPredictor(Model ort, Path onnx, String name)
      throws Exception {
    ort.load(onnx, name, java.util.Map.of());
    return ort.newPredictor(new NoopTranslator());
  }

  @Test
  void vitMicroTosaMatchesPyTorchAtBatch1And8() throws Exception {
    assertToSaMatchesOnOrt("vit_micro_patch4_32_tosa", 11);
  }

  @Test
  void vitTinyTosaAtFullSizeMatchesPyTorchAtBatch1And8() throws Exception {
    assertToSaMatchesOnOrt("vit_tiny_patch16_224_tosa", 13);
  }

  @Test
  void selectorAloneMatchesPyTorch() throws Exception {
    // The selector as a block: log-softmax of its prediction, [B, h, N, N] -> [B, h, N, N].
    TokenSelector selector = new TokenSelector(3, 4, 3, 0.5, 1);
    Shape sample = new Shape(3, 17, 17);
    try (Model model = Model.newInstance("selector", Device.cpu(), Engines.PYTORCH)) {
      model.setBlock(selector);
      selector.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(sample));
      randomize(selector, 5);
      Path onnx = tmp.resolve("selector.onnx");
      OnnxExporter.export(selector, sample, "selector", onnx);
      try (Model ort = Model.newInstance("selector", Device.cpu(), Engines.ONNX_RUNTIME);
          Predictor<NDList, NDList> predictor = newPredictor(ort, onnx, "selector");
          NDManager m = ort.getNDManager().newSubManager()) {
        for (int batch : new int[] {1, 8}) {
          Shape shape = new Shape(batch).addAll(sample);
          float[] x = random(shape.size(), 3 + batch);
          float[] expected = runPyTorch(model, x, shape);
          float[] actual =
              predictor.predict(new NDList(m.create(x, shape))).singletonOrThrow().toFloatArray();
          double err = 0;
          for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs((double) expected[i] - actual[i]));
          }
          assertEquals(expected.length, actual.length);
          assertTrue(err < TOLERANCE, "selector batch " + batch + ": max abs " + err);
        }
      }
    }
  }

  @Test
  void graphSelectsWithTopKGatherAndScatter() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32_tosa");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      OnnxMl.ModelProto proto =
          OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), v.name());
      Set<String> ops = new TreeSet<>();
      proto.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
      assertTrue(
          ops.containsAll(Set.of("TopK", "GatherElements", "ScatterElements", "Conv")),
          ops.toString());
      assertTrue(!ops.contains("Roll") && !ops.contains("Einsum"), ops.toString());
      // The selectors' convolutions are exported under their parameter names.
      Set<String> inits = new TreeSet<>();
      proto.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
      assertTrue(inits.contains("blocks.1.selector.conv1.weight"), inits.toString());
      assertTrue(inits.contains("blocks.3.selector.conv2.bias"), inits.toString());
    }
  }
}
