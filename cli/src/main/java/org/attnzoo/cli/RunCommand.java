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
import org.attnzoo.zoo.AutoEngine;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.runtime.Devices;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.runtime.Platforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo run}: raw tensor in, raw model output out, no preprocessing. The stable contract
 * for checking parity with any reference implementation, on either engine.
 */
@Command(name = "run", description = "Run a model on a raw .npy tensor and write its raw output.")
final class RunCommand implements Callable<Integer> {

  @Mixin WeightsOptions modelOptions;

  @Option(names = "--input", required = true, description = "input .npy, [B, C, H, W] float32")
  Path input;

  @Option(names = "--output", required = true, description = "output .npy")
  Path output;

  @Option(
      names = "--engine",
      defaultValue = "auto",
      description =
          "pytorch, onnxruntime or auto (the engine measured fastest for the variant and batch,"
              + " see attnzoo info; ONNX Runtime for an .onnx file and on ARMv8.0 CPUs where"
              + " PyTorch cannot run); default ${DEFAULT-VALUE}")
  String engine;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Option(
      names = "--allow-nonfinite",
      description = "write the output even if it holds NaN or infinite values (default: an error)")
  boolean allowNonfinite;

  @Override
  public Integer call() throws Exception {
    ZooWeights.Resolved resolved = modelOptions.resolve();
    Variant v = Variants.get(resolved.variant());
    String file = resolved.weights();
    boolean onnxFile = file.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
    boolean auto = engine.equalsIgnoreCase("auto");
    // Everything the user named is checked before the model is built and run.
    CliChecks.requireInputFile(input, "--input", "a .npy file, [B, C, H, W] float32");
    CliChecks.requireWritableTarget(output, "--output");
    Tensor in = Npy.read(input);
    String eng;
    if (auto && onnxFile) {
      eng = Engines.ONNX_RUNTIME;
    } else if (auto) {
      int batch = in.shape().dimension() > 0 ? (int) in.shape().get(0) : 1;
      AutoEngine.Choice choice =
          AutoEngine.choose(v, batch, Devices.resolve(device, Engines.PYTORCH));
      eng = choice.engine();
      System.err.println("--engine auto: " + eng + " (" + choice.reason() + ")");
    } else {
      eng = Engines.resolve(engine);
    }
    if (onnxFile && !Engines.isOnnxRuntime(eng)) {
      throw new IllegalArgumentException(
          "--weights "
              + file
              + " is an ONNX model: run it with --engine onnxruntime (the "
              + engine
              + " engine reads .safetensors and .params weights)");
    }
    checkInput(in, v, Engines.isOnnxRuntime(eng));
    if (!Engines.isOnnxRuntime(eng) || !onnxFile) {
      Platforms.requireBundledNatives(); // PyTorch runs the model or exports it on the fly
    }
    Device dev = Devices.resolve(device, eng);
    try (Model model = AttnZoo.load(v, file, dev, eng);
        NDManager scope = model.getNDManager().newSubManager();
        Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
      // Host-side conversion: ONNX Runtime arrays support no math of their own.
      NDArray x = scope.create(in.toFloats(), in.shape());
      NDArray y = predictor.predict(new NDList(x)).singletonOrThrow();
      float[] values = y.toFloatArray();
      Shape shape = y.getShape();
      if (!allowNonfinite) {
        CliChecks.requireFinite(values, "the output " + shape + " of " + v.name());
      }
      ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(values);
      Npy.write(new Tensor(DataType.FLOAT32, shape, bytes), output);
      System.out.println("wrote " + output + " " + shape + " (" + eng + ", " + dev + ")");
    }
    return 0;
  }

  /**
   * The input must be a batch of the variant's images: engines report a wrong shape late and
   * obscurely (ONNX Runtime dumps its native log on an empty batch).
   */
  private void checkInput(Tensor in, Variant v, boolean onnxRuntime) {
    long[] dims = in.shape().getShape();
    Shape one = v.config().inputShape();
    String expected = "[B, " + one.get(0) + ", " + one.get(1) + ", " + one.get(2) + "]";
    String given = "--input " + input + " has shape " + in.shape() + "; ";
    if (dims.length != 4) {
      throw new IllegalArgumentException(
          given + v.name() + " expects " + expected + " (add the batch axis: x[None] in numpy)");
    }
    if (dims[0] < 1) {
      throw new IllegalArgumentException(
          "--input " + input + " holds a batch of 0 samples; give at least one");
    }
    if (dims[1] != one.get(0)) {
      throw new IllegalArgumentException(
          given + v.name() + " expects " + one.get(0) + " channels: " + expected);
    }
    // The exported graph fixes H and W; PyTorch models may accept other sizes.
    if (onnxRuntime && (dims[2] != one.get(1) || dims[3] != one.get(2))) {
      throw new IllegalArgumentException(
          given + "the ONNX model of " + v.name() + " takes " + expected);
    }
  }
}
