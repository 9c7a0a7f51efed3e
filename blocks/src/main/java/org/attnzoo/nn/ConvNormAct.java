package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Convolution, optional BatchNorm, optional activation: timm's {@code efficientvit_mit.ConvNormAct}
 * (children {@code conv}, {@code norm}). The padding is timm's symmetric default {@code ((stride -
 * 1) + (kernel - 1)) / 2}.
 */
public class ConvNormAct extends AbstractBlock implements OnnxExportable {

  /** The activations EfficientViT uses. */
  public enum Act {
    /** Identity. */
    NONE,
    /** {@code max(x, 0)}: the linear-attention kernel. */
    RELU,
    /** {@code min(max(x, 0), 6)}. */
    RELU6,
    /** {@code x * relu6(x + 3) / 6}: EfficientViT-B's activation. */
    HARDSWISH;

    /**
     * @param x input
     * @return the activation applied elementwise
     */
    public NDArray apply(NDArray x) {
      return switch (this) {
        case NONE -> x;
        case RELU -> Activation.relu(x);
        case RELU6 -> Activation.relu6(x);
        case HARDSWISH -> Hardswish.hardswish(x);
      };
    }

    /**
     * @param g the graph under construction
     * @param x input value name
     * @return the activation's output value name ({@code Clip} for ReLU6, opset-14 {@code
     *     HardSwish})
     */
    public String toOnnx(OnnxGraph g, String x) {
      return switch (this) {
        case NONE -> x;
        case RELU -> g.op("Relu", x);
        case RELU6 -> g.op("Clip", x, g.scalar(0f), g.scalar(6f));
        case HARDSWISH -> g.op("HardSwish", x);
      };
    }
  }

  private final long inChannels;
  private final long outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final Conv2d conv;
  private final BatchNorm norm;
  private final Act act;

  /**
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernel square kernel side
   * @param stride stride
   * @param groups convolution groups ({@code inChannels} for depth-wise)
   * @param bias whether the convolution has a bias
   * @param withNorm whether a BatchNorm follows the convolution
   * @param act the activation at the end
   */
  public ConvNormAct(
      long inChannels,
      long outChannels,
      int kernel,
      int stride,
      int groups,
      boolean bias,
      boolean withNorm,
      Act act) {
    Checks.positive("ConvNormAct inChannels", inChannels);
    Checks.positive("ConvNormAct outChannels", outChannels);
    Checks.positive("ConvNormAct kernel", kernel);
    Checks.positive("ConvNormAct stride", stride);
    Checks.divisible("ConvNormAct inChannels", inChannels, "groups", groups);
    Checks.divisible("ConvNormAct outChannels", outChannels, "groups", groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = ((stride - 1) + (kernel - 1)) / 2;
    this.act = act;
    conv =
        addChildBlock(
            "conv",
            Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optGroups(groups)
                .setFilters((int) outChannels)
                .optBias(bias)
                .build());
    norm = withNorm ? addChildBlock("norm", BatchNorm.of(outChannels)) : null;
  }

  private void check(Shape in) {
    Checks.rank("ConvNormAct", in, 4, "[B, C, H, W]");
    Checks.size("ConvNormAct", in, 1, inChannels, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    NDList x = conv.forward(ps, inputs, training);
    if (norm != null) {
      x = norm.forward(ps, x, training);
    }
    return new NDList(act.apply(x.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    check(in);
    long h = (in.get(2) + 2L * padding - kernel) / stride + 1;
    long w = (in.get(3) + 2L * padding - kernel) / stride + 1;
    return new Shape[] {new Shape(in.get(0), outChannels, h, w)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    conv.initialize(manager, dataType, shapes);
    if (norm != null) {
      norm.initialize(manager, dataType, getOutputShapes(shapes));
    }
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {act.toOnnx(g, g.apply(norm, g.apply(conv, inputs[0])))};
  }
}
