package org.attnzoo.zoo;

import ai.djl.Application;
import ai.djl.Device;
import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
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
import java.util.Map;
import java.util.Set;

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
 * With {@code optEngine("OnnxRuntime")} the model runs on ONNX Runtime: {@code optArgument("onnx",
 * file)} names a model written by {@code attnzoo export}, or the {@code weights} are exported on
 * the fly.
 *
 * <p>Instead of the artifact id, {@code optFilter("variant", name)} selects the variant. {@code
 * optFilter("dataset", "fashion-mnist")} without a {@code weights} argument selects weights trained
 * by attnzoo and shipped as resources {@code weights/<variant>-<dataset>.params}. Weights come from
 * the {@code weights} argument (path or URL); random initialisation only with {@code
 * randomInit=true}. Inputs and outputs: {@code Image -> Classifications} or {@code NDList ->
 * NDList}.
 */
public class AttnZooModelZoo extends ModelZoo {

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

  /** Loads one variant. */
  static final class VariantLoader implements ModelLoader {

    private final Variant variant;

    VariantLoader(Variant variant) {
      this.variant = variant;
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
      return MRL.undefined(null, getGroupId(), getArtifactId());
    }

    @Override
    public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
        throws IOException, ModelNotFoundException {
      Map<String, String> filters = criteria.getFilters();
      String wanted = filters == null ? null : filters.get("variant");
      if (wanted != null && !wanted.equals(variant.name())) {
        Variants.get(wanted); // an unknown name fails here, listing the known ones
        throw new ModelNotFoundException("variant " + variant.name() + " is not " + wanted);
      }
      // A translator the caller gave (optTranslator / optTranslatorFactory) wins over ours.
      TranslatorFactory userFactory = criteria.getTranslatorFactory();
      boolean userTranslator =
          userFactory != null
              && userFactory.isSupported(criteria.getInputClass(), criteria.getOutputClass());
      Translator<I, O> translator = userTranslator ? null : translator(criteria);
      Map<String, Object> args =
          criteria.getArguments() == null ? Map.of() : criteria.getArguments();
      Object weights = args.get("weights");
      boolean random = Boolean.parseBoolean(String.valueOf(args.get("randomInit")));
      Device device = criteria.getDevice() == null ? Device.cpu() : criteria.getDevice();
      String dataset = filters == null ? null : filters.get("dataset");
      if (weights == null && dataset != null) {
        weights = shippedWeights(dataset, wanted == null && criteria.getArtifactId() == null);
      }
      Model model;
      if (Engines.isOnnxRuntime(criteria.getEngine())) {
        Object onnx = args.get("onnx");
        Object source = onnx != null ? onnx : weights;
        if (source == null) {
          throw new IllegalArgumentException(
              "variant "
                  + variant.name()
                  + " on OnnxRuntime: give an exported model with optArgument(\"onnx\", file)"
                  + " or weights to export on the fly with optArgument(\"weights\", file)");
        }
        model = AttnZoo.loadOnnxRuntime(variant, source.toString(), device);
      } else if (weights != null) {
        model = AttnZoo.load(variant, weights.toString(), device, criteria.getEngine());
      } else if (random) {
        model = AttnZoo.newModel(variant, device, criteria.getEngine());
      } else {
        throw new IllegalArgumentException(
            "variant "
                + variant.name()
                + ": give weights with optArgument(\"weights\", path-or-url) (a timm .safetensors"
                + " or attnzoo .params file), or ask for random weights with"
                + " optArgument(\"randomInit\", true)");
      }
      if (userTranslator) {
        try {
          translator =
              userFactory.newInstance(
                  criteria.getInputClass(), criteria.getOutputClass(), model, args);
        } catch (ai.djl.translate.TranslateException e) {
          model.close();
          throw new ModelNotFoundException("the given translator factory failed", e);
        }
      }
      return new ZooModel<>(model, translator);
    }

    /**
     * Extracts the weights shipped for this variant and dataset. When the caller named no variant,
     * only the most accurate model for the dataset answers, so that the choice does not depend on
     * the order in which DJL asks the loaders.
     */
    private String shippedWeights(String dataset, boolean bestOnly)
        throws IOException, ModelNotFoundException {
      ShippedModels.Shipped shipped =
          ShippedModels.find(variant.name(), dataset)
              .orElseThrow(
                  () ->
                      new ModelNotFoundException(
                          "no "
                              + variant.name()
                              + " weights trained on "
                              + dataset
                              + " ship with attnzoo; shipped: "
                              + ShippedModels.all()));
      if (bestOnly && !ShippedModels.best(dataset).orElseThrow().equals(shipped)) {
        throw new ModelNotFoundException(
            variant.name() + " is not the most accurate model shipped for " + dataset);
      }
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
    private <I, O> Translator<I, O> translator(Criteria<I, O> criteria)
        throws ModelNotFoundException {
      Class<I> in = criteria.getInputClass();
      Class<O> out = criteria.getOutputClass();
      if (in == Image.class && out == Classifications.class) {
        return (Translator<I, O>) Translators.classification(variant);
      }
      if (in == NDList.class && out == NDList.class) {
        return (Translator<I, O>) Translators.raw();
      }
      throw new ModelNotFoundException(
          "attnzoo models take Image -> Classifications or NDList -> NDList, not "
              + in.getSimpleName()
              + " -> "
              + out.getSimpleName()
              + "; give your own with optTranslator or optTranslatorFactory");
    }

    @Override
    public <I, O> boolean isDownloaded(Criteria<I, O> criteria) {
      return true;
    }

    @Override
    public <I, O> void downloadModel(Criteria<I, O> criteria, Progress progress) {
      // Weights are given by the caller; nothing to download.
    }

    @Override
    public String toString() {
      return getGroupId() + ":" + getArtifactId();
    }
  }
}
