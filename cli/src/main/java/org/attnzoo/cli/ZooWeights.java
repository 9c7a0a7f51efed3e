package org.attnzoo.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.attnzoo.zoo.Pretrained;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.ShippedModels.Shipped;
import org.attnzoo.zoo.Variants;

/**
 * The weights the CLI's commands name: a file, a URL or a Hugging Face Hub id ({@code
 * hf-hub:ORG/NAME}, downloaded once into DJL's cache by the loaders), the variant's published
 * weights ({@code --pretrained}: timm's Hub repository for it), or the weights shipped in the zoo
 * jar as {@code zoo:<variant>[-<dataset>]} (or {@code --dataset NAME}). Shipped weights live inside
 * the jar, where no user can give their path; they are copied to a temporary file so that every
 * loader reads them as it reads a user's file.
 */
final class ZooWeights {

  /** The help of every command's {@code --pretrained}. */
  static final String PRETRAINED_HELP =
      "the --variant's published weights: timm's Hugging Face Hub repository for it, downloaded"
          + " once into DJL's cache (DJL_OFFLINE=false the first time)";

  /**
   * What a command loads.
   *
   * @param variant the variant name
   * @param weights a path or URL the loaders read
   * @param shipped the shipped model, or null for a user's file
   */
  record Resolved(String variant, String weights, Shipped shipped) {}

  private ZooWeights() {}

  /**
   * {@link #resolve(String, String, String, boolean, String)} without {@code --pretrained}.
   *
   * @param variant the {@code --variant} value, or null
   * @param weights the weights option's value, or null
   * @param dataset the {@code --dataset} value, or null
   * @param option the weights option's name, for messages
   * @return the variant and a path the loaders read
   * @throws IOException if shipped weights cannot be copied out of the jar
   */
  static Resolved resolve(String variant, String weights, String dataset, String option)
      throws IOException {
    return resolve(variant, weights, dataset, false, option);
  }

  /**
   * Resolves what a command was given: {@code --weights FILE} with {@code --variant}, {@code
   * --weights hf-hub:timm/<variant>.<tag>} (the variant is the repository's unless named), {@code
   * --pretrained} with {@code --variant} (timm's Hub repository for it), {@code --weights zoo:...}
   * (the variant is the reference's), or {@code --dataset NAME} (the variant's shipped model, or
   * the most accurate one without {@code --variant}).
   *
   * @param variant the {@code --variant} value, or null
   * @param weights the weights option's value, or null
   * @param dataset the {@code --dataset} value, or null
   * @param pretrained whether {@code --pretrained} was given
   * @param option the weights option's name, for messages
   * @return the variant and a path, URL or Hub id the loaders read
   * @throws IOException if shipped weights cannot be copied out of the jar
   * @throws IllegalArgumentException if the options do not name one model, or the variant has no
   *     published weights
   */
  static Resolved resolve(
      String variant, String weights, String dataset, boolean pretrained, String option)
      throws IOException {
    if (pretrained) {
      if (weights != null || dataset != null) {
        throw new IllegalArgumentException(
            "give --pretrained or " + (weights != null ? option : "--dataset") + ", not both");
      }
      if (variant == null) {
        throw new IllegalArgumentException(
            "--pretrained loads the published weights of the --variant: give --variant"
                + " (attnzoo list shows the variants)");
      }
      return new Resolved(
          variant, Variants.get(variant).reference().pretrained().weights(variant), null);
    }
    if (weights != null && dataset != null) {
      throw new IllegalArgumentException(
          "give " + option + " or --dataset, not both (" + option + " zoo:... names shipped ones)");
    }
    Shipped shipped;
    if (dataset != null) {
      shipped =
          (variant != null ? ShippedModels.find(variant, dataset) : ShippedModels.best(dataset))
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "no "
                              + (variant != null ? variant + " " : "")
                              + "model trained on "
                              + dataset
                              + " ships with attnzoo; shipped: "
                              + String.join(", ", ShippedModels.references())));
    } else if (weights == null) {
      throw new IllegalArgumentException(
          "give "
              + option
              + " FILE with --variant, --pretrained with --variant (timm's published weights), "
              + option
              + " zoo:<variant>-<dataset> (shipped weights), or --dataset NAME");
    } else if (ShippedModels.isReference(weights)) {
      shipped = ShippedModels.parseReference(weights);
      if (variant != null && !variant.equals(shipped.variant())) {
        throw new IllegalArgumentException(
            "--variant "
                + variant
                + " does not match "
                + weights
                + " (weights of "
                + shipped.variant()
                + "); leave out --variant or name that variant's weights");
      }
    } else {
      String named = variant != null ? variant : Pretrained.variantOf(weights).orElse(null);
      if (named == null) {
        throw new IllegalArgumentException(
            "give --variant with " + option + " " + weights + " (attnzoo list shows the variants)");
      }
      return new Resolved(named, weights, null);
    }
    return new Resolved(shipped.variant(), extract(shipped).toString(), shipped);
  }

  /**
   * @param shipped a shipped model
   * @return a temporary copy of its weights, deleted when the JVM exits
   * @throws IOException if the jar lacks them or the copy fails
   */
  static Path extract(Shipped shipped) throws IOException {
    try (InputStream in = ZooWeights.class.getResourceAsStream(shipped.resource())) {
      if (in == null) {
        throw new IOException(
            "the attnzoo jar lacks " + shipped.resource() + " listed in " + ShippedModels.INDEX);
      }
      Path dir = Files.createTempDirectory("attnzoo-zoo-");
      Path file = dir.resolve(shipped.variant() + "-" + shipped.dataset() + ".params");
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      // Registered in this order, deleted in reverse: the file first, then its folder.
      dir.toFile().deleteOnExit();
      file.toFile().deleteOnExit();
      return file;
    }
  }
}
