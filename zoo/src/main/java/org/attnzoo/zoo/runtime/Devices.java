package org.attnzoo.zoo.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the {@code --device cpu|gpu|auto} choice for an engine (PyTorch or ONNX Runtime). {@code
 * gpu} fails with a clear message when no CUDA device is visible to the engine; {@code auto} takes
 * the GPU when there is one and otherwise falls back to the CPU with one log line.
 */
public final class Devices {

  private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

  private Devices() {}

  /**
   * @param choice {@code cpu}, {@code gpu} or {@code auto}
   * @param engine the engine name (e.g. {@code PyTorch}), or null for the default engine
   * @return the device
   * @throws IllegalArgumentException for an unknown choice, or {@code gpu} without a GPU
   */
  public static Device resolve(String choice, String engine) {
    String c = choice == null ? "cpu" : choice.toLowerCase(Locale.ROOT);
    int gpus = c.equals("cpu") ? 0 : gpuCount(engine);
    return switch (c) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (gpus == 0) {
          throw new IllegalArgumentException(
              "--device gpu: no CUDA GPU is visible to the "
                  + engineName(engine)
                  + " engine on this machine. "
                  + (Engines.isOnnxRuntime(engine)
                      ? "ONNX Runtime needs its CUDA build (the 'cuda' Maven profile brings"
                          + " onnxruntime_gpu; CUDA 12 and cuDNN 9 must be installed)"
                      : "Build with the 'cuda' Maven profile on a machine with an NVIDIA driver"
                          + " (DJL then fetches CUDA libtorch on first start)")
                  + ", or use --device cpu / auto.");
        }
        yield Device.gpu();
      }
      case "auto" -> {
        if (gpus == 0) {
          LOG.info("--device auto: no CUDA GPU found, running on the CPU");
          yield Device.cpu();
        }
        yield Device.gpu();
      }
      default ->
          throw new IllegalArgumentException(
              "unknown device '" + choice + "'; expected cpu, gpu or auto");
    };
  }

  private static String engineName(String engine) {
    return engine == null ? Engine.getDefaultEngineName() : engine;
  }

  private static int gpuCount(String engine) {
    try {
      Engine e = Engine.getEngine(engineName(engine));
      int n = e.getGpuCount();
      // A GPU is usable by ONNX Runtime only if its build has the CUDA execution provider.
      if (n > 0 && Engines.isOnnxRuntime(e.getEngineName())) {
        return e.hasCapability(StandardCapabilities.CUDA) ? n : 0;
      }
      return n;
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
