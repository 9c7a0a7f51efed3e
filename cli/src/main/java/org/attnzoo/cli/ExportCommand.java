package org.attnzoo.cli;

import ai.djl.Device;
import ai.djl.Model;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.export.OnnxFloat16;
import org.attnzoo.zoo.export.OnnxQuantizer;
import org.attnzoo.zoo.runtime.Platforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo export}: a model as ONNX (opset 17, dynamic batch) or its weights as a timm-keyed
 * safetensors state dict.
 */
@Command(
    name = "export",
    description = "Export a model to ONNX, or its weights to a timm-compatible .safetensors file.")
final class ExportCommand implements Callable<Integer> {

  @Mixin WeightsOptions modelOptions;

  @Option(
      names = "--format",
      defaultValue = "onnx",
      description = "onnx or safetensors; default ${DEFAULT-VALUE}")
  String format;

  @Option(names = "--output", required = true, description = "the file to write")
  Path output;

  @Option(
      names = "--quantize",
      description =
          "int8: MatMul/Linear weights as per-channel int8, activations quantised at run time"
              + " (dynamic quantisation; ONNX only)")
  String quantize;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      description =
          "fp32 or fp16: float16 weights and arithmetic with float32 input and output, for GPU"
              + " deployment (ONNX only; ONNX Runtime's CPU provider lacks some float16 kernels);"
              + " default ${DEFAULT-VALUE}")
  String precision;

  @Override
  public Integer call() throws Exception {
    ZooWeights.Resolved model = modelOptions.resolve();
    Variant v = Variants.get(model.variant());
    String f = format.toLowerCase(Locale.ROOT);
    if (!f.equals("onnx") && !f.equals("safetensors")) {
      throw new IllegalArgumentException(
          "unknown format '" + format + "'; expected onnx or safetensors");
    }
    boolean int8 = quantize != null;
    if (int8 && !quantize.equalsIgnoreCase("int8")) {
      throw new IllegalArgumentException("unknown --quantize '" + quantize + "'; expected int8");
    }
    if (int8 && !f.equals("onnx")) {
      throw new IllegalArgumentException(
          "--quantize int8 writes an ONNX model; got --format " + format + ", expected onnx");
    }
    String p = precision.toLowerCase(Locale.ROOT);
    if (!p.equals("fp32") && !p.equals("fp16")) {
      throw new IllegalArgumentException(
          "unknown --precision '" + precision + "'; expected fp32 or fp16");
    }
    boolean fp16 = p.equals("fp16");
    if (fp16 && !f.equals("onnx")) {
      throw new IllegalArgumentException(
          "--precision fp16 writes an ONNX model; got --format " + format + ", expected onnx");
    }
    if (fp16 && int8) {
      throw new IllegalArgumentException(
          "--precision fp16 and --quantize int8 exclude each other: int8 keeps float32 for what it"
              + " does not quantise; choose one");
    }
    // Checked before minutes of loading: the target's folder must exist and be writable.
    CliChecks.requireWritableTarget(output, "--output");
    Platforms.requireBundledNatives();
    try (Model m = AttnZoo.load(v, model.weights(), Device.cpu(), AttnZoo.DEFAULT_ENGINE)) {
      if (int8) {
        exportConverted(m, v, OnnxQuantizer::quantizeFile);
      } else if (fp16) {
        exportConverted(m, v, OnnxFloat16::convertFile);
      } else if (f.equals("onnx")) {
        AttnZoo.exportOnnx(m, v, output);
      } else {
        AttnZoo.exportSafetensors(m, v, output);
      }
    } catch (java.nio.file.FileSystemException e) {
      // Writers go through a temporary sibling: name the file the user gave, not that one.
      String name = output.getFileName().toString();
      if (e.getFile() != null
          && !e.getFile().equals(output.toString())
          && Path.of(e.getFile()).getFileName().toString().contains(name)) {
        throw new java.io.IOException(
            "cannot write --output "
                + output
                + " ("
                + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName())
                + "); check that its folder exists and is writable",
            e);
      }
      throw e;
    }
    System.out.println(
        "wrote "
            + output
            + " ("
            + f
            + (int8 ? " int8" : fp16 ? " fp16" : "")
            + ", "
            + v.name()
            + ")");
    return 0;
  }

  /** A pass over an ONNX file: int8 quantisation or float16 conversion. */
  @FunctionalInterface
  private interface OnnxPass {
    void apply(Path source, Path target) throws java.io.IOException;
  }

  /** The float32 export, then a pass over it: one exporter for every precision. */
  private void exportConverted(Model m, Variant v, OnnxPass pass) throws java.io.IOException {
    Path floats = java.nio.file.Files.createTempFile("attnzoo-" + v.name() + "-", ".onnx");
    try {
      AttnZoo.exportOnnx(m, v, floats);
      pass.apply(floats, output);
    } finally {
      java.nio.file.Files.deleteIfExists(floats);
    }
  }
}
