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
  }

  private static final List<Shipped> ALL = read();

  private ShippedModels() {}

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
