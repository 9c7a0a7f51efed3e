package org.attnzoo.training.recipe;

/**
 * Learning rate per optimizer step: linear warm-up from {@code base / warmupSteps} to {@code base}
 * over the first {@code warmupSteps} steps, then half a cosine from {@code base} down to {@code
 * min} at {@code totalSteps} (SGDR, Loshchilov and Hutter, 2017, without restarts; timm's {@code
 * CosineLRScheduler} evaluated per step).
 *
 * @param base peak learning rate
 * @param min final learning rate
 * @param warmupSteps warm-up length in steps (0 for none)
 * @param totalSteps total steps of the run
 */
public record CosineSchedule(double base, double min, long warmupSteps, long totalSteps) {

  /** Checks the values. */
  public CosineSchedule {
    if (base <= 0 || min < 0 || min > base) {
      throw new IllegalArgumentException(
          "need 0 <= min <= base and base > 0, got base " + base + ", min " + min);
    }
    if (warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "need 0 <= warmupSteps <= totalSteps and totalSteps > 0, got warmup "
              + warmupSteps
              + ", total "
              + totalSteps);
    }
  }

  /**
   * @param step zero-based index of the optimizer step
   * @return the learning rate that step uses
   */
  public double at(long step) {
    if (step < warmupSteps) {
      return base * (step + 1) / warmupSteps;
    }
    long span = totalSteps - warmupSteps;
    if (span == 0) {
      return min;
    }
    double t = Math.min(1.0, (double) (step - warmupSteps) / span);
    return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * t));
  }
}
