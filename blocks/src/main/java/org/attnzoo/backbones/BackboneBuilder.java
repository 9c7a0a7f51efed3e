package org.attnzoo.backbones;

/**
 * The settings every backbone builder shares: input size and channels, classifier outputs, MLP
 * ratio and stochastic depth. A family's builder extends it with its own architecture settings and
 * its {@code build()}; validation stays in the family's config record, which knows how the values
 * combine.
 *
 * <p>The defaults are timm's: 224x224 RGB input, 1000 classes, MLP ratio 4, no stochastic depth. A
 * family with other defaults sets them in its builder's constructor.
 *
 * @param <T> the family's builder, returned by every setter so that chains keep its own setters
 */
public abstract class BackboneBuilder<T extends BackboneBuilder<T>> {

  /** Square input side in pixels. */
  protected int imgSize = 224;

  /** Input channels. */
  protected int inChans = 3;

  /** Classifier outputs (0: pooled features). */
  protected int numClasses = 1000;

  /** MLP hidden width relative to the block width. */
  protected double mlpRatio = 4.0;

  /** Stochastic depth of the deepest block (linear from 0 over all blocks). */
  protected float dropPathRate;

  /** Lets subclasses set their defaults. */
  protected BackboneBuilder() {}

  /**
   * @return this builder as the family's type
   */
  protected abstract T self();

  /**
   * @param imgSize square input side in pixels
   * @return this
   */
  public T optImgSize(int imgSize) {
    this.imgSize = imgSize;
    return self();
  }

  /**
   * @param inChans input channels
   * @return this
   */
  public T optInChans(int inChans) {
    this.inChans = inChans;
    return self();
  }

  /**
   * @param numClasses classifier outputs (0 for pooled features)
   * @return this
   */
  public T optNumClasses(int numClasses) {
    this.numClasses = numClasses;
    return self();
  }

  /**
   * @param mlpRatio MLP hidden width relative to the block width
   * @return this
   */
  public T optMlpRatio(double mlpRatio) {
    this.mlpRatio = mlpRatio;
    return self();
  }

  /**
   * @param dropPathRate stochastic depth of the deepest block, in [0, 1)
   * @return this
   */
  public T optDropPathRate(float dropPathRate) {
    this.dropPathRate = dropPathRate;
    return self();
  }
}
