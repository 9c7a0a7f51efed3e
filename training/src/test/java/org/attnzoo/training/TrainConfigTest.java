package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The recipe record: its checks and its copy with another schedule. */
class TrainConfigTest {

  @Test
  void withScheduleChangesOnlyTheSchedule() {
    TrainConfig d = TrainConfig.defaults();
    TrainConfig s = d.withSchedule(3, 64, 0.3);
    assertEquals(3, s.epochs());
    assertEquals(64, s.batchSize());
    assertEquals(0.3, s.warmupEpochs());
    assertEquals(
        new TrainConfig(
            3,
            64,
            d.lr(),
            d.minLr(),
            0.3,
            d.weightDecay(),
            d.beta1(),
            d.beta2(),
            d.eps(),
            d.labelSmoothing(),
            d.clipGrad(),
            d.emaDecay(),
            d.dropPath(),
            d.augment(),
            d.seed(),
            d.evalBatchSize()),
        s);
  }

  @Test
  void rejectsAWarmUpLongerThanTheRun() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TrainConfig.defaults().withSchedule(2, 64, 3));
    assertTrue(
        e.getMessage().contains("warmupEpochs must be in [0, epochs=2], got 3.0"), e.getMessage());
  }

  @Test
  void rejectsNonPositiveSizes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TrainConfig.defaults().withSchedule(2, 0, 0));
    assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
  }
}
