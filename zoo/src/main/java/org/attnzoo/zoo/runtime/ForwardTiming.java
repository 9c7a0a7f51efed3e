package org.attnzoo.zoo.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Arrays;

/**
 * Timing of inference forwards, shared by the latency benchmarks, {@code attnzoo demo} and the ToSA
 * summary. Every timed call runs in its own sub-{@link NDManager}, as applications should (its
 * input and outputs are freed right after), and the clock stops when the result has reached the
 * host, so asynchronous engines are timed to the end of the work.
 */
public final class ForwardTiming {

  private ForwardTiming() {}

  /**
   * Wall-clock time of one inference forward on a fresh standard-normal input.
   *
   * @param block an initialised block
   * @param ps its parameter store
   * @param parent the manager the call's scope is opened under (the model's)
   * @param inputShape the input shape, batch included
   * @return milliseconds, from the call to the result on the host
   */
  public static double forwardMs(
      Block block, ParameterStore ps, NDManager parent, Shape inputShape) {
    try (NDManager scope = parent.newSubManager()) {
      return timed(block, ps, scope.randomNormal(inputShape));
    }
  }

  /**
   * Wall-clock time of one inference forward on a given input; the outputs are freed right after.
   *
   * @param block an initialised block
   * @param ps its parameter store
   * @param x the input (left as it is)
   * @return milliseconds, from the call to the result on the host
   */
  public static double forwardMs(Block block, ParameterStore ps, NDArray x) {
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray in = x.duplicate();
      in.attach(scope);
      return timed(block, ps, in);
    }
  }

  /** Times a forward on an input that lives in a scope of its own (the outputs join that scope). */
  private static double timed(Block block, ParameterStore ps, NDArray in) {
    long t0 = System.nanoTime();
    NDArray y = block.forward(ps, new NDList(in), false).head();
    y.toFloatArray(); // waits for the result
    return (System.nanoTime() - t0) / 1e6;
  }

  /**
   * @param values samples (not modified)
   * @param q quantile in [0, 1]
   * @return the nearest-rank quantile: the element at index {@code floor(q * (n - 1) + 0.5)} of the
   *     sorted samples
   * @throws IllegalArgumentException for no samples or q outside [0, 1]
   */
  public static double quantile(double[] values, double q) {
    if (values.length == 0 || !(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException(
          "quantile needs samples and q in [0, 1], got " + values.length + " samples, q=" + q);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.floor(q * (sorted.length - 1) + 0.5)];
  }

  /**
   * @param values samples (not modified)
   * @return their median (the mean of the middle two for an even count)
   * @throws IllegalArgumentException for no samples
   */
  public static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("median of no samples");
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int mid = s.length / 2;
    return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
}
