package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's default initialisation of {@code nn.Linear} and {@code nn.Conv2d} ({@code
 * reset_parameters}): the weight is {@code kaiming_uniform_(w, a=sqrt(5))}, which works out to
 * {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}, and the bias is {@code U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in))} with the weight's {@code fan_in}.
 *
 * <p>{@code fan_in} is the product of the weight's dimensions after the first, as in {@code
 * torch.nn.init._calculate_fan_in_and_fan_out}: {@code in} for a Linear weight {@code [out, in]},
 * {@code in/groups * kh * kw} for a convolution weight {@code [out, in/groups, kh, kw]} (DJL and
 * PyTorch lay both out the same way, so a depth-wise convolution has {@code fan_in = kh * kw}).
 *
 * <p>A bias does not know its layer's {@code fan_in}, so its initializer reads the weight's shape.
 * DJL sets both shapes in the layer's {@code prepare} before it initialises either parameter, so
 * the weight's shape is known when the bias is drawn.
 */
public final class FanInUniform implements Initializer {

  private final Parameter weight;

  private FanInUniform(Parameter weight) {
    this.weight = weight;
  }

  /**
   * @return the initializer of a weight, whose own shape gives {@code fan_in}
   */
  public static FanInUniform weight() {
    return new FanInUniform(null);
  }

  /**
   * @param weight the weight of the layer the bias belongs to
   * @return the initializer of that layer's bias
   */
  public static FanInUniform bias(Parameter weight) {
    if (weight == null) {
      throw new IllegalArgumentException("FanInUniform.bias needs the layer's weight parameter");
    }
    return new FanInUniform(weight);
  }

  /**
   * @param weightShape a Linear or convolution weight shape, output channels first
   * @return {@code 1 / sqrt(fan_in)}, the bound of PyTorch's default weight and bias; 0 when {@code
   *     fan_in} is 0 (PyTorch's bias bound then)
   */
  public static double bound(Shape weightShape) {
    if (weightShape.dimension() < 2) {
      throw new IllegalArgumentException(
          "fan_in needs a weight of at least 2 dimensions [out, in, ...], got " + weightShape);
    }
    long fanIn = weightShape.size() / weightShape.get(0);
    return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    Shape weightShape = weight == null ? shape : weight.getShape();
    if (weightShape == null) {
      throw new IllegalStateException(
          "the bias of a layer is initialised before its weight "
              + weight.getName()
              + " has a shape");
    }
    float bound = (float) bound(weightShape);
    return manager.randomUniform(-bound, bound, shape, dataType);
  }

  @Override
  public String toString() {
    return weight == null
        ? "FanInUniform(weight)"
        : "FanInUniform(bias of " + weight.getName() + ")";
  }
}
