package org.attnzoo.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.Test;

/**
 * Guards against a libtorch 2.7.1 defect: on AMD Zen 5 its oneDNN AVX-512 float32 convolution
 * returns wrong values for some shapes (batch above 1, 24 or 56 input channels, 3x3 kernels), which
 * breaks every convolutional backbone. The build limits oneDNN to AVX2 ({@code
 * DNNL_MAX_CPU_ISA=AVX2} in the surefire configuration); this test compares float32 against float64
 * convolutions on shapes that SwiftFormer and EdgeNeXt use.
 */
class EngineConvolutionTest {

  @Test
  void float32ConvolutionAgreesWithFloat64() {
    // {batch, in channels, side, out channels, kernel, stride, padding}
    int[][] cases = {
      {2, 24, 8, 32, 3, 2, 1},
      {2, 24, 8, 24, 3, 1, 1},
      {2, 56, 28, 112, 3, 2, 1},
      {2, 16, 16, 24, 3, 2, 1}
    };
    try (NDManager m = NDManager.newBaseManager()) {
      for (int[] c : cases) {
        NDArray x = m.randomNormal(new Shape(c[0], c[1], c[2], c[2]));
        NDArray w = m.randomNormal(new Shape(c[3], c[1], c[4], c[4])).div(c[4] * Math.sqrt(c[1]));
        NDArray b = m.randomNormal(new Shape(c[3]));
        Shape stride = new Shape(c[5], c[5]);
        Shape pad = new Shape(c[6], c[6]);
        Shape dilation = new Shape(1, 1);
        NDArray out = Conv2d.conv2d(x, w, b, stride, pad, dilation, 1).head();
        NDArray ref =
            Conv2d.conv2d(
                    x.toType(DataType.FLOAT64, false),
                    w.toType(DataType.FLOAT64, false),
                    b.toType(DataType.FLOAT64, false),
                    stride,
                    pad,
                    dilation,
                    1)
                .head();
        double err = out.toType(DataType.FLOAT64, false).sub(ref).abs().max().getDouble();
        assertTrue(
            err < 1e-4,
            String.format(
                "float32 conv %s differs from float64 by %.3g: run with DNNL_MAX_CPU_ISA=AVX2",
                java.util.Arrays.toString(c), err));
      }
    }
  }
}
