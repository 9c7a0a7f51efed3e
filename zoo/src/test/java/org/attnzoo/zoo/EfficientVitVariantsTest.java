package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * EfficientViT-B parameter counts: exactly timm 1.0.29's (computed there with {@code sum(p.numel()
 * for p in timm.create_model(name).parameters())}), and rounding to the figures the authors publish
 * (3.4M, 9.1M, 24M, 49M).
 */
class EfficientVitVariantsTest {

  @ParameterizedTest
  @CsvSource({
    "efficientvit_b0, 3410008, 3.4, 0.1",
    "efficientvit_b1, 9102024, 9.1, 0.1",
    "efficientvit_b2, 24330712, 24, 1",
    "efficientvit_b3, 48646056, 49, 1"
  })
  void parameterCountMatchesTimmAndPaper(
      String name, long timm, double paperMillions, double precision) {
    long count = AttnZoo.parameterCount(Variants.get(name));
    assertEquals(timm, count, name);
    assertEquals(
        paperMillions, Math.round(count / 1e6 / precision) * precision, 1e-9, name + " " + count);
  }
}
