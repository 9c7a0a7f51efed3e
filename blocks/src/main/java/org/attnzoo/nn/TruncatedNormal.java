package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * A normal distribution {@code N(mean, std^2)} truncated to the absolute interval {@code [a, b]}:
 * values that fall outside are drawn again until they fall inside. This is the distribution of
 * timm's {@code trunc_normal_(tensor, mean, std, a, b)} (timm samples it by inverse CDF; redrawing
 * gives the same distribution).
 *
 * <p>The bounds are values, not multiples of {@code std}. timm's defaults {@code a = -2, b = 2}
 * with {@code std = 0.02} cut 100 standard deviations out, so {@code trunc_normal_(w, std=.02)} is
 * in effect an untruncated {@code N(0, 0.02^2)}. DJL's {@code TruncatedNormalInitializer} cuts at
 * two standard deviations instead, which is timm's other function, {@code trunc_normal_tf_} (sample
 * std {@code 0.8796 std}); {@link TimmInit} names both.
 */
public final class TruncatedNormal implements Initializer {

  // Each round redraws the values still outside; with an interval that holds a fair share of the
  // distribution (timm's uses), one or two rounds suffice.
  private static final int MAX_ROUNDS = 100;

  private final float mean;
  private final float std;
  private final float a;
  private final float b;

  /**
   * @param mean mean of the normal distribution
   * @param std standard deviation of the normal distribution, positive
   * @param a lower bound (a value)
   * @param b upper bound (a value), above {@code a}
   */
  public TruncatedNormal(double mean, double std, double a, double b) {
    if (!(std > 0) || !(a < b)) {
      throw new IllegalArgumentException(
          "TruncatedNormal needs std > 0 and a < b, got std " + std + ", a " + a + ", b " + b);
    }
    this.mean = (float) mean;
    this.std = (float) std;
    this.a = (float) a;
    this.b = (float) b;
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = scope.randomNormal(mean, std, shape, dataType);
      for (int round = 0; ; round++) {
        NDArray outside = x.lt(a).logicalOr(x.gt(b));
        if (!outside.any().getBoolean()) {
          break;
        }
        if (round == MAX_ROUNDS) {
          throw new IllegalStateException(
              String.format(
                  "TruncatedNormal(mean %s, std %s) still has values outside [%s, %s] after %d"
                      + " redraws: the interval holds almost none of the distribution",
                  mean, std, a, b, MAX_ROUNDS));
        }
        x = NDArrays.where(outside, scope.randomNormal(mean, std, shape, dataType), x);
      }
      x.attach(manager);
      return x;
    }
  }

  @Override
  public String toString() {
    return "TruncatedNormal(mean " + mean + ", std " + std + ", [" + a + ", " + b + "])";
  }
}
