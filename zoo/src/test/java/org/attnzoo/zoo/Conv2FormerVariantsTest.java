package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Conv2Former parameter counts against the paper (Hou et al., 2022, Table 2 / the official README),
 * which gives them in whole millions. The exact counts of the official code are checked by {@link
 * VariantsTest}; here our counts must round to the published figure (the official T has 26.70M
 * parameters, 1.1% below the "27M" the paper prints), and N, S and B must lie within 1% of it.
 */
class Conv2FormerVariantsTest {

  @ParameterizedTest
  @CsvSource({
    "conv2former_n, 15, true",
    "conv2former_t, 27, false",
    "conv2former_s, 50, true",
    "conv2former_b, 90, true"
  })
  void parameterCountMatchesPaper(String name, long paperMillions, boolean withinOnePercent) {
    long count = AttnZoo.parameterCount(Variants.get(name));
    assertEquals(paperMillions, Math.round(count / 1e6), name + " has " + count + " parameters");
    double rel = Math.abs(count - paperMillions * 1e6) / (paperMillions * 1e6);
    System.out.printf(
        "%s: %d parameters, %.2f%% off the paper's %dM%n", name, count, 100 * rel, paperMillions);
    if (withinOnePercent) {
      assertTrue(rel <= 0.01, name + " is " + rel + " off the paper");
    }
  }
}
