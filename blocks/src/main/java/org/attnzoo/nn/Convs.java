package org.attnzoo.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** Convolution builders used by several blocks. */
public final class Convs {

  private Convs() {}

  /**
   * A {@code k x k} stride-1 convolution padded by {@code k / 2}, so that odd kernels keep H and W
   * (PyTorch's {@code padding=k // 2}).
   *
   * @param filters output channels
   * @param kernel k
   * @param groups channel groups ({@code filters} for a depth-wise convolution)
   * @return the builder, with a bias unless switched off by the caller
   */
  public static Conv2d.Builder samePadded(long filters, int kernel, int groups) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .optPadding(new Shape(kernel / 2, kernel / 2))
        .optGroups(groups)
        .setFilters(Math.toIntExact(filters));
  }
}
