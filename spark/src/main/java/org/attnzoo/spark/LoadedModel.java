package org.attnzoo.spark;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.attnzoo.backbones.Backbone;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.AttnZooModelZoo;
import org.attnzoo.zoo.Labels;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.image.EvalTransform;
import org.attnzoo.zoo.runtime.Devices;
import org.attnzoo.zoo.runtime.Engines;

/**
 * A model as an executor holds it: the classifier (on PyTorch also its backbone, which gives the
 * logits and the pre-logits embedding in one pass; on ONNX Runtime, for embeddings, a second graph
 * without the classifier), the variant's eval preprocessing and its labels. Loaded through {@code
 * Criteria} exactly as {@code attnzoo predict} loads it; shared by every task of the executor, each
 * of which opens its own {@link Predictor}s.
 */
public final class LoadedModel implements AutoCloseable {

  /** Models loaded through the zoo's {@code Criteria} in this JVM (tests: one per spec). */
  private static final AtomicInteger ZOO_LOADS = new AtomicInteger();

  private final ModelSpec spec;
  private final String engine;
  private final Variant variant;
  private final ZooModel<NDList, NDList> classifier;
  private final Model features;
  private final EvalTransform transform;
  private final List<String> labels;

  private LoadedModel(
      ModelSpec spec,
      String engine,
      Variant variant,
      ZooModel<NDList, NDList> classifier,
      Model features) {
    this.spec = spec;
    this.engine = engine;
    this.variant = variant;
    this.classifier = classifier;
    this.features = features;
    this.transform = new EvalTransform(variant.data());
    this.labels = Labels.of(variant.data().labels());
  }

  /**
   * Loads the model a spec names, on this JVM.
   *
   * @param spec the model
   * @return the loaded model; close it when the executor is done with it
   * @throws IOException if the weights cannot be read
   * @throws IllegalArgumentException if they do not fit the variant or engine
   */
  public static LoadedModel load(ModelSpec spec) throws IOException {
    String engine = Engines.resolve(spec.engine());
    Device device = Devices.resolve(spec.device(), engine);
    Variant variant = spec.resolvedVariant();
    String weights = spec.weights() == null ? null : RemoteFiles.local(spec.weights());
    ZooModel<NDList, NDList> classifier = load(criteria(spec, weights, engine, device, false));
    try {
      Model features = null;
      if (spec.embeddings() && Engines.isOnnxRuntime(engine)) {
        // On PyTorch the classifier's own backbone gives both outputs in one pass
        // (backbone()); ONNX Runtime's graph ends in the classifier.
        features = onnxFeatures(spec, weights, variant, device);
      }
      return new LoadedModel(spec, engine, variant, classifier, features);
    } catch (IOException | RuntimeException e) {
      classifier.close();
      throw e;
    }
  }

  /**
   * The {@code Criteria} of {@code attnzoo predict} with raw tensors in and out: the zoo builds the
   * backbone, fills its weights (file, URL or shipped) and, on ONNX Runtime, exports it on the fly.
   * The preprocessing runs here, outside the translator, so that a batch is one forward call.
   */
  private static Criteria<NDList, NDList> criteria(
      ModelSpec spec, String weights, String engine, Device device, boolean pooled) {
    Criteria.Builder<NDList, NDList> b =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(spec.variant())
            .optEngine(engine)
            .optDevice(device);
    if (spec.testSize()) {
      b.optArgument("testSize", true);
    }
    if (pooled) {
      // timm's num_classes=0: every weight but the classifier; the output is the pre-logits
      // embedding that the classifier would read.
      b.optArgument("numClasses", 0);
    }
    return weights != null
        ? b.optArgument("weights", weights).build()
        : b.optFilter("dataset", spec.dataset()).build();
  }

  private static ZooModel<NDList, NDList> load(Criteria<NDList, NDList> criteria)
      throws IOException {
    ZOO_LOADS.incrementAndGet();
    try {
      return AttnZooModelZoo.loadModel(criteria);
    } catch (ModelNotFoundException | MalformedModelException e) {
      throw new IllegalArgumentException(why(e), e);
    }
  }

  /**
   * ONNX Runtime has no classifier-free graph of its own: the backbone without its classifier is
   * built on PyTorch from the same weights and exported, once per executor.
   */
  private static Model onnxFeatures(ModelSpec spec, String weights, Variant variant, Device device)
      throws IOException {
    if (weights != null && weights.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      throw new IllegalArgumentException(
          "embeddings need the weights (.safetensors, .params or shipped), not an exported .onnx"
              + " graph, which ends in the classifier; or run without embeddings");
    }
    Variant pooled = TransferLearning.withNumClasses(variant, 0);
    Path onnx = Files.createTempFile("attnzoo-" + variant.name() + "-features-", ".onnx");
    onnx.toFile().deleteOnExit();
    try (ZooModel<NDList, NDList> source =
        load(criteria(spec, weights, Engines.PYTORCH, Device.cpu(), true))) {
      AttnZoo.exportOnnx(source, pooled, onnx);
    }
    Model model = Model.newInstance(variant.name() + "-features", device, Engines.ONNX_RUNTIME);
    try {
      model.load(onnx, variant.name(), Map.of());
      return model;
    } catch (MalformedModelException | IOException | RuntimeException e) {
      model.close();
      throw new IllegalArgumentException(
          "ONNX Runtime cannot load the embedding model of " + variant.name() + ": " + e, e);
    }
  }

  /**
   * @return how many models this JVM has loaded through the zoo's {@code Criteria} (the classifier,
   *     and any second model for embeddings), since it started
   */
  static int zooLoads() {
    return ZOO_LOADS.get();
  }

  /** The innermost message of DJL's model-not-found chain: the zoo's reason. */
  private static String why(Exception e) {
    String why = e.getMessage();
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        why = t.getMessage();
      }
    }
    return why;
  }

  /**
   * @return the spec it was loaded from
   */
  public ModelSpec spec() {
    return spec;
  }

  /**
   * @return the DJL engine that runs it
   */
  public String engine() {
    return engine;
  }

  /**
   * @return the variant as it runs (test size applied)
   */
  public Variant variant() {
    return variant;
  }

  /**
   * @return the eval preprocessing of {@code attnzoo predict}
   */
  public EvalTransform transform() {
    return transform;
  }

  /**
   * @return class names in index order
   */
  public List<String> labels() {
    return labels;
  }

  /**
   * @return the classifier
   */
  public Model classifier() {
    return classifier;
  }

  /**
   * @return the classifier-free model (pre-logits embedding) on ONNX Runtime, or null: without
   *     embeddings, or on PyTorch, where {@link #backbone()} gives both outputs
   */
  public Model features() {
    return features;
  }

  /**
   * @return the classifier's block as a backbone, on PyTorch; null on ONNX Runtime, whose model has
   *     no block
   */
  public Backbone backbone() {
    return classifier.getBlock() instanceof Backbone b ? b : null;
  }

  /**
   * @return a new predictor of logits for one task
   */
  public Predictor<NDList, NDList> newClassifierPredictor() {
    return classifier.newPredictor(new NoopTranslator());
  }

  /**
   * @return a new predictor of embeddings for one task on ONNX Runtime, or null
   */
  public Predictor<NDList, NDList> newFeaturesPredictor() {
    return features == null ? null : features.newPredictor(new NoopTranslator());
  }

  @Override
  public void close() {
    if (features != null) {
      features.close();
    }
    classifier.close();
  }
}
