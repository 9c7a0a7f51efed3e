package org.attnzoo.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Devices;
import org.attnzoo.zoo.Platforms;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo run}: raw tensor in, raw model output out, no preprocessing. The stable contract
 * for checking parity with any reference implementation.
 */
@Command(name = "run", description = "Run a model on a raw .npy tensor and write its raw output.")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--variant", required = true, description = "variant name")
  String variant;

  @Option(names = "--weights", required = true, description = ".safetensors (timm) or .params")
  String weights;

  @Option(names = "--input", required = true, description = "input .npy, [B, C, H, W] float32")
  Path input;

  @Option(names = "--output", required = true, description = "output .npy")
  Path output;

  @Option(names = "--engine", defaultValue = "pytorch", description = "pytorch")
  String engine;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Override
  public Integer call() throws Exception {
    Variant v = Variants.get(variant);
    if (!"pytorch".equalsIgnoreCase(engine)) {
      throw new IllegalArgumentException("unknown engine '" + engine + "'; expected pytorch");
    }
    Platforms.requireBundledNatives();
    Device dev = Devices.resolve(device, AttnZoo.DEFAULT_ENGINE);
    Tensor in = Npy.read(input);
    try (Model model = AttnZoo.load(v, weights, dev, AttnZoo.DEFAULT_ENGINE);
        NDManager scope = model.getNDManager().newSubManager()) {
      NDArray x = in.toNDArray(scope).toType(DataType.FLOAT32, false);
      NDArray y =
          model
              .getBlock()
              .forward(new ParameterStore(scope, false), new NDList(x), false)
              .singletonOrThrow();
      Npy.write(Tensor.of(y), output);
      System.out.println("wrote " + output + " " + y.getShape());
    }
    return 0;
  }
}
