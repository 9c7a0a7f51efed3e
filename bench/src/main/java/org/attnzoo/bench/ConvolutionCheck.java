package org.attnzoo.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.attnzoo.zoo.runtime.Engines;

/**
 * Which stride-2 convolutions the PyTorch engine's libtorch computes wrongly on this CPU: for input
 * channels 4, 8, ..., 128, a 2x2 (no padding) and a 3x3 (padding 1) convolution to twice the
 * channels on a 36x36 map, in float32 on a contiguous channels-first input and on a channels-last
 * one, against the same convolution in float64 (which does not go through oneDNN). Prints the wrong
 * cases (max error above 1e-3). Run it under the {@code DNNL_MAX_CPU_ISA} to check.
 */
public final class ConvolutionCheck {

  private ConvolutionCheck() {}

  /**
   * @param args unused
   */
  public static void main(String[] args) {
    try (NDManager m = NDManager.newBaseManager(Engines.PYTORCH)) {
      StringBuilder channelsFirst = new StringBuilder();
      StringBuilder channelsLast = new StringBuilder();
      for (int c = 4; c <= 128; c += 4) {
        for (int k : new int[] {2, 3}) {
          NDArray w = m.randomNormal(new Shape(2L * c, c, k, k));
          NDArray b = m.zeros(new Shape(2L * c));
          NDArray first = m.randomNormal(new Shape(1, c, 36, 36));
          NDArray last = m.randomNormal(new Shape(1, 36, 36, c)).transpose(0, 3, 1, 2);
          if (error(first, w, b, k) > 1e-3) {
            channelsFirst.append(c).append("/k").append(k).append(' ');
          }
          if (error(last, w, b, k) > 1e-3) {
            channelsLast.append(c).append("/k").append(k).append(' ');
          }
        }
      }
      System.out.println("wrong on a contiguous channels-first input: " + channelsFirst);
      System.out.println("wrong on a channels-last input: " + channelsLast);
    }
  }

  private static double error(NDArray x, NDArray w, NDArray b, int k) {
    Shape stride = new Shape(2, 2);
    Shape pad = new Shape(k / 2 * (k % 2), k / 2 * (k % 2));
    Shape dilation = new Shape(1, 1);
    NDArray y = Conv2d.conv2d(x, w, b, stride, pad, dilation, 1).singletonOrThrow();
    NDArray reference =
        Conv2d.conv2d(f64(x), f64(w), f64(b), stride, pad, dilation, 1).singletonOrThrow();
    return f64(y).sub(reference).abs().max().getDouble();
  }

  private static NDArray f64(NDArray x) {
    return x.toType(DataType.FLOAT64, false);
  }
}
