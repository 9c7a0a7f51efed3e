package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Hard swish (Howard et al., MobileNetV3, 2019): {@code x * relu6(x + 3) / 6}, as {@code
 * torch.nn.Hardswish}. DJL has no such activation; use {@link #hardswish} inside a block or this
 * parameter-free block as a child.
 */
public class Hardswish extends AbstractBlock implements OnnxExportable {

  /**
   * @param x any array
   * @return {@code x * relu6(x + 3) / 6}, elementwise
   */
  public static NDArray hardswish(NDArray x) {
    NDArray gate = x.add(3f).clip(0f, 6f);
    if (x.hasGradient()) {
      // Autograd records these operators: the multiply needs the gate unmodified for its
      // gradient, so keep every result (and Scalars.div: no Java number in backward).
      return Scalars.div(x.mul(gate), 6);
    }
    // Nothing is recorded: multiply and divide the gate in place (same order and rounding as
    // above), as PyTorch's single hardswish kernel writes one output, instead of allocating the
    // product and the quotient too (EfficientViT calls this 24 times a forward, on its largest
    // feature maps).
    try (NDArray six = Scalars.of(gate, 6)) {
      return gate.muli(x).divi(six);
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(hardswish(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {g.op("HardSwish", inputs[0])};
  }
}
