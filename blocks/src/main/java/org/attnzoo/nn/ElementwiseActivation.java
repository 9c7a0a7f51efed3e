package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.function.UnaryOperator;

/**
 * A parameter-free element-wise activation as a block, for use inside a {@link NamedSequential}.
 * Unlike DJL's {@code LambdaBlock} its shape inference is the identity, without running the
 * function on zeros.
 */
public final class ElementwiseActivation extends AbstractBlock {

  private final UnaryOperator<NDArray> function;

  private ElementwiseActivation(UnaryOperator<NDArray> function) {
    this.function = function;
  }

  /**
   * @return {@code max(x, 0)}
   */
  public static ElementwiseActivation relu() {
    return new ElementwiseActivation(Activation::relu);
  }

  /**
   * @return the exact (erf) GELU
   */
  public static ElementwiseActivation gelu() {
    return new ElementwiseActivation(Activation::gelu);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(function.apply(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
