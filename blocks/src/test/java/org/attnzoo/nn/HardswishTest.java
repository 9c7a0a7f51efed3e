package org.attnzoo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class HardswishTest {

  // torch.nn.Hardswish's definition, x * min(max(x + 3, 0), 6) / 6, on each side of its knees.
  private static final float[] X = {-5f, -3f, -1.5f, 0f, 1f, 3f, 4.5f};
  private static final float[] EXPECTED = {0f, 0f, -0.375f, 0f, 4f / 6, 3f, 4.5f};
  // Its derivative: 0 below -3, (2x + 3) / 6 between, 1 above 3 (checked away from the knees).
  private static final float[] X_GRAD = {-5f, -1.5f, 0f, 1f, 4.5f};
  private static final float[] EXPECTED_GRAD = {0f, 0f, 0.5f, 5f / 6, 1f};

  @Test
  void withoutGradientMatchesTheDefinitionAndLeavesTheInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(X);
      assertArrayEquals(EXPECTED, Hardswish.hardswish(x).toFloatArray(), 1e-6f);
      assertArrayEquals(X, x.toFloatArray(), 0f);
    }
  }

  @Test
  void withGradientMatchesTheDefinitionAndDifferentiates() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(X_GRAD);
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = Hardswish.hardswish(x);
        assertArrayEquals(new float[] {0f, -0.375f, 0f, 4f / 6, 4.5f}, y.toFloatArray(), 1e-6f);
        gc.backward(y.sum());
      }
      assertArrayEquals(EXPECTED_GRAD, x.getGradient().toFloatArray(), 1e-6f);
    }
  }
}
