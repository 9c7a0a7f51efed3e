package org.attnzoo.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class LayerNorm2dTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new LayerNorm2d(6, 1e-6f), new Shape(2, 6, 3, 5));
    BlockContract.verify(() -> LayerNorm2d.withContiguousOutput(6, 1e-6f), new Shape(2, 6, 3, 5));
  }

  @Test
  void normalisesEachPixelOverChannels() {
    check(new LayerNorm2d(6, 1e-6f));
  }

  @Test
  void contiguousFormNormalisesEachPixelOverChannels() {
    check(LayerNorm2d.withContiguousOutput(6, 1e-6f));
  }

  @Test
  void aStrideTwoConvolutionAfterItAgreesWithFloat64() {
    // EdgeNeXt's downsampling (LayerNorm2d, then a 2x2 stride-2 convolution) at the sizes of
    // edgenext_xx_small's stage 3 at 288 pixels: libtorch 2.7.1's oneDNN convolution miscomputed
    // this when handed the channels-last strides of a transposed layer norm (max error 0.47).
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int side : new int[] {18, 16, 9}) {
        LayerNorm2d norm = new LayerNorm2d(88, 1e-6f);
        norm.initialize(manager, DataType.FLOAT32, new Shape(1, 88, side, side));
        NDArray x = manager.randomNormal(new Shape(1, 88, side, side));
        NDArray y = norm.forward(new ParameterStore(manager, false), new NDList(x), false).head();
        NDArray w = manager.randomNormal(new Shape(168, 88, 2, 2)).div(Math.sqrt(4 * 88));
        NDArray b = manager.randomNormal(new Shape(168));
        Shape stride = new Shape(2, 2);
        Shape none = new Shape(0, 0);
        Shape one = new Shape(1, 1);
        NDArray out = Conv2d.conv2d(y, w, b, stride, none, one, 1).head();
        NDArray ref =
            Conv2d.conv2d(
                    y.toType(DataType.FLOAT64, true),
                    w.toType(DataType.FLOAT64, false),
                    b.toType(DataType.FLOAT64, false),
                    stride,
                    none,
                    one,
                    1)
                .head();
        double err = out.toType(DataType.FLOAT64, false).sub(ref).abs().max().getDouble();
        assertTrue(err < 1e-4, "side " + side + ": float32 vs float64 max error " + err);
      }
    }
  }

  private static void check(LayerNorm2d block) {
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 6, 3, 5));
      NDArray x = manager.randomNormal(new Shape(2, 6, 3, 5)).mul(3).add(1);
      NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
      // With weight 1 and bias 0: (x - mean_c) / sqrt(var_c + eps), computed independently.
      NDArray mean = x.mean(new int[] {1}, true);
      NDArray var = x.sub(mean).pow(2).mean(new int[] {1}, true);
      NDArray expected = x.sub(mean).div(var.add(1e-6f).sqrt());
      assertTrue(y.allClose(expected, 1e-5, 1e-5, false));
      BlockContract.rejects(manager, block, new Shape(2, 5, 3, 5), "channels");
      BlockContract.rejects(manager, block, new Shape(2, 6, 15), "rank-4");
    }
  }
}
