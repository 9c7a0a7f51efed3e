package org.attnzoo.spark;

import java.io.Serializable;
import java.util.Locale;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.ShippedModels.Shipped;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;

/**
 * Which model the executors load: the key of the per-executor model cache ({@link ExecutorModels})
 * and what travels to them with each task. The weights are named as for {@code Criteria} and the
 * CLI: a file or URL ({@code optArgument("weights", ...)}), or weights shipped in the zoo jar
 * ({@code optFilter("dataset", ...)}, or {@code zoo:<variant>[-<dataset>]} as the CLI writes it).
 *
 * <p>On a cluster a weights path must name a file every executor can read: an {@code http(s)} URL,
 * a Hadoop file system URI ({@code hdfs://}, {@code s3a://}, ...; copied to the executor once), a
 * path present on every node, or shipped weights.
 *
 * @param variant the variant name
 * @param weights a path or URI of the weights ({@code .safetensors}, {@code .params}, or {@code
 *     .onnx} with ONNX Runtime), or null for shipped weights
 * @param dataset the dataset of shipped weights, or null for {@code weights}
 * @param engine {@code pytorch}, {@code onnxruntime} or {@code auto} (as {@code --engine})
 * @param device {@code cpu}, {@code gpu} or {@code auto} (as {@code --device})
 * @param testSize run at timm's test input size ({@code optArgument("testSize", true)})
 * @param embeddings also load the pre-logits embedding model
 */
public record ModelSpec(
    String variant,
    String weights,
    String dataset,
    String engine,
    String device,
    boolean testSize,
    boolean embeddings)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Prefix of a reference to weights shipped in the zoo jar, as the CLI's {@code --weights}. */
  public static final String ZOO_PREFIX = ShippedModels.REFERENCE_PREFIX;

  /**
   * Checks the names on the driver, before any task starts: an unknown variant, engine or shipped
   * model fails here, not once per executor.
   */
  public ModelSpec {
    if (ShippedModels.isReference(weights)) {
      if (dataset != null) {
        throw new IllegalArgumentException(
            "give weights " + weights + " or dataset " + dataset + ", not both");
      }
      Shipped s = ShippedModels.parseReference(weights);
      if (variant != null && !variant.equals(s.variant())) {
        throw new IllegalArgumentException(
            "variant "
                + variant
                + " does not match "
                + weights
                + " (weights of "
                + s.variant()
                + ")");
      }
      variant = s.variant();
      dataset = s.dataset();
      weights = null;
    }
    if (weights != null && dataset != null) {
      throw new IllegalArgumentException(
          "give weights " + weights + " or dataset " + dataset + ", not both");
    }
    if (variant == null && dataset != null) {
      String d = dataset;
      variant =
          ShippedModels.best(d)
              .orElseThrow(() -> new IllegalArgumentException(noShipped(null, d)))
              .variant();
    }
    if (variant == null) {
      throw new IllegalArgumentException(
          "name a variant (attnzoo list shows them) with weights, or shipped weights by dataset");
    }
    Variant v = Variants.get(variant); // names the known variants if unknown
    if (testSize) {
      v.atTestSize(); // names the variants that have a test size
    }
    if (weights == null && dataset == null) {
      throw new IllegalArgumentException(
          "variant "
              + variant
              + ": give weights (a path or URL of .safetensors, .params or .onnx) or a dataset of"
              + " shipped weights");
    }
    if (dataset != null && ShippedModels.find(variant, dataset).isEmpty()) {
      throw new IllegalArgumentException(noShipped(variant, dataset));
    }
    engine = engine == null ? "auto" : engine.toLowerCase(Locale.ROOT);
    if (!engine.equals("auto") && !engine.equals("pytorch") && !engine.equals("onnxruntime")) {
      throw new IllegalArgumentException(
          "unknown engine '" + engine + "'; expected pytorch, onnxruntime or auto");
    }
    device = device == null ? "cpu" : device.toLowerCase(Locale.ROOT);
    if (!device.equals("cpu") && !device.equals("gpu") && !device.equals("auto")) {
      throw new IllegalArgumentException(
          "unknown device '" + device + "'; expected cpu, gpu or auto");
    }
  }

  /**
   * @param variant the variant name
   * @param weights a path or URI, or a {@code zoo:} reference
   * @return a spec for the CPU, engine {@code auto}, classes only
   */
  public static ModelSpec of(String variant, String weights) {
    return new ModelSpec(variant, weights, null, "auto", "cpu", false, false);
  }

  /**
   * @param variant the variant name, or null for the most accurate shipped model
   * @param dataset the dataset the shipped weights were trained on
   * @return a spec for the shipped weights, CPU, engine {@code auto}, classes only
   */
  public static ModelSpec shipped(String variant, String dataset) {
    return new ModelSpec(variant, null, dataset, "auto", "cpu", false, false);
  }

  /**
   * @param on whether to compute the pre-logits embedding too
   * @return a copy
   */
  public ModelSpec withEmbeddings(boolean on) {
    return new ModelSpec(variant, weights, dataset, engine, device, testSize, on);
  }

  /**
   * @param choice {@code pytorch}, {@code onnxruntime} or {@code auto}
   * @return a copy
   */
  public ModelSpec withEngine(String choice) {
    return new ModelSpec(variant, weights, dataset, choice, device, testSize, embeddings);
  }

  /**
   * @param choice {@code cpu}, {@code gpu} or {@code auto}
   * @return a copy
   */
  public ModelSpec withDevice(String choice) {
    return new ModelSpec(variant, weights, dataset, engine, choice, testSize, embeddings);
  }

  /**
   * @param on run at timm's test input size
   * @return a copy
   */
  public ModelSpec withTestSize(boolean on) {
    return new ModelSpec(variant, weights, dataset, engine, device, on, embeddings);
  }

  /**
   * @return the variant as it runs (at its test size with {@link #testSize})
   */
  public Variant resolvedVariant() {
    Variant v = Variants.get(variant);
    return testSize ? v.atTestSize() : v;
  }

  /**
   * @return the weights in words, for logs and messages
   */
  public String describeWeights() {
    return weights != null ? weights : ZOO_PREFIX + variant + "-" + dataset;
  }

  private static String noShipped(String variant, String dataset) {
    return "no "
        + (variant == null ? "" : variant + " ")
        + "model trained on "
        + dataset
        + " ships with attnzoo; "
        + shippedList();
  }

  private static String shippedList() {
    return "shipped: " + String.join(", ", ShippedModels.references());
  }
}
