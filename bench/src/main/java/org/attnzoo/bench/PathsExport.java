package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.export.OnnxQuantizer;

/**
 * The files {@code scripts/bench_paths.sh} times, one set per variant, all with the same random
 * weights: {@code V.safetensors} (timm's keys: timm eager and torch.onnx load it), {@code V.onnx}
 * (attnzoo's float export) and {@code V-int8.onnx} (its dynamic int8 quantisation). Not a test.
 *
 * <p>Usage: {@code PathsExport OUT_DIR VARIANT...}
 */
public final class PathsExport {

  private PathsExport() {}

  /**
   * @param args the output folder, then variant names
   * @throws Exception if a variant cannot be built or written
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      throw new IllegalArgumentException(
          "usage: PathsExport OUT_DIR VARIANT...; got " + args.length + " arguments");
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    for (int i = 1; i < args.length; i++) {
      Variant v = Variants.get(args[i]);
      try (Model m = AttnZoo.newModel(v, Device.cpu(), AttnZoo.DEFAULT_ENGINE)) {
        AttnZoo.exportSafetensors(m, v, out.resolve(v.name() + ".safetensors"));
        AttnZoo.exportOnnx(m, v, out.resolve(v.name() + ".onnx"));
      }
      OnnxQuantizer.quantizeFile(
          out.resolve(v.name() + ".onnx"), out.resolve(v.name() + "-int8.onnx"));
      System.out.println("exported " + v.name());
    }
  }
}
