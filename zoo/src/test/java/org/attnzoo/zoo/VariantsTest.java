package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks run over the whole variant table. */
class VariantsTest {

  static java.util.stream.Stream<String> names() {
    return Variants.ALL.stream().map(Variant::name);
  }

  /** Parameter counts equal the reference implementation's exact count (timm or official). */
  @ParameterizedTest
  @MethodSource("names")
  void parameterCountMatchesReference(String name) {
    Variant v = Variants.get(name);
    assertEquals(v.reference().params(), AttnZoo.parameterCount(v), name);
  }

  /** Every variant small enough for the suite runs a forward pass with the right output shape. */
  @ParameterizedTest
  @MethodSource("names")
  void forwardShape(String name) {
    Variant v = Variants.get(name);
    if (v.reference().params() > 30_000_000L) {
      return; // the large variants are covered by the parameter count and the parity script
    }
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null);
        NDManager scope = model.getNDManager().newSubManager()) {
      Shape in = v.config().inputShape(2);
      var out = BlockContract.shapesAgree(scope, model.getBlock(), in);
      assertEquals(new Shape(2, v.config().numClasses()), out.getShape());
      assertEquals(1, new NDList(out).size());
    }
  }

  /**
   * Scoped inference leaves nothing behind in the model's manager: an intermediate created from a
   * parameter (e.g. an expanded class token, a gathered bias table) would otherwise live in the
   * model's manager, and every later activation derived from it too, until the model is closed.
   */
  @ParameterizedTest
  @MethodSource("names")
  void scopedInferenceDoesNotGrowTheModelManager(String name) {
    Variant v = Variants.get(name);
    if (v.reference().params() > 30_000_000L) {
      return;
    }
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      int before = model.getNDManager().getManagedArrays().size();
      for (int i = 0; i < 3; i++) {
        try (NDManager scope = model.getNDManager().newSubManager()) {
          model
              .getBlock()
              .forward(
                  new ai.djl.training.ParameterStore(scope, false),
                  new NDList(scope.randomNormal(v.config().inputShape(1))),
                  false);
        }
      }
      assertEquals(before, model.getNDManager().getManagedArrays().size(), name);
    }
  }

  @Test
  void unknownVariantListsKnownOnes() {
    var e = assertThrows(IllegalArgumentException.class, () -> Variants.get("vit_huge_nope"));
    assertTrue(e.getMessage().contains("vit_tiny_patch16_224"), e.getMessage());
  }

  @Test
  void dataConfigMustFitTheBackbone() {
    var cfg = Variants.get("vit_micro_patch4_32").config();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Variant(
                    "x",
                    cfg,
                    DataConfig.IMAGENET,
                    Variants.get("vit_micro_patch4_32").reference()));
    assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
  }
}
