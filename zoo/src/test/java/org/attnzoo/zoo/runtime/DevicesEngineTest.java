package org.attnzoo.zoo.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Path;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device} for both engines: clear errors without a GPU, a real run with one. */
class DevicesEngineTest {

  @TempDir Path tmp;

  private static boolean ortHasCudaGpu() {
    Engine ort = Engine.getEngine(Engines.ONNX_RUNTIME);
    return ort.getGpuCount() > 0 && ort.hasCapability(StandardCapabilities.CUDA);
  }

  @Test
  void gpuWithoutUsableGpuFailsClearlyForOnnxRuntime() {
    assumeTrue(!ortHasCudaGpu(), "this machine has a CUDA GPU usable by ONNX Runtime");
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Devices.resolve("gpu", Engines.ONNX_RUNTIME));
    assertTrue(
        e.getMessage().contains("OnnxRuntime") && e.getMessage().contains("onnxruntime_gpu"),
        e.getMessage());
  }

  @Test
  void gpuWithoutGpuFailsClearlyForPyTorch() {
    assumeTrue(Engine.getEngine(Engines.PYTORCH).getGpuCount() == 0, "this machine has a CUDA GPU");
    var e =
        assertThrows(IllegalArgumentException.class, () -> Devices.resolve("gpu", Engines.PYTORCH));
    assertTrue(e.getMessage().contains("PyTorch") && e.getMessage().contains("cuda"));
  }

  @Test
  void autoFallsBackToCpuWithoutGpu() {
    assumeTrue(!ortHasCudaGpu(), "this machine has a CUDA GPU usable by ONNX Runtime");
    assertEquals(Device.cpu(), Devices.resolve("auto", Engines.ONNX_RUNTIME));
  }

  @Test
  void unknownDeviceIsRejected() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Devices.resolve("tpu", Engines.ONNX_RUNTIME));
    assertTrue(e.getMessage().contains("tpu"));
  }

  /** Runs only where ONNX Runtime sees a CUDA GPU (build with -Pcuda); skipped elsewhere. */
  @Test
  void onnxRuntimeOnGpuMatchesCpu() throws Exception {
    assumeTrue(ortHasCudaGpu(), "no CUDA GPU usable by ONNX Runtime (needs -Pcuda and a GPU)");
    Variant v = Variants.get("vit_micro_patch4_32");
    Path onnx = tmp.resolve("m.onnx");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportOnnx(model, v, onnx);
    }
    float[] x = new float[8 * 32 * 32];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i * 0.37);
    }
    float[] cpu = run(v, onnx, Device.cpu(), x);
    float[] gpu = run(v, onnx, Devices.resolve("gpu", Engines.ONNX_RUNTIME), x);
    double err = 0;
    for (int i = 0; i < cpu.length; i++) {
      err = Math.max(err, Math.abs(cpu[i] - gpu[i]));
    }
    System.out.printf("onnx vit_micro_patch4_32 batch 8: max abs ORT CPU vs CUDA %.3g%n", err);
    assertTrue(err < 1e-4, "max abs " + err);
  }

  private static float[] run(Variant v, Path onnx, Device device, float[] x) throws Exception {
    try (Model ort = AttnZoo.loadOnnxRuntime(v, onnx.toString(), device);
        Predictor<NDList, NDList> p = ort.newPredictor(new NoopTranslator());
        NDManager m = ort.getNDManager().newSubManager()) {
      return p.predict(new NDList(m.create(x, v.config().inputShape(8)))).head().toFloatArray();
    }
  }
}
