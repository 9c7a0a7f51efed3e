package org.attnzoo.cli;

import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * The options that name a model and its weights, shared by the commands that load one from any
 * source the CLI knows ({@code export}, {@code run}): a file, URL or Hugging Face Hub id with
 * {@code --variant}, timm's published weights ({@code --pretrained}), or weights shipped with
 * attnzoo ({@code zoo:} or {@code --dataset}). {@link ZooWeights#resolve} checks that they name one
 * model.
 */
final class WeightsOptions {

  @Option(
      names = "--variant",
      description =
          "variant name (default with zoo: or timm hf-hub: weights, or --dataset: theirs)")
  String variant;

  @Option(
      names = "--weights",
      description =
          ".safetensors (timm) or .params file or URL, hf-hub:ORG/NAME (a Hugging Face Hub"
              + " repository's model.safetensors), or zoo:<variant>[-<dataset>] for weights"
              + " shipped with attnzoo; run also takes an exported .onnx with --engine"
              + " onnxruntime or auto")
  String weights;

  @Option(names = "--pretrained", description = ZooWeights.PRETRAINED_HELP)
  boolean pretrained;

  @Option(
      names = "--dataset",
      description =
          "use the weights shipped for this dataset (fashion-mnist) instead of --weights: the"
              + " --variant's, or the most accurate")
  String dataset;

  /**
   * @return the variant and the path, URL or Hub id the loaders read
   * @throws IOException if shipped weights cannot be copied out of the jar
   * @throws IllegalArgumentException if the options do not name exactly one model
   */
  ZooWeights.Resolved resolve() throws IOException {
    return ZooWeights.resolve(variant, weights, dataset, pretrained, "--weights");
  }
}
