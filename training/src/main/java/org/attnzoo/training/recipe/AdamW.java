package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.attnzoo.zoo.io.Tensor;

/**
 * AdamW (Loshchilov and Hutter, 2019) with weight decay per parameter group, as PyTorch's {@code
 * torch.optim.AdamW}: decoupled decay {@code w <- w (1 - lr wd)}, then the Adam step with bias
 * corrections {@code w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. DJL's own
 * optimizer applies one decay to every parameter; transformer recipes exempt biases, norms and
 * tokens (see {@link ParameterGroups}).
 */
public final class AdamW {

  private final Map<String, Parameter> params;
  private final Map<String, Boolean> decays;
  private final Map<String, NDArray> m = new LinkedHashMap<>();
  private final Map<String, NDArray> v = new LinkedHashMap<>();
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private long steps;

  /**
   * @param params trainable parameters by dotted path
   * @param manager where the moment estimates live
   * @param beta1 first-moment decay
   * @param beta2 second-moment decay
   * @param eps denominator epsilon
   * @param weightDecay decoupled decay of the decaying group
   */
  public AdamW(
      Map<String, Parameter> params,
      NDManager manager,
      double beta1,
      double beta2,
      double eps,
      double weightDecay) {
    this.params = params;
    this.decays = ParameterGroups.of(params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    params.forEach(
        (path, p) -> {
          m.put(path, manager.zeros(p.getArray().getShape()));
          v.put(path, manager.zeros(p.getArray().getShape()));
        });
  }

  /**
   * Updates every parameter in place. Call outside a gradient collector.
   *
   * @param grads gradients by path (same keys as the parameters)
   * @param lr learning rate of this step
   */
  public void step(Map<String, NDArray> grads, double lr) {
    steps++;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String path = e.getKey();
      update(
          e.getValue().getArray(),
          grads.get(path),
          m.get(path),
          v.get(path),
          steps,
          lr,
          decays.get(path) ? weightDecay : 0,
          beta1,
          beta2,
          eps);
    }
  }

  /**
   * One parameter's AdamW step, in place, in the operation order of PyTorch's single-tensor {@code
   * torch.optim.AdamW}. {@link #step} and the DJL optimizer {@link GroupedAdamW} both call it, so
   * attnzoo's loop and DJL's {@code Trainer} update weights with the same arithmetic. Call outside
   * a gradient collector.
   *
   * @param weight the parameter, updated in place
   * @param grad its gradient (read only)
   * @param mean the first-moment estimate, updated in place
   * @param variance the second-moment estimate, updated in place
   * @param step the one-based step number, for the bias corrections
   * @param lr the learning rate of this step
   * @param weightDecay the decoupled decay of this parameter (0 for the no-decay group)
   * @param beta1 first-moment decay
   * @param beta2 second-moment decay
   * @param eps denominator epsilon
   */
  public static void update(
      NDArray weight,
      NDArray grad,
      NDArray mean,
      NDArray variance,
      long step,
      double lr,
      double weightDecay,
      double beta1,
      double beta2,
      double eps) {
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2 = Math.sqrt(1 - Math.pow(beta2, step));
    if (weightDecay > 0) {
      weight.muli(1 - lr * weightDecay);
    }
    mean.muli(beta1);
    try (NDArray t = grad.mul(1 - beta1)) {
      mean.addi(t);
    }
    variance.muli(beta2);
    try (NDArray t = grad.square()) {
      variance.addi(t.muli(1 - beta2));
    }
    try (NDArray denom = variance.sqrt()) {
      denom.divi(bc2).addi(eps);
      try (NDArray update = mean.div(denom)) {
        weight.subi(update.muli(lr / bc1));
      }
    }
  }

  /**
   * @return optimizer steps taken
   */
  public long steps() {
    return steps;
  }

  /**
   * @return whether each parameter decays, by path
   */
  public Map<String, Boolean> decays() {
    return decays;
  }

  /**
   * @return the moment estimates as host tensors, keys {@code m/<path>} and {@code v/<path>}
   */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    m.forEach((k, a) -> out.put("m/" + k, Tensor.of(a)));
    v.forEach((k, a) -> out.put("v/" + k, Tensor.of(a)));
    return out;
  }

  /**
   * Restores {@link #state()} and the step count (shapes already checked by the caller).
   *
   * @param state tensors as {@link #state()} returns them
   * @param steps optimizer steps taken
   */
  public void restore(Map<String, Tensor> state, long steps) {
    m.forEach((k, a) -> HostCopy.into(a, state.get("m/" + k).data()));
    v.forEach((k, a) -> HostCopy.into(a, state.get("v/" + k).data()));
    this.steps = steps;
  }
}
