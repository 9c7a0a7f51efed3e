package org.attnzoo.training;

import org.attnzoo.training.data.Augment;

/**
 * A training recipe in the DeiT/timm style. Defaults ({@link #defaults()}, the constants of {@link
 * Defaults}) are sized for the small ViTs on 32x32 Fashion-MNIST on a CPU: AdamW lr 1e-3 (batch
 * 128), weight decay 0.05 without decay on biases/norms/tokens, 1 warm-up epoch then cosine to
 * 1e-5, label smoothing 0.1, global-norm clipping at 1.0, pad-4-and-crop plus horizontal flip, no
 * mixup/cutmix, no EMA, no stochastic depth.
 *
 * <pre>{@code
 * TrainConfig config = TrainConfig.builder().optEpochs(5).optEmaDecay(0.999).build();
 * }</pre>
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

  /**
   * The default of every setting, as compile-time constants so that the command line's option
   * defaults ({@code defaultValue = "" + Defaults.EPOCHS}) are these values, not copies of them.
   */
  public static final class Defaults {

    /** Training epochs. */
    public static final int EPOCHS = 20;

    /** Images per step. */
    public static final int BATCH_SIZE = 128;

    /** Peak learning rate. */
    public static final double LR = 1e-3;

    /** Learning rate at the end of the cosine. */
    public static final double MIN_LR = 1e-5;

    /** Warm-up epochs. */
    public static final double WARMUP_EPOCHS = 1.0;

    /** Decoupled weight decay. */
    public static final double WEIGHT_DECAY = 0.05;

    /** AdamW first-moment decay. */
    public static final double BETA1 = 0.9;

    /** AdamW second-moment decay. */
    public static final double BETA2 = 0.999;

    /** AdamW epsilon. */
    public static final double EPS = 1e-8;

    /** Label smoothing epsilon. */
    public static final double LABEL_SMOOTHING = 0.1;

    /** Global gradient-norm bound. */
    public static final double CLIP_GRAD = 1.0;

    /** Weight EMA decay (0: off). */
    public static final double EMA_DECAY = 0.0;

    /** Crop of the augmentation. */
    public static final String CROP = "pad-crop";

    /** Padding of {@code pad-crop}. */
    public static final int PADDING = 4;

    /** Smallest crop area of {@code rrc}. */
    public static final double MIN_SCALE = 0.35;

    /** Mixup alpha (0: off). */
    public static final double MIXUP = 0.0;

    /** Cutmix alpha (0: off). */
    public static final double CUTMIX = 0.0;

    /** Run seed. */
    public static final long SEED = 42;

    /** Images per evaluation batch. */
    public static final int EVAL_BATCH_SIZE = 100;

    private Defaults() {}

    /**
     * @param crop the crop
     * @param padding the {@code pad-crop} padding
     * @param minScale the smallest {@code rrc} area
     * @param flip whether to flip
     * @param mixup mixup alpha
     * @param cutmix cutmix alpha
     * @return the augmentation with these settings, every batch mixed when an alpha is positive
     */
    public static Augment augment(
        String crop, int padding, double minScale, boolean flip, double mixup, double cutmix) {
      return new Augment(crop, padding, minScale, flip, mixup, cutmix, 1.0);
    }
  }

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
    return builder().build();
  }

  /**
   * @return a builder holding the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return a builder holding this recipe
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.epochs = epochs;
    b.batchSize = batchSize;
    b.lr = lr;
    b.minLr = minLr;
    b.warmupEpochs = warmupEpochs;
    b.weightDecay = weightDecay;
    b.beta1 = beta1;
    b.beta2 = beta2;
    b.eps = eps;
    b.labelSmoothing = labelSmoothing;
    b.clipGrad = clipGrad;
    b.emaDecay = emaDecay;
    b.dropPath = dropPath;
    b.augment = augment;
    b.seed = seed;
    b.evalBatchSize = evalBatchSize;
    return b;
  }

  /**
   * @param epochs training epochs
   * @param batchSize images per step
   * @param warmupEpochs linear warm-up length in epochs, at most {@code epochs}
   * @return a copy with this schedule, the optimiser, regularisation and data settings unchanged
   */
  public TrainConfig withSchedule(int epochs, int batchSize, double warmupEpochs) {
    return toBuilder()
        .optEpochs(epochs)
        .optBatchSize(batchSize)
        .optWarmupEpochs(warmupEpochs)
        .build();
  }

  /**
   * @param seed the seed every random stream of the run derives from
   * @return a copy with this seed, everything else unchanged
   */
  public TrainConfig withSeed(long seed) {
    return toBuilder().optSeed(seed).build();
  }

  /** Builds a {@link TrainConfig}; every setting starts at its {@link Defaults} value. */
  public static final class Builder {
    private int epochs = Defaults.EPOCHS;
    private int batchSize = Defaults.BATCH_SIZE;
    private double lr = Defaults.LR;
    private double minLr = Defaults.MIN_LR;
    private double warmupEpochs = Defaults.WARMUP_EPOCHS;
    private double weightDecay = Defaults.WEIGHT_DECAY;
    private double beta1 = Defaults.BETA1;
    private double beta2 = Defaults.BETA2;
    private double eps = Defaults.EPS;
    private double labelSmoothing = Defaults.LABEL_SMOOTHING;
    private double clipGrad = Defaults.CLIP_GRAD;
    private double emaDecay = Defaults.EMA_DECAY;
    private Float dropPath;
    private Augment augment =
        Defaults.augment(
            Defaults.CROP,
            Defaults.PADDING,
            Defaults.MIN_SCALE,
            true,
            Defaults.MIXUP,
            Defaults.CUTMIX);
    private long seed = Defaults.SEED;
    private int evalBatchSize = Defaults.EVAL_BATCH_SIZE;

    private Builder() {}

    /**
     * @param epochs training epochs
     * @return this
     */
    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /**
     * @param batchSize images per step
     * @return this
     */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * @param lr peak learning rate
     * @return this
     */
    public Builder optLr(double lr) {
      this.lr = lr;
      return this;
    }

    /**
     * @param minLr learning rate at the end of the cosine
     * @return this
     */
    public Builder optMinLr(double minLr) {
      this.minLr = minLr;
      return this;
    }

    /**
     * @param warmupEpochs warm-up length in epochs
     * @return this
     */
    public Builder optWarmupEpochs(double warmupEpochs) {
      this.warmupEpochs = warmupEpochs;
      return this;
    }

    /**
     * @param weightDecay decoupled weight decay
     * @return this
     */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /**
     * @param beta1 AdamW first-moment decay
     * @param beta2 AdamW second-moment decay
     * @param eps AdamW epsilon
     * @return this
     */
    public Builder optAdam(double beta1, double beta2, double eps) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.eps = eps;
      return this;
    }

    /**
     * @param labelSmoothing label smoothing epsilon
     * @return this
     */
    public Builder optLabelSmoothing(double labelSmoothing) {
      this.labelSmoothing = labelSmoothing;
      return this;
    }

    /**
     * @param clipGrad global gradient-norm bound (0: none)
     * @return this
     */
    public Builder optClipGrad(double clipGrad) {
      this.clipGrad = clipGrad;
      return this;
    }

    /**
     * @param emaDecay weight EMA decay (0: none)
     * @return this
     */
    public Builder optEmaDecay(double emaDecay) {
      this.emaDecay = emaDecay;
      return this;
    }

    /**
     * @param dropPath stochastic depth rate, or null for the variant's
     * @return this
     */
    public Builder optDropPath(Float dropPath) {
      this.dropPath = dropPath;
      return this;
    }

    /**
     * @param augment training augmentation
     * @return this
     */
    public Builder optAugment(Augment augment) {
      this.augment = augment;
      return this;
    }

    /**
     * @param seed run seed
     * @return this
     */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * @param evalBatchSize images per evaluation batch
     * @return this
     */
    public Builder optEvalBatchSize(int evalBatchSize) {
      this.evalBatchSize = evalBatchSize;
      return this;
    }

    /**
     * @return the recipe
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public TrainConfig build() {
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
}
