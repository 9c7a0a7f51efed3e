package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.attnzoo.zoo.ShippedModels.Shipped;
import org.junit.jupiter.api.Test;

/**
 * The one parser of {@code zoo:<variant>[-<dataset>]} references (the CLI's {@code --weights} and
 * Spark's model spec both use it); expectations from the index, {@code weights/shipped.tsv}.
 */
class ShippedModelsTest {

  @Test
  void variantAndDatasetNameOneShippedModel() {
    Shipped s = ShippedModels.parseReference("zoo:vit_micro_patch4_32-fashion-mnist");
    assertEquals("vit_micro_patch4_32", s.variant());
    // The dataset keeps its own hyphen: only the first one ends the variant.
    assertEquals("fashion-mnist", s.dataset());
    assertEquals(0.8772, s.testAccuracy(), 0.0);
  }

  @Test
  void variantAloneNamesItsShippedModel() {
    Shipped s = ShippedModels.parseReference("zoo:swiftformer_micro_64");
    assertEquals("swiftformer_micro_64", s.variant());
    assertEquals("fashion-mnist", s.dataset());
  }

  @Test
  void aTypoIsAnsweredWithTheClosestShippedModel() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ShippedModels.parseReference("zoo:vit_micro_patch4_23-fashion-mnist"));
    assertTrue(
        e.getMessage().contains("did you mean zoo:vit_micro_patch4_32-fashion-mnist"),
        e.getMessage());
    assertTrue(e.getMessage().contains("zoo:<variant>-<dataset>"), e.getMessage());
  }

  @Test
  void aShippedVariantOnAnotherDatasetIsNotFound() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ShippedModels.parseReference("zoo:vit_micro_patch4_32-imagenet"));
    assertTrue(e.getMessage().contains("names no weights shipped"), e.getMessage());
  }

  @Test
  void onlyZooReferencesParse() {
    assertFalse(ShippedModels.isReference("vit_micro_patch4_32.safetensors"));
    assertFalse(ShippedModels.isReference(null));
    assertThrows(
        IllegalArgumentException.class,
        () -> ShippedModels.parseReference("vit_micro_patch4_32-fashion-mnist"));
  }
}
