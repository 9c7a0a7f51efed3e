package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.attnzoo.zoo.io.Tensor;

/**
 * Exponential moving average of the weights (Polyak averaging; timm's {@code ModelEmaV2}): after
 * each step {@code e <- d e + (1 - d) w}. Evaluation can swap the averages in and back out.
 */
public final class Ema {

  private final Map<String, Parameter> params;
  private final Map<String, NDArray> averages = new LinkedHashMap<>();
  private final double decay;

  /**
   * @param params parameters by path
   * @param manager where the averages live
   * @param decay the decay d, in (0, 1)
   */
  public Ema(Map<String, Parameter> params, NDManager manager, double decay) {
    if (decay <= 0 || decay >= 1) {
      throw new IllegalArgumentException("EMA decay must be in (0, 1), got " + decay);
    }
    this.params = params;
    this.decay = decay;
    params.forEach((k, p) -> averages.put(k, p.getArray().duplicate()));
    averages.values().forEach(a -> a.attach(manager));
  }

  /** Moves the averages towards the current weights. */
  public void update() {
    params.forEach(
        (k, p) -> {
          NDArray e = averages.get(k);
          e.muli(decay);
          try (NDArray t = p.getArray().mul(1 - decay)) {
            e.addi(t);
          }
        });
  }

  /** Exchanges the weights and the averages (call twice to restore). */
  public void swap() {
    params.forEach(
        (k, p) -> {
          NDArray w = p.getArray();
          NDArray e = averages.get(k);
          Tensor weights = Tensor.of(w);
          HostCopy.into(w, Tensor.of(e).data());
          HostCopy.into(e, weights.data());
        });
  }

  /**
   * @return the averages as host tensors by path
   */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    averages.forEach((k, a) -> out.put(k, Tensor.of(a)));
    return out;
  }

  /**
   * @param state tensors as {@link #state()} returns them
   */
  public void restore(Map<String, Tensor> state) {
    averages.forEach((k, a) -> HostCopy.into(a, state.get(k).data()));
  }
}
