package org.attnzoo.zoo.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class ForwardTimingTest {

  @Test
  void medianAndQuantilesOfUnsortedSamples() {
    double[] odd = {5, 1, 4, 2, 3};
    double[] even = {4, 1, 3, 2};
    assertEquals(3.0, ForwardTiming.median(odd));
    assertEquals(2.5, ForwardTiming.median(even));
    assertEquals(1.0, ForwardTiming.quantile(odd, 0));
    assertEquals(5.0, ForwardTiming.quantile(odd, 1));
    assertEquals(5.0, ForwardTiming.quantile(odd, 0.9)); // rank round(0.9 * 4) = 4
    assertEquals(2.0, ForwardTiming.quantile(odd, 0.25));
    assertArrayEquals(new double[] {5, 1, 4, 2, 3}, odd); // samples left as they were
  }

  @Test
  void badArgumentsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ForwardTiming.median(new double[0]));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ForwardTiming.quantile(new double[] {1}, 1.5));
    assertTrue(e.getMessage().contains("q=1.5"), e.getMessage());
  }

  @Test
  void forwardIsScopedAndTimed() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear linear = Linear.builder().setUnits(4).build();
      linear.initialize(manager, DataType.FLOAT32, new Shape(2, 8));
      ParameterStore ps = new ParameterStore(manager, false);
      int before = manager.getManagedArrays().size();
      double ms = ForwardTiming.forwardMs(linear, ps, manager, new Shape(2, 8));
      assertTrue(ms > 0 && Double.isFinite(ms), "time " + ms);
      assertEquals(before, manager.getManagedArrays().size(), "no arrays left in the parent");
    }
  }
}
