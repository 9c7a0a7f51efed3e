package org.attnzoo.training.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.attnzoo.nn.ParameterPaths;

/**
 * The recipe's AdamW as a DJL {@link Optimizer}, for {@code DefaultTrainingConfig.optOptimizer}:
 * PyTorch's {@code torch.optim.AdamW} arithmetic (shared with attnzoo's own loop through {@link
 * AdamW#update}) with timm's no-decay parameter groups.
 *
 * <p>DJL's own {@code ai.djl.training.optimizer.AdamW} decays every parameter alike. Transformer
 * recipes exempt biases, norm weights, layer scales, position embeddings and tokens; decaying them
 * costs accuracy. DJL hands an optimizer only a parameter's id, so this one is built with the block
 * it trains: each id is mapped to its dotted path ({@link ParameterPaths}) and the path and the
 * weight's rank decide the group ({@link ParameterGroups}). The rank is read from the weight at its
 * first update, so the optimizer can be built before the block is initialised.
 *
 * <pre>{@code
 * Optimizer adamw = GroupedAdamW.builder()
 *     .setParameters(block)
 *     .optLearningRateTracker(WarmupCosineTracker.builder()...build())
 *     .optWeightDecays(0.05f)
 *     .build();
 * }</pre>
 *
 * <p>The learning rate tracker is called with DJL's update count, which starts at 1 (see {@link
 * WarmupCosineTracker}). {@code setRescaleGrad} and {@code optClipGrad} act as in DJL's optimizers
 * (the gradient is scaled, then clipped element-wise) before the AdamW step; with their defaults
 * the step is exactly {@code torch.optim.AdamW}'s. The optimizer zeroes each gradient after using
 * it, as DJL's PyTorch-engine optimizers do, because the engine accumulates gradients across
 * backward passes.
 */
public final class GroupedAdamW extends Optimizer {

  private static final NDIndex ALL = new NDIndex("...");

  private final Map<String, String> paths;
  private final Map<String, Boolean> decays = new ConcurrentHashMap<>();
  private final Map<String, Map<Device, NDArray>> means = new ConcurrentHashMap<>();
  private final Map<String, Map<Device, NDArray>> variances = new ConcurrentHashMap<>();
  private final ParameterTracker learningRateTracker;
  private final double beta1;
  private final double beta2;
  private final double eps;

  private GroupedAdamW(Builder builder) {
    super(builder);
    this.paths = builder.paths;
    this.learningRateTracker = builder.learningRateTracker;
    this.beta1 = builder.beta1;
    this.beta2 = builder.beta2;
    this.eps = builder.eps;
  }

  /**
   * @return a builder; {@link Builder#setParameters} is required
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@inheritDoc} */
  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    String path = paths.get(parameterId);
    if (path == null) {
      throw new IllegalArgumentException(
          "parameter "
              + parameterId
              + " is not a parameter of the block given to GroupedAdamW.Builder.setParameters");
    }
    int t = updateCount(parameterId);
    float lr = learningRateTracker.getNewValue(parameterId, t);
    float weightDecay = getWeightDecay();
    if (!Float.isFinite(lr) || lr < 0) {
      throw new IllegalArgumentException(
          "learning rate of update " + t + " is " + lr + ", expected a finite value >= 0");
    }
    boolean decays =
        this.decays.computeIfAbsent(
            parameterId, k -> ParameterGroups.decays(path, weight.getShape().dimension()));
    NDArray mean =
        withDefaultState(means, parameterId, weight.getDevice(), k -> weight.zerosLike());
    NDArray variance =
        withDefaultState(variances, parameterId, weight.getDevice(), k -> weight.zerosLike());
    NDArray g = grad;
    boolean scaled = rescaleGrad != 1f || clipGrad > 0;
    if (scaled) {
      g = grad.mul(rescaleGrad);
      if (clipGrad > 0) {
        try (NDArray rescaled = g) {
          g = rescaled.clip(-clipGrad, clipGrad);
        }
      }
    }
    try {
      AdamW.update(weight, g, mean, variance, t, lr, decays ? weightDecay : 0, beta1, beta2, eps);
    } finally {
      if (scaled) {
        g.close();
      }
    }
    // The engine accumulates gradients; DJL's own PyTorch optimizers zero them after the update.
    // A fill rather than a subtraction: NaN - NaN would stay NaN.
    if (weight.hasGradient()) {
      try (NDArray own = weight.getGradient()) {
        own.set(ALL, 0f);
      }
    }
  }

  /**
   * @param parameterId a parameter's id
   * @return whether it gets weight decay; null before its first update
   */
  public Boolean decays(String parameterId) {
    return decays.get(parameterId);
  }

  /** Builds a {@link GroupedAdamW}, DJL style: {@code setX} required, {@code optX} optional. */
  public static final class Builder extends OptimizerBuilder<Builder> {

    private Map<String, String> paths;
    private ParameterTracker learningRateTracker = Tracker.fixed(1e-3f);
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;

    Builder() {
      // The recipe's decay (TrainConfig.defaults()); torch.optim.AdamW's default is 0.01.
      optWeightDecays(0.05f);
    }

    /** {@inheritDoc} */
    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Sets the block whose parameters this optimizer updates; their paths decide the groups.
     *
     * @param block the block being trained (initialised or not)
     * @return this builder
     */
    public Builder setParameters(Block block) {
      Map<String, String> byId = new ConcurrentHashMap<>();
      for (Map.Entry<String, Parameter> e : ParameterPaths.of(block).entrySet()) {
        byId.put(e.getValue().getId(), e.getKey());
      }
      this.paths = byId;
      return this;
    }

    /**
     * @param learningRateTracker the learning rate per update (default: fixed 1e-3)
     * @return this builder
     */
    public Builder optLearningRateTracker(ParameterTracker learningRateTracker) {
      this.learningRateTracker = learningRateTracker;
      return this;
    }

    /**
     * @param beta1 first-moment decay, in [0, 1) (default 0.9)
     * @return this builder
     */
    public Builder optBeta1(double beta1) {
      this.beta1 = beta1;
      return this;
    }

    /**
     * @param beta2 second-moment decay, in [0, 1) (default 0.999)
     * @return this builder
     */
    public Builder optBeta2(double beta2) {
      this.beta2 = beta2;
      return this;
    }

    /**
     * @param eps denominator epsilon, > 0 (default 1e-8)
     * @return this builder
     */
    public Builder optEpsilon(double eps) {
      this.eps = eps;
      return this;
    }

    /**
     * @return the optimizer
     * @throws IllegalArgumentException naming the bad value
     */
    public GroupedAdamW build() {
      if (paths == null) {
        throw new IllegalArgumentException(
            "GroupedAdamW needs the block it trains: call setParameters(block)");
      }
      if (learningRateTracker == null) {
        throw new IllegalArgumentException("learning rate tracker is null");
      }
      if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT, "betas must be in [0, 1), got beta1 %s, beta2 %s", beta1, beta2));
      }
      if (!(eps > 0) || Double.isInfinite(eps)) {
        throw new IllegalArgumentException("epsilon must be finite and > 0, got " + eps);
      }
      GroupedAdamW built = new GroupedAdamW(this);
      float wd = built.getWeightDecay();
      if (!(wd >= 0) || Float.isInfinite(wd)) {
        throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + wd);
      }
      if (!(built.rescaleGrad > 0) || Float.isInfinite(built.rescaleGrad)) {
        throw new IllegalArgumentException(
            "rescaleGrad must be finite and > 0, got " + built.rescaleGrad);
      }
      return built;
    }
  }
}
