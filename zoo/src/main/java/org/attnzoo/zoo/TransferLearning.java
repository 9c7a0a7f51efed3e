package org.attnzoo.zoo;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.attnzoo.backbones.Backbone;
import org.attnzoo.nn.ParameterPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tuning a variant to other classes, with timm's semantics: {@code create_model(name,
 * pretrained=True, num_classes=K)} loads every weight except the classifier and initialises a new
 * one; {@code reset_classifier(K)} replaces the classifier of a model; freezing the backbone trains
 * the new head alone.
 *
 * <p>The classifier is found, for every family alike, as the parameters whose shape depends on the
 * number of classes: the backbone built with 1 and with 2 classes differs exactly there ({@code
 * head.*} for ViT, {@code head.fc.*} for Swin and EdgeNeXt, both heads of SwiftFormer, the last
 * linear layer of EfficientViT and Conv2Former). So a new family needs no list of head names.
 *
 * <pre>{@code
 * Variant v = Variants.get("vit_micro_patch4_32");
 * try (Model model = TransferLearning.load(v, "vit_micro-fashion-mnist.params", 5, Device.cpu())) {
 *   TransferLearning.freezeBackbone(model, v, true); // train the head alone
 *   // ... DJL Trainer as usual; then freezeBackbone(model, v, false) to fine-tune everything
 * }
 * }</pre>
 */
public final class TransferLearning {

  /** Model property holding the {@link Report} of the last transfer, in words. */
  public static final String REPORT = "attnzoo.transfer";

  private static final Logger LOG = LoggerFactory.getLogger(TransferLearning.class);
  private static final Map<String, Layout> LAYOUTS = new ConcurrentHashMap<>();

  private TransferLearning() {}

  /**
   * What a transfer kept and what it replaced.
   *
   * @param variant the variant
   * @param numClasses the new number of classes
   * @param loaded how many parameters came from the source
   * @param newHead the freshly initialised classifier parameters and their shapes
   * @param skipped the source's parameters that were not used (its classifier) and their shapes
   */
  public record Report(
      String variant,
      int numClasses,
      int loaded,
      Map<String, Shape> newHead,
      Map<String, Shape> skipped) {

    @Override
    public String toString() {
      return String.format(
          "%s with %d classes: %d parameters loaded; new classifier %s; skipped from the weights:"
              + " %s",
          variant, numClasses, loaded, newHead, skipped.isEmpty() ? "nothing" : skipped);
    }
  }

  /**
   * @param variant a variant
   * @param numClasses classifier outputs (0: the backbone returns pooled features)
   * @return the variant with a classifier of that size; name, data config and figures unchanged
   */
  public static Variant withNumClasses(Variant variant, int numClasses) {
    if (numClasses < 0) {
      throw new IllegalArgumentException(
          "numClasses must be 0 (pooled features) or more, got " + numClasses);
    }
    if (numClasses == variant.config().numClasses()) {
      return variant;
    }
    return new Variant(
        variant.name(),
        variant.config().withNumClasses(numClasses),
        variant.data(),
        variant.reference());
  }

  /**
   * The classifier's parameter paths (see {@link ParameterPaths}): those whose shape depends on the
   * number of classes. Computed once per architecture, on two small-headed probes.
   *
   * @param variant a variant
   * @return the classifier's parameter paths
   */
  public static Set<String> classifierPaths(Variant variant) {
    return layout(variant).head();
  }

  /**
   * What a backbone of an architecture holds, whatever its number of classes.
   *
   * @param backbone every parameter but the classifier's, by path, with its shape
   * @param head the classifier's parameter paths
   */
  private record Layout(Map<String, Shape> backbone, Set<String> head) {}

  private static Layout layout(Variant variant) {
    Variant one = withNumClasses(variant, 1);
    return LAYOUTS.computeIfAbsent(one.config().toString(), k -> probe(one));
  }

  private static Layout probe(Variant one) {
    Variant two = withNumClasses(one, 2);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Map<String, Shape> a = shapes(one, manager);
      Map<String, Shape> b = shapes(two, manager);
      Set<String> head = new TreeSet<>();
      Map<String, Shape> backbone = new LinkedHashMap<>();
      a.forEach(
          (k, s) -> {
            if (s.equals(b.get(k))) {
              backbone.put(k, s);
            } else {
              head.add(k);
            }
          });
      return new Layout(Collections.unmodifiableMap(backbone), Set.copyOf(head));
    }
  }

  private static Map<String, Shape> shapes(Variant v, NDManager manager) {
    Block block = v.config().newBlock();
    block.initialize(manager, DataType.FLOAT32, v.config().inputShape(1));
    return shapes(block);
  }

  private static Map<String, Shape> shapes(Block block) {
    Map<String, Shape> out = new LinkedHashMap<>();
    ParameterPaths.of(block).forEach((k, p) -> out.put(k, p.getArray().getShape()));
    return out;
  }

  /**
   * Replaces a model's classifier with a new one of {@code numClasses} outputs, initialised as the
   * reference implementation initialises it; every other parameter is kept, the very same arrays
   * (timm's {@code reset_classifier}, through the block's own {@link Backbone#resetClassifier}).
   * The block stays the model's, with its configuration (a ToSA keep ratio read from the weights,
   * say) and its frozen parameters; only its number of classes changes.
   *
   * @param model an initialised model of the variant (any number of classes)
   * @param variant its variant
   * @param numClasses classifier outputs of the new head (0: pooled features, no head)
   * @return what was kept and replaced, also stored as the model property {@link #REPORT}
   * @throws IllegalArgumentException if the model's backbone is not the variant's; the model is
   *     then unchanged
   */
  public static Report resetClassifier(Model model, Variant variant, int numClasses) {
    Block block = model.getBlock();
    if (block == null || !block.isInitialized()) {
      throw new IllegalStateException("resetClassifier needs a loaded or initialised model");
    }
    withNumClasses(variant, numClasses); // checks numClasses before anything changes
    if (!(block instanceof Backbone backbone)) {
      throw new IllegalArgumentException(
          "the model's block is a "
              + block.getClass().getSimpleName()
              + ", not an attnzoo backbone; load it with AttnZoo.load or TransferLearning.load");
    }
    Layout layout = layout(variant);
    Map<String, Shape> before = shapes(block);
    checkBackbone(before, layout, variant);
    backbone.resetClassifier(numClasses);
    // Draws the new classifier only: every other parameter is initialised already.
    block.initialize(model.getNDManager(), DataType.FLOAT32, backbone.config().inputShape(1));
    Map<String, Shape> newHead = new LinkedHashMap<>(shapes(block));
    newHead.keySet().retainAll(layout.head());
    Map<String, Shape> skipped = new LinkedHashMap<>(before);
    skipped.keySet().retainAll(layout.head());
    Report report =
        new Report(variant.name(), numClasses, layout.backbone().size(), newHead, skipped);
    model.setProperty(REPORT, report.toString());
    LOG.info("{}", report);
    return report;
  }

  // Every parameter but the classifier's must be there with the variant's shape, and no other.
  private static void checkBackbone(Map<String, Shape> model, Layout layout, Variant variant) {
    List<String> problems = new ArrayList<>();
    layout
        .backbone()
        .forEach(
            (k, want) -> {
              Shape got = model.get(k);
              if (got == null) {
                problems.add("missing " + k + " " + want);
              } else if (!got.equals(want)) {
                problems.add(k + ": model " + got + ", needs " + want);
              }
            });
    model.forEach(
        (k, s) -> {
          if (!layout.backbone().containsKey(k) && !layout.head().contains(k)) {
            problems.add("unexpected " + k + " " + s);
          }
        });
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "the model's backbone is not that of "
              + variant.name()
              + " ("
              + problems.size()
              + " problems): "
              + String.join("; ", problems));
    }
  }

  /**
   * A model of the variant with a classifier of {@code numClasses} outputs and weights from a file
   * or URL, as {@link AttnZoo#load}. Weights whose classifier has another size (e.g. the shipped
   * 10-class Fashion-MNIST weights, or a timm ImageNet checkpoint) fill the backbone, all or
   * nothing, and the classifier starts fresh ({@link #resetClassifier}); weights that already have
   * {@code numClasses} outputs (a fine-tuned model saved earlier) load whole.
   *
   * @param variant the variant as published
   * @param weights a path or URL ({@code .safetensors} or {@code .params})
   * @param numClasses classifier outputs
   * @param device where to run
   * @param engine engine name, or null for PyTorch
   * @return the model; its property {@link #REPORT} says what was kept and skipped
   * @throws IOException if the weights cannot be read
   * @throws IllegalArgumentException if the backbone's weights do not fit the variant
   */
  public static Model load(
      Variant variant, String weights, int numClasses, Device device, String engine)
      throws IOException {
    Variant target = withNumClasses(variant, numClasses);
    if (target == variant) {
      return AttnZoo.load(variant, weights, device, engine);
    }
    Model model;
    try {
      model = AttnZoo.load(variant, weights, device, engine);
    } catch (IllegalArgumentException asPublished) {
      try {
        // Weights already fine-tuned to numClasses: they fit the target whole.
        Model whole = AttnZoo.load(target, weights, device, engine);
        whole.setProperty(
            REPORT, variant.name() + " with " + numClasses + " classes: loaded whole");
        return whole;
      } catch (IllegalArgumentException withTarget) {
        asPublished.addSuppressed(withTarget);
        throw asPublished;
      }
    }
    try {
      resetClassifier(model, variant, numClasses);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * @param variant the variant as published
   * @param weights a path or URL
   * @param numClasses classifier outputs
   * @param device where to run
   * @return the model on the default engine; see {@link #load(Variant, String, int, Device,
   *     String)}
   * @throws IOException if the weights cannot be read
   */
  public static Model load(Variant variant, String weights, int numClasses, Device device)
      throws IOException {
    return load(variant, weights, numClasses, device, null);
  }

  /**
   * Freezes (or unfreezes) every parameter except the classifier, so that a DJL {@code Trainer}
   * updates the head alone: DJL's optimizers skip parameters whose {@link
   * Parameter#requiresGradient()} is false.
   *
   * @param model a model of the variant
   * @param variant its variant
   * @param freeze true to freeze the backbone, false to train everything again
   * @return how many parameters changed state (the backbone's)
   */
  public static int freezeBackbone(Model model, Variant variant, boolean freeze) {
    Set<String> head = classifierPaths(variant);
    int n = 0;
    for (Map.Entry<String, Parameter> e : ParameterPaths.of(model.getBlock()).entrySet()) {
      Parameter.Type type = e.getValue().getType();
      if (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR) {
        continue; // statistics, never trained by gradient: left as they are
      }
      if (head.contains(e.getKey())) {
        e.getValue().freeze(false);
      } else {
        e.getValue().freeze(freeze);
        n++;
      }
    }
    return n;
  }
}
