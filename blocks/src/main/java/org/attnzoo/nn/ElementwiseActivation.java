package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.function.UnaryOperator;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * A parameter-free element-wise activation as a block, for use inside a {@link NamedSequential}.
 * Unlike DJL's {@code LambdaBlock} its shape inference is the identity, without running the
 * function on zeros.
 */
public final class ElementwiseActivation extends AbstractBlock implements OnnxExportable {

  private final UnaryOperator<NDArray> function;
  private final boolean isGelu;

  private ElementwiseActivation(UnaryOperator<NDArray> function, boolean gelu) {
    this.function = function;
    this.isGelu = gelu;
  }

  /**
   * @return {@code max(x, 0)}
   */
  public static ElementwiseActivation relu() {
    return new ElementwiseActivation(Activation::relu, false);
  }

  /**
   * @return the exact (erf) GELU
   */
  public static ElementwiseActivation gelu() {
    return new ElementwiseActivation(Activation::gelu, true);
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

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {isGelu ? g.gelu(inputs[0]) : g.op("Relu", inputs[0])};
  }
}
