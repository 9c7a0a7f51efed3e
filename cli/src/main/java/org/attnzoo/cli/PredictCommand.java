package org.attnzoo.cli;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Pretrained;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.image.ClassificationTranslator;
import org.attnzoo.zoo.image.ImageDecoder;
import org.attnzoo.zoo.runtime.Devices;
import org.attnzoo.zoo.runtime.Platforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code attnzoo predict}: top-5 classes of images through {@code Criteria} and the translator. */
@Command(
    name = "predict",
    description = {
      "Classify images (top-5) through Criteria: one line per image, file name then classes",
      "with probabilities, best first. Weights from --weights, timm's with --pretrained, or",
      "shipped with --dataset."
    })
final class PredictCommand implements Callable<Integer> {

  @Option(
      names = "--variant",
      description = "variant name (default with --dataset: the most accurate shipped model)")
  String variant;

  @Option(
      names = "--weights",
      description =
          ".safetensors (timm) or .params file or URL, or hf-hub:ORG/NAME (a Hugging Face Hub"
              + " repository's model.safetensors)")
  String weights;

  @Option(names = "--pretrained", description = ZooWeights.PRETRAINED_HELP)
  boolean pretrained;

  @Option(
      names = "--dataset",
      description = "use the weights shipped for this dataset (fashion-mnist) instead of --weights")
  String dataset;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Option(names = "--top", defaultValue = "5", description = "classes to print per image")
  int top;

  @Mixin EvalTransformOptions transform;

  @Option(
      names = "--allow-nonfinite",
      description = "print classes even if the model's output holds NaN or infinite values")
  boolean allowNonfinite;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "image files")
  List<Path> images;

  @Override
  public Integer call() throws Exception {
    if (variant == null && dataset != null) {
      variant =
          ShippedModels.best(dataset)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "no model trained on "
                              + dataset
                              + " ships with attnzoo; shipped: "
                              + ShippedModels.all()))
              .variant();
    }
    if (variant == null && dataset == null) {
      variant = Pretrained.variantOf(weights).orElse(null); // timm's hf-hub:timm/<variant>.<tag>
    }
    int sources = (weights != null ? 1 : 0) + (dataset != null ? 1 : 0) + (pretrained ? 1 : 0);
    if (variant == null || sources != 1) {
      throw new IllegalArgumentException(
          "give --variant with --weights FILE or --pretrained (timm's published weights), or"
              + " --dataset NAME (shipped weights)");
    }
    Variant v = Variants.get(variant);
    if (transform.testSize) {
      v.atTestSize(); // a usage error naming the variants with a test size, before any loading
    }
    // Missing files are reported before the model is loaded; the others are still classified.
    List<Path> present = new java.util.ArrayList<>();
    int failed = 0;
    for (Path file : images) {
      try {
        CliChecks.requireInputFile(file, "image", "an image file (PNG, JPEG, ...)");
        present.add(file);
      } catch (IllegalArgumentException e) {
        System.err.println("attnzoo: " + e.getMessage());
        failed++;
      }
    }
    if (present.isEmpty()) {
      throw new IllegalArgumentException("none of the " + images.size() + " images can be read");
    }
    Platforms.requireBundledNatives();
    Criteria.Builder<Image, Classifications> builder =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(variant)
            .optDevice(Devices.resolve(device, AttnZoo.DEFAULT_ENGINE));
    if (transform.testSize) {
      builder.optArgument("testSize", true);
    }
    if (weights != null) {
      builder.optArgument("weights", weights);
    } else if (pretrained) {
      builder.optArgument("pretrained", true);
    } else {
      builder.optFilter("dataset", dataset);
    }
    Criteria<Image, Classifications> criteria = builder.build();
    try (ZooModel<Image, Classifications> model = criteria.loadModel();
        Predictor<Image, Classifications> predictor = model.newPredictor()) {
      for (Path file : present) {
        try {
          // Decoded as PIL does (DJL's ImageFactory colour-manages some files; see ImageDecoder).
          Image image =
              ClassificationTranslator.image(ImageDecoder.read(file, transform.exifOrientation));
          Classifications c = predictor.predict(image);
          StringBuilder line = new StringBuilder(file.getFileName().toString());
          for (Classifications.Classification k : c.topK(top)) {
            line.append(String.format("  %s %.4f", k.getClassName(), k.getProbability()));
          }
          if (!allowNonfinite) {
            List<Double> probabilities = c.getProbabilities();
            float[] values = new float[probabilities.size()];
            for (int i = 0; i < values.length; i++) {
              values[i] = probabilities.get(i).floatValue();
            }
            CliChecks.requireFinite(values, "the class probabilities");
          }
          System.out.println(line);
        } catch (Exception e) {
          // One bad file does not stop the others: its error line, then the next file.
          System.err.println("attnzoo: " + file + ": " + reason(e));
          failed++;
        }
      }
    }
    if (failed > 0) {
      System.err.printf(
          "attnzoo: %d of %d images failed (see the lines above)%n", failed, images.size());
      return 1;
    }
    return 0;
  }

  /** The message to show for a failed image: DJL wraps causes in TranslateException. */
  private static String reason(Throwable e) {
    Throwable shown = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException || t instanceof java.io.IOException) {
        shown = t;
        break;
      }
    }
    String m = shown.getMessage();
    return m == null || m.isBlank() ? shown.getClass().getSimpleName() : m;
  }
}
