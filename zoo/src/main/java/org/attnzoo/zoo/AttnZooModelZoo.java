package org.attnzoo.zoo;

import ai.djl.Application;
import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.attnzoo.zoo.image.ClassificationTranslator;
import org.attnzoo.zoo.image.EvalTransform;
import org.attnzoo.zoo.runtime.Engines;

/**
 * The attnzoo {@link ModelZoo}: one model loader per variant of the {@link Variants} table, with
 * the variant name as artifact id. Found by {@code Criteria} through {@link AttnZooProvider}.
 *
 * <pre>{@code
 * Criteria<Image, Classifications> criteria = Criteria.builder()
 *     .setTypes(Image.class, Classifications.class)
 *     .optGroupId("org.attnzoo")
 *     .optArtifactId("vit_tiny_patch16_224")
 *     .optArgument("weights", "vit_tiny.safetensors")   // or .params; or "randomInit", true
 *     .build();
 * }</pre>
 *
 * <p>As in DJL's own zoos, a loader that cannot serve a {@code Criteria} throws {@link
 * ModelNotFoundException}, so that DJL asks the next one; its message (the cause of DJL's final
 * exception) says why and what to pass. Every loader decides from the {@code Criteria} alone, so
 * the answer does not depend on the order in which DJL asks them:
 *
 * <ul>
 *   <li>Each variant's {@link MRL} lists artifacts ({@link AttnZooRepository}) whose properties
 *       {@code optFilter} matches: {@code variant}, {@code family}, {@code mechanism}, {@code
 *       inputSize} ({@code 1x32x32}), {@code params}, {@code shipped} and, for weights shipped in
 *       the jar, {@code dataset}.
 *   <li>With a variant named ({@code optArtifactId} or {@code optFilter("variant", name)}), weights
 *       come from {@code optArgument("weights", path-or-url-or-hub-id)}, from the Hugging Face Hub
 *       repository timm publishes for the variant with {@code optArgument("pretrained", true)}
 *       ({@link Pretrained}), from the jar with {@code optFilter("dataset", name)}, or are random
 *       with {@code optArgument("randomInit", true)}. Downloads ({@code http(s)} URLs, Hub ids
 *       {@code hf-hub:ORG/NAME}) are kept in DJL's cache folder and reused offline ({@link
 *       org.attnzoo.zoo.weights.WeightsCache}).
 *   <li>A Hub id of timm's ({@code hf-hub:timm/<variant>.<tag>}) names its variant: with it, no
 *       artifact id is needed.
 *   <li>With no variant named (only an application, a dataset or other filters), the most accurate
 *       shipped model matching the filters answers: the documented default.
 *   <li>{@code optArgument("numClasses", K)} loads every weight except the classifier and starts a
 *       new K-class one ({@link TransferLearning}); {@code optArgument("freezeBackbone", true)}
 *       leaves only the classifier trainable; {@code optArgument("labels", list)} names the K
 *       classes.
 *   <li>{@code optArgument("testSize", true)} runs the variant at timm's {@code test_input_size}
 *       and {@code test_crop_pct} (EdgeNeXt: 288 or 320 at crop 1.0), backbone and preprocessing
 *       alike ({@link Variant#atTestSize()}).
 *   <li>An argument the zoo does not know is an error listing the known ones ({@link #ARGUMENTS}),
 *       unless a translator factory of the caller's, which may read its own arguments, is given.
 * </ul>
 *
 * <p>With {@code optEngine("OnnxRuntime")} the model runs on ONNX Runtime: {@code
 * optArgument("onnx", file)} names a model written by {@code attnzoo export}, or the {@code
 * weights} are exported on the fly (and cached, {@link org.attnzoo.zoo.export.OnnxExportCache}).
 * Without {@code optEngine}, classification with given weights ({@code Image -> Classifications})
 * runs on the engine measured fastest for the variant ({@link AutoEngine}: PyTorch unless ONNX
 * Runtime is on the class path and was measured faster); {@code NDList -> NDList}, transfer
 * learning ({@code numClasses}, {@code freezeBackbone}) and random initialisation use PyTorch,
 * whose model has a block to work with. Inputs and outputs: {@code Image -> Classifications} or
 * {@code NDList -> NDList}.
 */
public class AttnZooModelZoo extends ModelZoo {

  /** The {@code optArgument} names the zoo reads. */
  public static final List<String> ARGUMENTS =
      List.of(
          "weights",
          "pretrained",
          "randomInit",
          "onnx",
          "numClasses",
          "freezeBackbone",
          "labels",
          "testSize");

  @Override
  public String getGroupId() {
    return AttnZoo.GROUP_ID;
  }

  @Override
  public Set<String> getSupportedEngines() {
    return Set.of(AttnZoo.DEFAULT_ENGINE, Engines.ONNX_RUNTIME);
  }

  AttnZooModelZoo() {
    for (Variant v : Variants.ALL) {
      addModel(new VariantLoader(v));
    }
  }

  /**
   * {@code criteria.loadModel()}, with a diagnosis when it fails because the artifact id names no
   * variant: DJL filters artifact ids before it asks any zoo, so its own message ("No model
   * matching the criteria is found") cannot name the id; this one does, with the closest names.
   *
   * @param criteria the criteria
   * @param <I> input type
   * @param <O> output type
   * @return the model
   * @throws IOException if weights cannot be read
   * @throws ModelNotFoundException if no loader serves the criteria, saying why
   * @throws MalformedModelException if DJL finds the model malformed
   */
  public static <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
      throws IOException, ModelNotFoundException, MalformedModelException {
    String id = criteria.getArtifactId();
    boolean ours = criteria.getGroupId() == null || AttnZoo.GROUP_ID.equals(criteria.getGroupId());
    if (ours && id != null && !Variants.contains(id)) {
      throw new ModelNotFoundException(unknownVariant("artifact id", id));
    }
    return criteria.loadModel();
  }

  /**
   * The zoo's artifacts that a {@code Criteria} selects: DJL's {@code
   * ModelZoo.listModels(criteria)} lists loaders by application and artifact id only; this also
   * applies the filters, e.g. {@code optFilter("dataset", "fashion-mnist")} lists the shipped
   * models.
   *
   * @param criteria the criteria (artifact id and filters are used)
   * @return matching artifacts, in variant-table order
   */
  public static List<Artifact> listArtifacts(Criteria<?, ?> criteria) {
    String id = criteria.getArtifactId();
    return AttnZooRepository.INSTANCE.allArtifacts().stream()
        .filter(a -> id == null || id.equals(a.getProperties().get("variant")))
        .filter(a -> a.hasProperties(criteria.getFilters()))
        .collect(Collectors.toList());
  }

  /**
   * The most accurate shipped model whose artifact matches the filters: what a {@code Criteria}
   * naming no variant loads.
   *
   * @param filters {@code optFilter} values (may be null)
   * @return its artifact, or null if no shipped model matches
   */
  static Artifact defaultArtifact(Map<String, String> filters) {
    return AttnZooRepository.INSTANCE.allArtifacts().stream()
        .filter(a -> "true".equals(a.getProperties().get("shipped")))
        .filter(a -> a.hasProperties(filters))
        .max(
            Comparator.comparingDouble(
                a -> Double.parseDouble(a.getProperties().get("testAccuracy"))))
        .orElse(null);
  }

  /** "No variant 'x'; did you mean a, b?" with the known names. */
  static String unknownVariant(String what, String name) {
    List<String> close = Names.closest(name, Variants.ALL.stream().map(Variant::name).toList());
    return "attnzoo has no variant '"
        + name
        + "' ("
        + what
        + ")."
        + (close.isEmpty() ? "" : " Did you mean " + String.join(", ", close) + "?")
        + " Known variants: "
        + Variants.ALL.stream().map(Variant::name).collect(Collectors.joining(", "));
  }

  /** Why no artifact of any variant matches the filters, with the values that would. */
  static String noMatch(Map<String, String> filters) {
    String wanted = filters.get("variant");
    if (wanted != null && !Variants.contains(wanted)) {
      return unknownVariant("filter variant", wanted);
    }
    List<Artifact> all = AttnZooRepository.INSTANCE.allArtifacts();
    List<String> matching =
        all.stream().filter(a -> a.hasProperties(filters)).map(Artifact::getName).toList();
    if (!matching.isEmpty()) {
      return "filters " + filters + " select " + String.join(", ", matching);
    }
    StringBuilder sb = new StringBuilder("no attnzoo artifact has the properties " + filters);
    for (Map.Entry<String, String> f : filters.entrySet()) {
      Set<String> values = new TreeSet<>();
      all.forEach(
          a -> {
            String v = a.getProperties().get(f.getKey());
            if (v != null) {
              values.add(v);
            }
          });
      if (values.isEmpty()) {
        sb.append("; '")
            .append(f.getKey())
            .append("' is not a property (properties: ")
            .append(String.join(", ", AttnZooRepository.PROPERTIES))
            .append(')');
      } else if (!values.contains(f.getValue())) {
        List<String> close = Names.closest(f.getValue(), values);
        sb.append("; no artifact has ").append(f.getKey()).append(" '").append(f.getValue());
        sb.append(close.isEmpty() ? "'" : "' (did you mean " + String.join(", ", close) + "?)");
        if (values.size() <= 20) {
          sb.append(", values: ").append(String.join(", ", values));
        }
      }
    }
    return sb.append(". List the artifacts with AttnZooModelZoo.listArtifacts(criteria)")
        .toString();
  }

  /** Loads one variant. */
  static final class VariantLoader implements ModelLoader {

    private final Variant variant;
    private final MRL mrl;

    VariantLoader(Variant variant) {
      this.variant = variant;
      this.mrl = AttnZooRepository.INSTANCE.mrl(variant);
    }

    @Override
    public String getGroupId() {
      return AttnZoo.GROUP_ID;
    }

    @Override
    public String getArtifactId() {
      return variant.name();
    }

    @Override
    public Application getApplication() {
      return Application.CV.IMAGE_CLASSIFICATION;
    }

    @Override
    public MRL getMrl() {
      return mrl;
    }

    @Override
    public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
        throws IOException, ModelNotFoundException {
      Map<String, String> filters =
          criteria.getFilters() == null ? Map.of() : criteria.getFilters();
      Map<String, Object> args =
          criteria.getArguments() == null ? Map.of() : criteria.getArguments();
      // A translator the caller gave (optTranslator / optTranslatorFactory) wins over ours.
      TranslatorFactory userFactory = criteria.getTranslatorFactory();
      boolean userTranslator =
          userFactory != null
              && userFactory.isSupported(criteria.getInputClass(), criteria.getOutputClass());
      if (!userTranslator) {
        checkArguments(args);
      }
      Artifact artifact =
          AttnZooRepository.INSTANCE.artifacts(variant.name()).stream()
              .filter(a -> a.hasProperties(filters))
              .findFirst()
              .orElse(null);
      if (artifact == null) {
        throw new ModelNotFoundException(variant.name() + " does not match: " + noMatch(filters));
      }
      Object weights = args.get("weights");
      Object onnx = args.get("onnx");
      boolean random = Boolean.parseBoolean(String.valueOf(args.get("randomInit")));
      boolean pretrained = Boolean.parseBoolean(String.valueOf(args.get("pretrained")));
      if (pretrained && weights != null) {
        throw new IllegalArgumentException(
            "give optArgument(\"weights\", ...) or optArgument(\"pretrained\", true), not both:"
                + " pretrained loads the variant's own published weights");
      }
      // A timm Hub id names its variant when the criteria name none; a variant named explicitly
      // still takes weights of another (a ViT at 384 loads the 224 weights, resampled).
      String hubVariant = Pretrained.variantOf(weights).orElse(null);
      boolean explicit = criteria.getArtifactId() != null || filters.containsKey("variant");
      if (!explicit && hubVariant != null && !hubVariant.equals(variant.name())) {
        throw new ModelNotFoundException(
            "not "
                + variant.name()
                + ": the Hub id "
                + weights
                + " holds weights of "
                + hubVariant);
      }
      boolean named = explicit || hubVariant != null;
      boolean given = weights != null || onnx != null || random || pretrained;
      String shipped = null;
      if (!named) {
        if (given) {
          throw new ModelNotFoundException(
              "weights, pretrained or randomInit were given but no variant is named: name it with"
                  + " optArtifactId(\"vit_micro_patch4_32\") or optFilter(\"variant\", ...)");
        }
        Artifact best = defaultArtifact(filters);
        if (best == null) {
          throw new ModelNotFoundException(
              "no model trained by attnzoo ships for "
                  + (filters.isEmpty() ? "these criteria" : "the filters " + filters)
                  + " (shipped: "
                  + ShippedModels.all().stream()
                      .map(s -> s.variant() + "-" + s.dataset())
                      .collect(Collectors.joining(", "))
                  + "); name a variant with optArtifactId and give weights with"
                  + " optArgument(\"weights\", path-or-url)");
        }
        if (!variant.name().equals(best.getProperties().get("variant"))) {
          throw new ModelNotFoundException(
              "not the default: with no variant named, attnzoo loads the most accurate shipped"
                  + " model matching the filters, "
                  + best.getName());
        }
        shipped = best.getProperties().get("dataset");
      } else if (!given) {
        String dataset = artifact.getProperties().get("dataset");
        if (dataset == null
            || !(filters.containsKey("dataset") || filters.containsKey("shipped"))) {
          throw new ModelNotFoundException(howToGiveWeights());
        }
        shipped = dataset;
      }
      if (weights == null && shipped != null) {
        weights = shippedWeights(shipped);
      }
      if (pretrained) {
        try {
          weights = variant.reference().pretrained().weights(variant.name());
        } catch (IllegalArgumentException e) {
          throw new ModelNotFoundException(e.getMessage(), e);
        }
      }
      // optArgument("testSize", true): timm's test_input_size / test_crop_pct (EdgeNeXt at 288 or
      // 320, crop 1.0), backbone and translator alike; the weights are the same.
      Variant sized =
          Boolean.parseBoolean(String.valueOf(args.get("testSize")))
              ? variant.atTestSize()
              : variant;
      Integer numClasses = numClasses(args.get("numClasses"));
      Variant built =
          numClasses == null ? sized : TransferLearning.withNumClasses(sized, numClasses);
      Device device = criteria.getDevice() == null ? Device.cpu() : criteria.getDevice();
      boolean freeze = Boolean.parseBoolean(String.valueOf(args.get("freezeBackbone")));
      String engine = criteria.getEngine();
      if (engine == null
          && built == sized
          && !freeze
          && (weights != null || onnx != null)
          && !NDList.class.equals(criteria.getOutputClass())) {
        // No optEngine, end-to-end inference (Image -> Classifications): run where it was measured
        // fastest (AutoEngine). NDList -> NDList keeps PyTorch, whose model has a block to use.
        engine = AutoEngine.choose(sized, 1, device).engine();
      }
      Model model;
      if (Engines.isOnnxRuntime(engine)) {
        if (built != sized) {
          throw new IllegalArgumentException(
              "numClasses needs the PyTorch engine (a new classifier is built and trained there);"
                  + " fine-tune, export with attnzoo export, then run the .onnx on OnnxRuntime");
        }
        Object source = onnx != null ? onnx : weights;
        if (source == null) {
          throw new ModelNotFoundException(
              "variant "
                  + variant.name()
                  + " on OnnxRuntime: give an exported model with optArgument(\"onnx\", file)"
                  + " or weights to export on the fly with optArgument(\"weights\", file)");
        }
        model = AttnZoo.loadOnnxRuntime(sized, source.toString(), device);
      } else if (weights != null) {
        model =
            built == sized
                ? AttnZoo.load(sized, weights.toString(), device, engine)
                : TransferLearning.load(sized, weights.toString(), numClasses, device, engine);
      } else if (random) {
        model = AttnZoo.newModel(built, device, engine);
      } else {
        throw new ModelNotFoundException(howToGiveWeights());
      }
      if (freeze) {
        TransferLearning.freezeBackbone(model, sized, true);
      }
      Translator<I, O> translator;
      try {
        translator =
            userTranslator
                ? userFactory.newInstance(
                    criteria.getInputClass(), criteria.getOutputClass(), model, args)
                : translator(criteria, sized, built, args.get("labels"));
      } catch (ai.djl.translate.TranslateException | ModelNotFoundException e) {
        model.close();
        throw e instanceof ModelNotFoundException m
            ? m
            : new ModelNotFoundException("the given translator factory failed", e);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
      return new InferenceZooModel<>(model, translator);
    }

    private String howToGiveWeights() {
      List<String> datasets =
          ShippedModels.all().stream()
              .filter(s -> s.variant().equals(variant.name()))
              .map(ShippedModels.Shipped::dataset)
              .toList();
      return "variant "
          + variant.name()
          + ": give weights with optArgument(\"weights\", path-or-url) (a timm .safetensors, an"
          + " attnzoo .params or one saved by DJL's Model.save, or a Hub id hf-hub:ORG/NAME)"
          + (variant.reference().pretrained().available()
              ? ", download timm's with optArgument(\"pretrained\", true) ("
                  + variant.reference().pretrained().hubId()
                  + ")"
              : "")
          + (datasets.isEmpty()
              ? ""
              : ", load the weights shipped in the jar with optFilter(\"dataset\", \""
                  + datasets.get(0)
                  + "\")")
          + ", or ask for random weights with optArgument(\"randomInit\", true)";
    }

    private static void checkArguments(Map<String, Object> args) throws ModelNotFoundException {
      Set<String> unknown = new LinkedHashSet<>(args.keySet());
      ARGUMENTS.forEach(unknown::remove);
      if (unknown.isEmpty()) {
        return;
      }
      List<String> hints = new ArrayList<>();
      for (String u : unknown) {
        List<String> close = Names.closest(u, ARGUMENTS);
        hints.add("'" + u + "'" + (close.isEmpty() ? "" : " (did you mean " + close.get(0) + "?)"));
      }
      throw new ModelNotFoundException(
          "attnzoo does not know the argument"
              + (unknown.size() > 1 ? "s " : " ")
              + String.join(", ", hints)
              + "; it reads "
              + String.join(", ", ARGUMENTS)
              + " (arguments for a translator of your own need optTranslatorFactory)");
    }

    private static Integer numClasses(Object value) {
      if (value == null) {
        return null;
      }
      try {
        return value instanceof Number n
            ? Integer.valueOf(Math.toIntExact(n.longValue()))
            : Integer.valueOf(value.toString().trim());
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException(
            "optArgument(\"numClasses\", " + value + "): expected a whole number of classes", e);
      }
    }

    /**
     * Extracts the weights shipped for this variant and dataset from the jar to a temporary file.
     */
    private String shippedWeights(String dataset) throws IOException, ModelNotFoundException {
      ShippedModels.Shipped shipped =
          ShippedModels.find(variant.name(), dataset)
              .orElseThrow(
                  () ->
                      new ModelNotFoundException(
                          "no " + variant.name() + " weights trained on " + dataset + " ship"));
      try (InputStream in = AttnZooModelZoo.class.getResourceAsStream(shipped.resource())) {
        if (in == null) {
          throw new ModelNotFoundException(
              "attnzoo jar lacks " + shipped.resource() + " listed in " + ShippedModels.INDEX);
        }
        Path tmp = Files.createTempFile("attnzoo-" + variant.name() + "-", ".params");
        tmp.toFile().deleteOnExit();
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        return tmp.toString();
      }
    }

    @SuppressWarnings("unchecked")
    private <I, O> Translator<I, O> translator(
        Criteria<I, O> criteria, Variant sized, Variant built, Object labels)
        throws ModelNotFoundException {
      Class<I> in = criteria.getInputClass();
      Class<O> out = criteria.getOutputClass();
      if (in == NDList.class && out == NDList.class) {
        return (Translator<I, O>) Translators.raw();
      }
      if (in != Image.class || out != Classifications.class) {
        throw new ModelNotFoundException(
            "attnzoo models take Image -> Classifications or NDList -> NDList, not "
                + in.getSimpleName()
                + " -> "
                + out.getSimpleName()
                + "; give your own with optTranslator or optTranslatorFactory");
      }
      int k = built.config().numClasses();
      if (built == sized && labels == null) {
        return (Translator<I, O>) Translators.classification(sized);
      }
      if (k == 0) {
        throw new IllegalArgumentException(
            "numClasses 0 gives pooled features, not classes: use NDList -> NDList");
      }
      List<String> names = labels(labels, k);
      return (Translator<I, O>)
          new ClassificationTranslator(new EvalTransform(sized.data()), names);
    }

    private static List<String> labels(Object labels, int k) {
      if (labels == null) {
        return IntStream.range(0, k).mapToObj(String::valueOf).toList();
      }
      List<String> names =
          labels instanceof Collection<?> c
              ? c.stream().map(String::valueOf).toList()
              : List.of(labels.toString().split("\\s*,\\s*", -1));
      if (names.size() != k) {
        throw new IllegalArgumentException(
            "optArgument(\"labels\", ...) gives "
                + names.size()
                + " names for "
                + k
                + " classes; give one name per class, as a List or comma-separated");
      }
      return names;
    }

    @Override
    public <I, O> boolean isDownloaded(Criteria<I, O> criteria) {
      return true;
    }

    @Override
    public <I, O> void downloadModel(Criteria<I, O> criteria, Progress progress) {
      // Shipped weights are in the jar, others are given by the caller: nothing to download.
    }

    @Override
    public String toString() {
      return getGroupId() + ":" + getArtifactId();
    }
  }
}
