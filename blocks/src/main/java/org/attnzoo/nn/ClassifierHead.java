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
import org.attnzoo.nn.ConvNormAct.Act;

/**
 * EfficientViT's head, timm's {@code efficientvit_mit.ClassifierHead}: a 1x1 {@code in_conv}
 * (BatchNorm, activation) to {@code widths[0]}, global average pooling, then {@code classifier}:
 * linear without bias to {@code widths[1]}, LayerNorm (eps 1e-5), activation, dropout, and the
 * final linear layer ({@code classifier.4}; absent with 0 classes, which returns the pre-logits).
 */
public class ClassifierHead extends ClassifierBlock implements OnnxExportable {

  private final long inChannels;
  private final long hidden;
  private int numClasses;
  private final Act act;
  private final ConvNormAct inConv;
  private final Linear fc0;
  private final LayerNorm norm;
  private final Dropout drop;
  private Linear fc;

  /**
   * @param inChannels feature-map channels
   * @param convWidth {@code widths[0]}: channels after {@code in_conv}
   * @param hidden {@code widths[1]}: width of the pre-logits
   * @param numClasses classifier outputs (0: pre-logits)
   * @param dropRate dropout before the last linear layer
   * @param act activation
   */
  public ClassifierHead(
      long inChannels, long convWidth, long hidden, int numClasses, float dropRate, Act act) {
    Checks.positive("ClassifierHead hidden", hidden);
    this.inChannels = inChannels;
    this.hidden = hidden;
    this.numClasses = numClasses;
    this.act = act;
    inConv =
        addChildBlock("in_conv", new ConvNormAct(inChannels, convWidth, 1, 1, 1, false, true, act));
    fc0 = addChildBlock("classifier.0", Linear.builder().setUnits(hidden).optBias(false).build());
    norm = addChildBlock("classifier.1", LayerNorm.of(hidden, 1e-5f));
    drop = addChildBlock("classifier.3", Dropout.builder().optRate(dropRate).build());
    fc = addClassifier("classifier.4", numClasses);
  }

  /**
   * Replaces {@code classifier.4} with a new, uninitialised layer of {@code numClasses} outputs
   * (none for 0); the rest keeps its values, as in timm's {@code ClassifierHead.reset}.
   *
   * @param numClasses outputs of the new classifier
   */
  public void resetClassifier(int numClasses) {
    if (fc != null) {
      removeLastChildren("classifier.4");
    }
    fc = addClassifier("classifier.4", numClasses);
    this.numClasses = numClasses;
  }

  /**
   * @return width of the pre-logits, {@code widths[1]}
   */
  public long hiddenSize() {
    return hidden;
  }

  private void check(Shape in) {
    Checks.rank("ClassifierHead", in, 4, "[B, C, H, W]");
    Checks.size("ClassifierHead", in, 1, inChannels, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList out = forwardPreLogits(ps, inputs.singletonOrThrow(), training);
    return fc == null ? out : fc.forward(ps, out, training);
  }

  /**
   * Everything before {@code classifier.4}: the pre-logits, as timm's {@code forward(x,
   * pre_logits=True)}.
   *
   * @param ps the parameter store
   * @param features {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return {@code [B, widths[1]]}
   */
  public NDList forwardPreLogits(ParameterStore ps, NDArray features, boolean training) {
    check(features.getShape());
    NDArray map = inConv.forward(ps, new NDList(features), training).singletonOrThrow();
    Shape s = map.getShape();
    // PyTorch-engine mean reduces one axis at a time: flatten H and W first.
    NDArray x = map.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
    x = fc0.forward(ps, new NDList(x), training).singletonOrThrow();
    x = act.apply(norm.forward(ps, new NDList(x), training).singletonOrThrow());
    return drop.forward(ps, new NDList(x), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {new Shape(inputShapes[0].get(0), numClasses > 0 ? numClasses : hidden)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    inConv.initialize(manager, dataType, shapes);
    long b = shapes[0].get(0);
    fc0.initialize(manager, dataType, new Shape(b, inConv.getOutputShapes(shapes)[0].get(1)));
    Shape pre = new Shape(b, hidden);
    norm.initialize(manager, dataType, pre);
    drop.initialize(manager, dataType, pre);
    if (fc != null) {
      fc.initialize(manager, dataType, pre);
    }
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String pooled =
        g.op(
            "ReduceMean",
            new String[] {g.apply(inConv, inputs[0])},
            OnnxGraph.Attr.ints("axes", 2, 3),
            OnnxGraph.Attr.of("keepdims", 0L));
    String x = act.toOnnx(g, g.apply(norm, g.apply(fc0, pooled)));
    return new String[] {g.apply(fc, g.apply(drop, x))};
  }
}
