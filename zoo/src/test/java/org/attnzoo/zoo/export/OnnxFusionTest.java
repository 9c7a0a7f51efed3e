package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exported graphs are written in the patterns that ONNX Runtime's graph optimiser fuses (at
 * {@code ORT_ENABLE_ALL}, the level DJL's OnnxRuntime engine uses): ORT's own optimised graph,
 * written by {@code setOptimizedModelFilePath}, is read back and its operators counted. Reference:
 * in the optimised graph of {@code torch.onnx.export}'s file for the same timm model every GELU is
 * a {@code Gelu} or {@code BiasGelu} kernel and every layer norm a {@code LayerNormalization} or
 * {@code SkipLayerNormalization} kernel (src/docs/export.md, "How fast the exported graph runs").
 */
class OnnxFusionTest {

  @TempDir Path tmp;

  private static Map<String, Integer> histogram(OnnxMl.GraphProto g) {
    Map<String, Integer> h = new TreeMap<>();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      h.merge(n.getOpType(), 1, Integer::sum);
    }
    return h;
  }

  private static OnnxMl.ModelProto optimizedByOrt(Path onnx, Path out) throws Exception {
    // DJL's engine creates the process's one OrtEnvironment with its own thread pool and fails if
    // one exists already: let it create it first, for this test and for the ORT tests after it.
    Engine.getEngine("OnnxRuntime");
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      so.setIntraOpNumThreads(1);
      so.setOptimizedModelFilePath(out.toString());
      OrtEnvironment.getEnvironment().createSession(onnx.toString(), so).close();
    }
    try (InputStream in = Files.newInputStream(out)) {
      return OnnxMl.ModelProto.parseFrom(in);
    }
  }

  /**
   * Every GELU of the export (one {@code Erf} each in the file) becomes one fused kernel, and every
   * {@code LayerNormalization} stays one kernel (none is decomposed).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "vit_micro_patch4_32",
        "swin_micro_patch2_window4_32",
        "edgenext_micro_64",
        "swiftformer_micro_64",
        "conv2former_micro_32"
      })
  void everyGeluAndLayerNormIsOneOrtKernel(String name) throws Exception {
    Variant v = Variants.get(name);
    Path onnx = tmp.resolve(name + ".onnx");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportOnnx(model, v, onnx);
    }
    OnnxMl.ModelProto file;
    try (InputStream in = Files.newInputStream(onnx)) {
      file = OnnxMl.ModelProto.parseFrom(in);
    }
    Map<String, Integer> before = histogram(file.getGraph());
    Map<String, Integer> after =
        histogram(optimizedByOrt(onnx, tmp.resolve(name + ".opt.onnx")).getGraph());
    System.out.println(name + ": file " + before + "\n  optimised " + after);
    int gelus = before.getOrDefault("Erf", 0);
    assertTrue(gelus > 0, name + " exports no GELU: " + before);
    assertEquals(0, after.getOrDefault("Erf", 0), name + ": unfused GELU left: " + after);
    assertEquals(
        gelus,
        after.getOrDefault("Gelu", 0) + after.getOrDefault("BiasGelu", 0),
        name + ": fused GELU kernels");
    assertEquals(
        before.getOrDefault("LayerNormalization", 0),
        after.getOrDefault("LayerNormalization", 0)
            + after.getOrDefault("SkipLayerNormalization", 0),
        name + ": layer norms");
  }
}
