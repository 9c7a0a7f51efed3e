package org.attnzoo.backbones.swiftformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionFactory;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.BatchNorm;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.ElementwiseActivation;
import org.attnzoo.nn.NamedSequential;
import org.attnzoo.nn.Scalars;
import org.attnzoo.nn.Sequences;
import org.attnzoo.nn.TimmInit;

/**
 * SwiftFormer (Shaker et al., ICCV 2023), as timm's {@code SwiftFormer}: a stem of two stride-2 3x3
 * convolutions with BatchNorm and ReLU ({@code stem.0 .. stem.5}), four stages ({@code stages.i}),
 * a final BatchNorm {@code norm}, global average pooling and two linear classifiers, {@code head}
 * and the distillation head {@code head_dist}, whose logits are averaged (timm's inference and
 * standard-training behaviour; separate distillation outputs are not offered).
 *
 * <p>Input {@code [B, C, H, W]}; output logits {@code [B, numClasses]}, or the pooled features when
 * {@code numClasses == 0}.
 */
public class SwiftFormer extends AbstractBlock implements OnnxExportable {

  private final SwiftFormerConfig config;
  private final NamedSequential stem;
  private final List<SwiftFormerStage> stages;
  private final BatchNorm norm;

  /** The children that turn the image into the feature map, in order. */
  private final List<Block> trunk;

  private final Dropout headDrop;
  private final Linear head;
  private final Linear headDist;

  /**
   * @param config the architecture
   */
  public SwiftFormer(SwiftFormerConfig config) {
    this.config = config;
    List<Integer> dims = config.embedDims();
    int d0 = dims.get(0);
    stem =
        addChildBlock(
            "stem",
            new NamedSequential()
                .add("0", stemConv(d0 / 2))
                .add("1", BatchNorm.of(d0 / 2))
                .add("2", ElementwiseActivation.relu())
                .add("3", stemConv(d0))
                .add("4", BatchNorm.of(d0))
                .add("5", ElementwiseActivation.relu()));
    AttentionFactory attention = config.attention();
    int total = config.totalDepth();
    int blockIndex = 0;
    long in = d0;
    List<SwiftFormerStage> list = new ArrayList<>();
    for (int i = 0; i < dims.size(); i++) {
      // Stochastic depth grows linearly over all encoders (timm's Stage).
      float[] rates = new float[config.layers().get(i)];
      for (int j = 0; j < rates.length; j++, blockIndex++) {
        rates[j] = total == 1 ? 0f : config.dropPathRate() * blockIndex / (total - 1);
      }
      list.add(addChildBlock("stages." + i, new SwiftFormerStage(config, i, in, attention, rates)));
      in = dims.get(i);
    }
    stages = Collections.unmodifiableList(list);
    norm = addChildBlock("norm", BatchNorm.of(in));
    List<Block> chain = new ArrayList<>();
    chain.add(stem);
    chain.addAll(stages);
    chain.add(norm);
    trunk = Collections.unmodifiableList(chain);
    headDrop = addChildBlock("head_drop", Dropout.builder().optRate(config.dropRate()).build());
    boolean classify = config.numClasses() > 0;
    head = classify ? addChildBlock("head", linear()) : null;
    headDist = classify ? addChildBlock("head_dist", linear()) : null;
    // timm swiftformer.py _initialize_weights: every nn.Linear and nn.Conv2d
    // trunc_normal_(std=.02), bias 0.
    TimmInit.declare(this, TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.TRUNC_NORMAL);
  }

  private static Conv2d stemConv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optStride(new Shape(2, 2))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }

  private Linear linear() {
    return Linear.builder().setUnits(config.numClasses()).build();
  }

  private void check(Shape in) {
    Checks.rank("SwiftFormer", in, 4, "[B, C, H, W]");
    Checks.size("SwiftFormer", in, 1, config.inChans(), "channels");
  }

  /**
   * The normalised last feature map, {@code [B, embedDims[-1], H/32, W/32]} for four stages.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the feature map
   */
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    return Sequences.forward(ps, new NDList(image), training, trunk).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = forwardFeatures(ps, inputs.singletonOrThrow(), training);
    Shape s = x.getShape();
    // DJL's PyTorch engine averages over one axis at a time: flatten H and W first.
    NDList pooled = new NDList(x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2}));
    pooled = headDrop.forward(ps, pooled, training);
    if (head == null) {
      return pooled;
    }
    NDArray logits = head.forward(ps, pooled, training).singletonOrThrow();
    NDArray dist = headDist.forward(ps, pooled, training).singletonOrThrow();
    return new NDList(Scalars.div(logits.add(dist), 2));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    Shape features = Sequences.outputShapes(inputShapes, trunk)[0];
    long out = head == null ? features.get(1) : config.numClasses();
    return new Shape[] {new Shape(features.get(0), out)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Shape[] s = Sequences.initialize(manager, dataType, shapes, trunk);
    Shape pooled = new Shape(s[0].get(0), s[0].get(1));
    headDrop.initialize(manager, dataType, pooled);
    if (head != null) {
      head.initialize(manager, dataType, pooled);
      headDist.initialize(manager, dataType, pooled);
    }
  }

  /**
   * @return the architecture
   */
  public SwiftFormerConfig getConfig() {
    return config;
  }

  /**
   * @return the stages in order
   */
  public List<SwiftFormerStage> getStages() {
    return stages;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = Sequences.toOnnx(g, inputs, trunk)[0];
    String pooled =
        g.op(
            "ReduceMean",
            new String[] {x},
            OnnxGraph.Attr.ints("axes", 2, 3),
            OnnxGraph.Attr.of("keepdims", 0L));
    pooled = g.apply(headDrop, pooled);
    if (head == null) {
      return new String[] {pooled};
    }
    // The distilled model's prediction is the mean of its two heads.
    String sum = g.op("Add", g.apply(head, pooled), g.apply(headDist, pooled));
    return new String[] {g.op("Div", sum, g.scalar(2f))};
  }
}
