package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Exact (erf) GELU as a parameter-free child, holding the index of the official code's {@code
 * nn.GELU()} inside its {@code nn.Sequential}s. Unlike DJL's {@code LambdaBlock} it infers shapes
 * without running the function.
 */
final class Gelu extends AbstractBlock {

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(Activation.gelu(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
