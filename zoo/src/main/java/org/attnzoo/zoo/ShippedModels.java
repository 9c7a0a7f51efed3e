package org.attnzoo.zoo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Models trained by attnzoo whose weights ship in the zoo jar as {@code
 * weights/<variant>-<dataset>.params}. The index {@code weights/shipped.tsv} records each one's
 * test accuracy and recipe, so that callers asking for "the model for this dataset" get the most
 * accurate one, and the README's variant table shows the accuracy next to the variant.
 */
public final class ShippedModels {

  /**
   * Resource listing the shipped models: variant, dataset, test accuracy, recipe (tab-separated).
   */
  public static final String INDEX = "/weights/shipped.tsv";

  /**
   * One shipped model.
   *
   * @param variant registry variant name
   * @param dataset dataset name, as given to {@code optFilter("dataset", ...)}
   * @param testAccuracy top-1 accuracy on the dataset's test split, in [0, 1]
   * @param recipe how it was trained, in words
   */
  public record Shipped(String variant, String dataset, double testAccuracy, String recipe) {

    /**
     * @return the class-path resource holding the weights
     */
    public String resource() {
      return "/weights/" + variant + "-" + dataset + ".params";
    }

    /**
     * @return how the CLI and Spark name it: {@code zoo:<variant>-<dataset>}
     */
    public String reference() {
      return REFERENCE_PREFIX + variant + "-" + dataset;
    }
  }

  /**
   * Prefix of a reference to shipped weights, {@code zoo:<variant>[-<dataset>]}, as the CLI's
   * {@code --weights} and Spark's model spec take it.
   */
  public static final String REFERENCE_PREFIX = "zoo:";

  private static final List<Shipped> ALL = read();

  private ShippedModels() {}

  /**
   * @param weights a weights argument, or null
   * @return whether it is a {@code zoo:} reference to shipped weights
   */
  public static boolean isReference(String weights) {
    return weights != null && weights.startsWith(REFERENCE_PREFIX);
  }

  /**
   * @return every shipped model as a {@code zoo:<variant>-<dataset>} reference, for messages
   */
  public static List<String> references() {
    return ALL.stream().map(Shipped::reference).toList();
  }

  /**
   * Parses {@code zoo:<variant>-<dataset>}, or {@code zoo:<variant>} for the most accurate model of
   * that variant. Variant names have no hyphen, so the first one ends the variant.
   *
   * @param reference a {@code zoo:} reference
   * @return the shipped model it names
   * @throws IllegalArgumentException naming the shipped models, the closest first
   */
  public static Shipped parseReference(String reference) {
    if (!isReference(reference)) {
      throw new IllegalArgumentException(
          reference + " is not a reference to shipped weights (" + REFERENCE_PREFIX + "...)");
    }
    String body = reference.substring(REFERENCE_PREFIX.length());
    int dash = body.indexOf('-');
    String variant = dash < 0 ? body : body.substring(0, dash);
    String dataset = dash < 0 ? null : body.substring(dash + 1);
    return ALL.stream()
        .filter(s -> s.variant().equals(variant))
        .filter(s -> dataset == null || s.dataset().equals(dataset))
        .max(Comparator.comparingDouble(Shipped::testAccuracy))
        .orElseThrow(
            () -> {
              // Compared by variant: the dataset suffix would swamp a typo in the name.
              List<String> near =
                  Names.closest(variant, ALL.stream().map(Shipped::variant).distinct().toList())
                      .stream()
                      .flatMap(
                          n ->
                              ALL.stream()
                                  .filter(s -> s.variant().equals(n))
                                  .map(Shipped::reference))
                      .toList();
              return new IllegalArgumentException(
                  reference
                      + " names no weights shipped with attnzoo"
                      + (near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)")
                      + "; shipped: "
                      + String.join(", ", references())
                      + " ("
                      + REFERENCE_PREFIX
                      + "<variant>-<dataset>, or "
                      + REFERENCE_PREFIX
                      + "<variant>)");
            });
  }

  /**
   * @return every shipped model, in index order
   */
  public static List<Shipped> all() {
    return ALL;
  }

  /**
   * @param variant variant name
   * @param dataset dataset name
   * @return the shipped model of this variant trained on this dataset, if any
   */
  public static Optional<Shipped> find(String variant, String dataset) {
    return ALL.stream()
        .filter(s -> s.variant().equals(variant) && s.dataset().equals(dataset))
        .findFirst();
  }

  /**
   * @param dataset dataset name
   * @return the most accurate shipped model for this dataset, if any
   */
  public static Optional<Shipped> best(String dataset) {
    return ALL.stream()
        .filter(s -> s.dataset().equals(dataset))
        .max(Comparator.comparingDouble(Shipped::testAccuracy));
  }

  private static List<Shipped> read() {
    List<Shipped> out = new ArrayList<>();
    try (InputStream in = ShippedModels.class.getResourceAsStream(INDEX)) {
      if (in == null) {
        return List.of();
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        if (f.length != 4) {
          throw new IllegalStateException(
              INDEX + " line " + number + ": expected 4 tab-separated fields, got " + f.length);
        }
        out.add(new Shipped(f[0], f[1], Double.parseDouble(f[2]), f[3]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(out);
  }
}
