package org.attnzoo.training;

import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.weights.ParamsFile;

/**
 * The {@code <variant>.params} a finished run leaves in its folder, for every recipe (plain
 * training, fine-tuning, ToSA): the weights and, as header properties, what they were trained on,
 * for how long and how well, then what the recipe adds. Written by {@link ParamsFile#save} (atomic,
 * checksummed, the variant in the header).
 */
final class TrainedParams {

  /** Property naming the dataset trained on. */
  static final String DATASET = "dataset";

  /** Property holding the epochs trained. */
  static final String EPOCHS = "epochs";

  /** Property holding the test accuracy of the saved weights, four decimals. */
  static final String TEST_ACCURACY = "test_accuracy";

  private TrainedParams() {}

  /**
   * Saves the weights as {@code dir/<variant>.params}.
   *
   * @param block the trained block
   * @param variant its variant (name and input shape go into the header)
   * @param dir the run folder
   * @param dataset {@link #DATASET}
   * @param epochs {@link #EPOCHS}
   * @param testAccuracy {@link #TEST_ACCURACY}, a fraction
   * @param more the recipe's own properties, written after those in the order of their keys
   * @return the file written
   * @throws IOException if writing fails
   */
  static Path save(
      Block block,
      Variant variant,
      Path dir,
      String dataset,
      int epochs,
      double testAccuracy,
      Map<String, String> more)
      throws IOException {
    // In a fixed order (Map.of iterates in an order that changes from JVM to JVM), so that the
    // header, and the file's bytes, are the same from run to run.
    Map<String, String> props = new LinkedHashMap<>();
    props.put(DATASET, dataset);
    props.put(EPOCHS, Integer.toString(epochs));
    props.put(TEST_ACCURACY, String.format(Locale.ROOT, "%.4f", testAccuracy));
    props.putAll(new TreeMap<>(more));
    Path params = dir.resolve(variant.name() + ".params");
    ParamsFile.save(block, variant.name(), variant.config().inputShape(1), props, params);
    return params;
  }
}
