package org.attnzoo.training.recipe;

import ai.djl.training.tracker.Tracker;

/**
 * The recipe's learning rate as a DJL {@link Tracker}: linear warm-up, then half a cosine to a
 * final value, per optimizer step ({@link CosineSchedule}, timm's {@code CosineLRScheduler}
 * evaluated per step).
 *
 * <p>DJL's optimizers ask for the value of update {@code numUpdate} counted from 1 (the first
 * {@code Trainer.step()} is update 1, as the bias corrections of Adam need), while {@link
 * CosineSchedule#at} takes the zero-based step index; update {@code n} therefore gets {@code at(n -
 * 1)}, so the first step already uses {@code base / warmUpSteps} as in attnzoo's loop and timm.
 * DJL's own {@code WarmUpTracker} around a {@code CosineTracker} is another schedule: its warm-up
 * starts from a begin value (0 by default) at update 0, and the cosine is evaluated in float.
 */
public final class WarmupCosineTracker implements Tracker {

  private final CosineSchedule schedule;

  private WarmupCosineTracker(CosineSchedule schedule) {
    this.schedule = schedule;
  }

  /**
   * @return a builder; {@link Builder#setBaseValue} and {@link Builder#setMaxUpdates} are required
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param numUpdate DJL's one-based update count (values below 1 are taken as 1)
   * @return the learning rate of that update
   */
  @Override
  public float getNewValue(int numUpdate) {
    return (float) schedule.at(Math.max(numUpdate, 1) - 1L);
  }

  /**
   * @return the schedule this tracker evaluates
   */
  public CosineSchedule schedule() {
    return schedule;
  }

  /** Builds a {@link WarmupCosineTracker}. */
  public static final class Builder {

    private double baseValue = Double.NaN;
    private double finalValue = 1e-5;
    private long warmUpSteps;
    private long maxUpdates = -1;
    private boolean finalValueSet;

    Builder() {}

    /**
     * @param baseValue the peak learning rate, reached at the end of the warm-up
     * @return this builder
     */
    public Builder setBaseValue(double baseValue) {
      this.baseValue = baseValue;
      return this;
    }

    /**
     * @param maxUpdates the run's total optimizer steps; the cosine ends there
     * @return this builder
     */
    public Builder setMaxUpdates(long maxUpdates) {
      this.maxUpdates = maxUpdates;
      return this;
    }

    /**
     * @param warmUpSteps linear warm-up length in steps (default 0: none)
     * @return this builder
     */
    public Builder optWarmUpSteps(long warmUpSteps) {
      this.warmUpSteps = warmUpSteps;
      return this;
    }

    /**
     * @param finalValue the learning rate at {@code maxUpdates} (default 1e-5, or the base value
     *     when that is smaller)
     * @return this builder
     */
    public Builder optFinalValue(double finalValue) {
      this.finalValue = finalValue;
      this.finalValueSet = true;
      return this;
    }

    /**
     * @return the tracker
     * @throws IllegalArgumentException naming the bad value
     */
    public WarmupCosineTracker build() {
      if (!(baseValue > 0) || Double.isInfinite(baseValue)) {
        throw new IllegalArgumentException(
            "base value must be finite and > 0 (setBaseValue), got " + baseValue);
      }
      if (maxUpdates <= 0) {
        throw new IllegalArgumentException(
            "max updates must be > 0 (setMaxUpdates), got " + maxUpdates);
      }
      if (warmUpSteps < 0 || warmUpSteps > maxUpdates) {
        throw new IllegalArgumentException(
            "warm-up steps must be in [0, maxUpdates " + maxUpdates + "], got " + warmUpSteps);
      }
      double last = finalValueSet ? finalValue : Math.min(finalValue, baseValue);
      if (!(last >= 0) || last > baseValue) {
        throw new IllegalArgumentException(
            "final value must be in [0, base value " + baseValue + "], got " + last);
      }
      return new WarmupCosineTracker(new CosineSchedule(baseValue, last, warmUpSteps, maxUpdates));
    }
  }
}
