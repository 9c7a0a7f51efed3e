package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Global average pooling, LayerNorm {@code norm} and a linear classifier {@code fc}: timm's {@code
 * NormMlpClassifierHead} without its optional hidden layer, as ConvNeXt and EdgeNeXt use it. Input
 * {@code [B, C, H, W]}; output logits {@code [B, numClasses]}, or the normalised pooled features
 * {@code [B, C]} when {@code numClasses == 0}.
 */
public class PoolNormHead extends ClassifierBlock implements OnnxExportable {

  private final long channels;
  private int numClasses;
  private final LayerNorm norm;
  private final Dropout drop;
  private Linear fc;

  /**
   * @param channels C
   * @param numClasses classifier outputs, 0 for none
   * @param eps LayerNorm eps
   * @param dropRate dropout before the classifier
   */
  public PoolNormHead(long channels, int numClasses, float eps, float dropRate) {
    this.channels = channels;
    this.numClasses = numClasses;
    norm = addChildBlock("norm", LayerNorm.of(channels, eps));
    drop = addChildBlock("drop", Dropout.builder().optRate(dropRate).build());
    fc = addClassifier("fc", numClasses);
  }

  /**
   * Replaces {@code fc} with a new, uninitialised layer of {@code numClasses} outputs (none for 0);
   * {@code norm} keeps its values, as in timm's {@code NormMlpClassifierHead.reset}.
   *
   * @param numClasses outputs of the new classifier
   */
  public void resetClassifier(int numClasses) {
    if (fc != null) {
      removeLastChildren("fc");
    }
    fc = addClassifier("fc", numClasses);
    this.numClasses = numClasses;
  }

  private void check(Shape in) {
    Checks.rank("PoolNormHead", in, 4, "[B, C, H, W]");
    Checks.size("PoolNormHead", in, 1, channels, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList y = forwardPreLogits(ps, inputs.singletonOrThrow(), training);
    return fc == null ? y : fc.forward(ps, y, training);
  }

  /**
   * Pooling, norm and dropout: the features {@code fc} classifies.
   *
   * @param ps the parameter store
   * @param x {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return {@code [B, C]}
   */
  public NDList forwardPreLogits(ParameterStore ps, NDArray x, boolean training) {
    check(x.getShape());
    Shape s = x.getShape();
    // DJL's PyTorch engine averages over one axis at a time: flatten H and W first.
    NDList pooled = new NDList(x.reshape(s.get(0), channels, -1).mean(new int[] {2}));
    return drop.forward(ps, norm.forward(ps, pooled, training), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {new Shape(inputShapes[0].get(0), numClasses > 0 ? numClasses : channels)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Shape pooled = new Shape(shapes[0].get(0), channels);
    norm.initialize(manager, dataType, pooled);
    drop.initialize(manager, dataType, pooled);
    if (fc != null) {
      fc.initialize(manager, dataType, pooled);
    }
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String pooled =
        g.op(
            "ReduceMean",
            new String[] {inputs[0]},
            OnnxGraph.Attr.ints("axes", 2, 3),
            OnnxGraph.Attr.of("keepdims", 0L));
    return new String[] {g.apply(fc, g.apply(drop, g.apply(norm, pooled)))};
  }
}
