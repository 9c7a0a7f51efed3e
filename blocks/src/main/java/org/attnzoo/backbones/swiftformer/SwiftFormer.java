package org.attnzoo.backbones.swiftformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.backbones.AbstractBackbone;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.backbones.StochasticDepth;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.BatchNorm;
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
 * {@code numClasses == 0}. Feature maps: {@code stages.i}, before the final norm.
 */
public class SwiftFormer extends AbstractBackbone<SwiftFormerConfig> {

  private final List<SwiftFormerStage> stages;
  private final Dropout headDrop;
  private Linear head;
  private Linear headDist;

  /**
   * @param config the architecture
   */
  public SwiftFormer(SwiftFormerConfig config) {
    super("SwiftFormer", config);
    List<Integer> dims = config.embedDims();
    int d0 = dims.get(0);
    NamedSequential stem =
        addChildBlock(
            "stem",
            new NamedSequential()
                .add("0", stemConv(d0 / 2))
                .add("1", BatchNorm.of(d0 / 2))
                .add("2", ElementwiseActivation.relu())
                .add("3", stemConv(d0))
                .add("4", BatchNorm.of(d0))
                .add("5", ElementwiseActivation.relu()));
    float[][] rates = StochasticDepth.linear(config.layers(), config.dropPathRate());
    long in = d0;
    int reduction = 4;
    List<SwiftFormerStage> list = new ArrayList<>();
    List<FeatureInfo> info = new ArrayList<>();
    for (int i = 0; i < dims.size(); i++) {
      list.add(
          addChildBlock(
              "stages." + i, new SwiftFormerStage(config, i, in, config.attention(), rates[i])));
      reduction *= config.downsamples().get(i) ? 2 : 1;
      info.add(new FeatureInfo(dims.get(i), reduction, "stages." + i));
      in = dims.get(i);
    }
    stages = Collections.unmodifiableList(list);
    BatchNorm norm = addChildBlock("norm", BatchNorm.of(in));
    List<Block> trunk = new ArrayList<>(Sequences.chain(stem, stages));
    trunk.add(norm);
    setTrunk(trunk, stageIndices(1, 1, dims.size()), info);
    headDrop = addChildBlock("head_drop", Dropout.builder().optRate(config.dropRate()).build());
    replaceClassifier(config.numClasses());
    // timm swiftformer.py _initialize_weights: every nn.Linear and nn.Conv2d
    // trunc_normal_(std=.02), bias 0.
    declareInit(TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.TRUNC_NORMAL);
  }

  private static Conv2d stemConv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optStride(new Shape(2, 2))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }

  @Override
  public NDArray forwardHead(
      ParameterStore ps, NDArray features, boolean training, boolean preLogits) {
    NDList pooled = headDrop.forward(ps, new NDList(averagePool(features)), training);
    if (preLogits || head == null) {
      return pooled.singletonOrThrow();
    }
    NDArray logits = head.forward(ps, pooled, training).singletonOrThrow();
    NDArray dist = headDist.forward(ps, pooled, training).singletonOrThrow();
    return Scalars.div(logits.add(dist), 2);
  }

  @Override
  protected void initializeHead(NDManager manager, DataType dataType, Shape features) {
    Shape pooled = new Shape(features.get(0), features.get(1));
    headDrop.initialize(manager, dataType, pooled);
    if (head != null) {
      head.initialize(manager, dataType, pooled);
      headDist.initialize(manager, dataType, pooled);
    }
  }

  @Override
  protected String headToOnnx(OnnxGraph g, String features) {
    String pooled = g.apply(headDrop, averagePoolOnnx(g, features));
    if (head == null) {
      return pooled;
    }
    // The distilled model's prediction is the mean of its two heads.
    String sum = g.op("Add", g.apply(head, pooled), g.apply(headDist, pooled));
    return g.op("Div", sum, g.scalar(2f));
  }

  @Override
  protected void replaceClassifier(int numClasses) {
    if (head != null) {
      removeLastChildren("head", "head_dist");
    }
    head = addClassifier("head", numClasses);
    headDist = addClassifier("head_dist", numClasses);
  }

  /**
   * @return the stages in order
   */
  public List<SwiftFormerStage> getStages() {
    return stages;
  }
}
