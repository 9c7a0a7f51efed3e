package org.attnzoo.training;

import org.attnzoo.training.data.Augment;

/**
 * A training recipe in the DeiT/timm style. Defaults ({@link #defaults()}) are sized for the small
 * ViTs on 32x32 Fashion-MNIST on a CPU: AdamW lr 1e-3 (batch 128), weight decay 0.05 without decay
 * on biases/norms/tokens, 1 warm-up epoch then cosine to 1e-5, label smoothing 0.1, global-norm
 * clipping at 1.0, pad-4-and-crop plus horizontal flip, no mixup/cutmix, no EMA, no stochastic
 * depth.
 *
 * @param epochs training epochs
 * @param batchSize images per step
 * @param lr peak learning rate (after warm-up)
 * @param minLr learning rate at the end of the cosine
 * @param warmupEpochs linear warm-up length, in epochs (fractions allowed)
 * @param weightDecay decoupled weight decay of the decaying group
 * @param beta1 AdamW first-moment decay
 * @param beta2 AdamW second-moment decay
 * @param eps AdamW epsilon
 * @param labelSmoothing label smoothing epsilon
 * @param clipGrad global gradient-norm bound (0: no clipping)
 * @param emaDecay weight EMA decay (0: no EMA)
 * @param dropPath stochastic depth rate of the last block, or null for the variant's own
 * @param augment training augmentation
 * @param seed run seed: initialisation, shuffling, augmentation and DropPath derive from it
 * @param evalBatchSize images per evaluation batch
 */
public record TrainConfig(
    int epochs,
    int batchSize,
    double lr,
    double minLr,
    double warmupEpochs,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    double labelSmoothing,
    double clipGrad,
    double emaDecay,
    Float dropPath,
    Augment augment,
    long seed,
    int evalBatchSize) {

  /** Checks the values. */
  public TrainConfig {
    if (epochs <= 0 || batchSize <= 0 || evalBatchSize <= 0) {
      throw new IllegalArgumentException(
          "epochs, batchSize and evalBatchSize must be positive, got "
              + epochs
              + ", "
              + batchSize
              + ", "
              + evalBatchSize);
    }
    if (labelSmoothing < 0 || labelSmoothing >= 1) {
      throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
    }
    if (warmupEpochs < 0 || warmupEpochs > epochs) {
      throw new IllegalArgumentException(
          "warmupEpochs must be in [0, epochs=" + epochs + "], got " + warmupEpochs);
    }
    if (emaDecay < 0 || emaDecay >= 1) {
      throw new IllegalArgumentException("emaDecay must be in [0, 1), got " + emaDecay);
    }
  }

  /**
   * @return the documented defaults
   */
  public static TrainConfig defaults() {
    return new TrainConfig(
        20,
        128,
        1e-3,
        1e-5,
        1.0,
        0.05,
        0.9,
        0.999,
        1e-8,
        0.1,
        1.0,
        0.0,
        null,
        new Augment("pad-crop", 4, 0.35, true, 0, 0, 1.0),
        42,
        100);
  }

  /**
   * @param epochs training epochs
   * @param batchSize images per step
   * @param warmupEpochs linear warm-up length in epochs, at most {@code epochs}
   * @return a copy with this schedule, the optimiser, regularisation and data settings unchanged
   */
  public TrainConfig withSchedule(int epochs, int batchSize, double warmupEpochs) {
    return copy(epochs, batchSize, warmupEpochs, seed);
  }

  /**
   * @param seed the seed every random stream of the run derives from
   * @return a copy with this seed, everything else unchanged
   */
  public TrainConfig withSeed(long seed) {
    return copy(epochs, batchSize, warmupEpochs, seed);
  }

  private TrainConfig copy(int epochs, int batchSize, double warmupEpochs, long seed) {
    return new TrainConfig(
        epochs,
        batchSize,
        lr,
        minLr,
        warmupEpochs,
        weightDecay,
        beta1,
        beta2,
        eps,
        labelSmoothing,
        clipGrad,
        emaDecay,
        dropPath,
        augment,
        seed,
        evalBatchSize);
  }
}
