package org.attnzoo.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Devices;
import org.attnzoo.zoo.Engines;
import org.attnzoo.zoo.Platforms;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo run}: raw tensor in, raw model output out, no preprocessing. The stable contract
 * for checking parity with any reference implementation, on either engine.
 */
@Command(name = "run", description = "Run a model on a raw .npy tensor and write its raw output.")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--variant", required = true, description = "variant name")
  String variant;

  @Option(
      names = "--weights",
      required = true,
      description =
          ".safetensors (timm) or .params; with --engine onnxruntime also an exported .onnx")
  String weights;

  @Option(names = "--input", required = true, description = "input .npy, [B, C, H, W] float32")
  Path input;

  @Option(names = "--output", required = true, description = "output .npy")
  Path output;

  @Option(
      names = "--engine",
      defaultValue = "auto",
      description =
          "pytorch, onnxruntime or auto (PyTorch, or ONNX Runtime on ARMv8.0 CPUs where PyTorch"
              + " cannot run); default ${DEFAULT-VALUE}")
  String engine;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Override
  public Integer call() throws Exception {
    Variant v = Variants.get(variant);
    String eng = Engines.resolve(engine);
    if (!Engines.isOnnxRuntime(eng)
        || !weights.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
      Platforms.requireBundledNatives(); // PyTorch runs the model or exports it on the fly
    }
    Device dev = Devices.resolve(device, eng);
    Tensor in = Npy.read(input);
    try (Model model = AttnZoo.load(v, weights, dev, eng);
        NDManager scope = model.getNDManager().newSubManager();
        Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
      // Host-side conversion: ONNX Runtime arrays support no math of their own.
      NDArray x = scope.create(in.toFloats(), in.shape());
      NDArray y = predictor.predict(new NDList(x)).singletonOrThrow();
      float[] values = y.toFloatArray();
      Shape shape = y.getShape();
      ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(values);
      Npy.write(new Tensor(DataType.FLOAT32, shape, bytes), output);
      System.out.println("wrote " + output + " " + shape + " (" + eng + ", " + dev + ")");
    }
    return 0;
  }
}
