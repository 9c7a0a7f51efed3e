package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic between an array and a Java number that stays correct under autograd.
 *
 * <p>DJL's {@code NDArray.mul(Number)}, {@code div(Number)}, {@code pow(Number)}, {@code
 * maximum(Number)} and {@code minimum(Number)} wrap the number in a 0-d array and close it as soon
 * as the operation returns. On the PyTorch engine that 0-d array is {@code torch::from_blob} over a
 * Java direct {@code ByteBuffer}: its memory belongs to the JVM, not to libtorch. The operation's
 * backward function keeps the 0-d tensor, because the gradient needs it ({@code d(x s)/dx = s}),
 * but once the Java wrapper is closed nothing keeps the buffer alive: the garbage collector frees
 * it, {@code malloc} hands the bytes to the next allocation, and the backward pass then multiplies
 * gradients by whatever was written there. In training this showed as rare gradient spikes of 1e26
 * to 1e37 followed by NaN, and as runs that differed with JIT and GC timing.
 *
 * <p>The numbers made here come from {@code NDManager.full}, whose memory libtorch allocates and
 * reference-counts: it lives as long as any tensor, the autograd graph included, refers to it.
 * Forward results are identical to DJL's (same value, the array's data type). {@code add} and
 * {@code sub} by a number are safe as DJL has them (their backward keeps no operand).
 */
public final class Scalars {

  private Scalars() {}

  /**
   * @param like gives the manager, data type and device
   * @param value the number
   * @return a 0-d array holding {@code value}, in memory owned by the engine
   */
  public static NDArray of(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType(), like.getDevice());
  }

  /**
   * @param x an array
   * @param s a number
   * @return {@code x * s}
   */
  public static NDArray mul(NDArray x, double s) {
    try (NDArray scalar = of(x, s)) {
      return x.mul(scalar);
    }
  }

  /**
   * @param x an array
   * @param s a number
   * @return {@code x / s}
   */
  public static NDArray div(NDArray x, double s) {
    try (NDArray scalar = of(x, s)) {
      return x.div(scalar);
    }
  }

  /**
   * @param x an array
   * @param floor a number
   * @return {@code max(x, floor)} elementwise
   */
  public static NDArray maximum(NDArray x, double floor) {
    try (NDArray scalar = of(x, floor)) {
      return x.maximum(scalar);
    }
  }
}
