package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Exact (erf) GELU as a parameter-free child, holding the index of the official code's {@code
 * nn.GELU()} inside its {@code nn.Sequential}s. Unlike DJL's {@code LambdaBlock} it infers shapes
 * without running the function.
 */
final class Gelu extends AbstractBlock implements OnnxExportable {

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(Activation.gelu(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {g.gelu(inputs[0])};
  }
}
