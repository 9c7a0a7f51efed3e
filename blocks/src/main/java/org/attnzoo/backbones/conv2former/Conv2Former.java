package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.attnzoo.backbones.AbstractBackbone;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.backbones.StochasticDepth;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.BatchNorm;
import org.attnzoo.nn.ElementwiseActivation;
import org.attnzoo.nn.LayerNorm2d;
import org.attnzoo.nn.NamedSequential;
import org.attnzoo.nn.TimmInit;

/**
 * Conv2Former (Hou et al., "Conv2Former: A Simple Transformer-Style ConvNet for Visual
 * Recognition", 2022) as the official HVision-NKU/Conv2Former code, whose children names it keeps
 * so that the official state dict loads as is.
 *
 * <p>{@code downsample_layers.0} is the stem (3x3 stride-2 conv, GELU, BatchNorm, 3x3 conv, GELU,
 * BatchNorm, 2x2 stride-2 conv: stride 4); {@code downsample_layers.1..3} are LayerNorm then a 2x2
 * stride-2 conv; {@code stages.i.j} are {@link Conv2FormerBlock}s with convolutional modulation;
 * {@code head} is a 1x1 conv to {@code headWidth}, GELU and LayerNorm, followed by global average
 * pooling and the linear {@code pred}. The official code differs from the paper in this stem, head
 * and the MLP's depth-wise convolution.
 *
 * <p>Output: logits {@code [B, numClasses]}; with {@code numClasses == 0} the pooled head features
 * {@code [B, headWidth]}. Feature maps: {@code stages.i} at stride {@code 4 * 2^i}.
 */
public class Conv2Former extends AbstractBackbone<Conv2FormerConfig> {

  private final NamedSequential head;
  private Linear pred;

  /**
   * @param config the architecture
   */
  public Conv2Former(Conv2FormerConfig config) {
    super("Conv2Former", config);
    List<Integer> dims = config.dims();
    List<Block> down = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      down.add(addChildBlock("downsample_layers." + i, downsampling(dims, i)));
    }
    float[][] rates = StochasticDepth.linear(config.depths(), config.dropPathRate());
    // Each stage runs after its own downsampling layer.
    List<Block> trunk = new ArrayList<>();
    List<FeatureInfo> info = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      trunk.add(down.get(i));
      trunk.add(addChildBlock("stages." + i, stage(config, i, rates[i])));
      info.add(new FeatureInfo(dims.get(i), 4 << i, "stages." + i));
    }
    setTrunk(trunk, stageIndices(1, 2, 4), info);
    head =
        addChildBlock(
            "head",
            new NamedSequential()
                .add("0", conv(config.headWidth(), 1, 1, 0, true))
                .add("1", ElementwiseActivation.gelu())
                .add("2", LayerNorm2d.withContiguousOutput(config.headWidth(), 1e-6f)));
    pred = addClassifier("pred", config.numClasses());
    // Official Conv2Former _init_weights: every nn.Conv2d and nn.Linear trunc_normal_(std=.02)
    // (timm's), bias 0.
    declareInit(TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.TRUNC_NORMAL);
  }

  /**
   * {@code downsample_layers.i}: the stem (stride 4) for stage 0, else LayerNorm and a stride-2
   * conv.
   */
  private static NamedSequential downsampling(List<Integer> dims, int i) {
    if (i > 0) {
      return new NamedSequential()
          .add("0", LayerNorm2d.withContiguousOutput(dims.get(i - 1), 1e-6f))
          .add("1", conv(dims.get(i), 2, 2, 0, true));
    }
    long stemWidth = dims.get(0) / 2;
    return new NamedSequential()
        .add("0", conv(stemWidth, 3, 2, 1, false))
        .add("1", ElementwiseActivation.gelu())
        .add("2", BatchNorm.of(stemWidth))
        .add("3", conv(stemWidth, 3, 1, 1, false))
        .add("4", ElementwiseActivation.gelu())
        .add("5", BatchNorm.of(stemWidth))
        .add("6", conv(dims.get(0), 2, 2, 0, false));
  }

  /** {@code stages.i}: its blocks {@code 0, 1, ..} with their stochastic-depth rates. */
  private static NamedSequential stage(Conv2FormerConfig config, int i, float[] rates) {
    NamedSequential stage = new NamedSequential();
    for (int j = 0; j < rates.length; j++) {
      stage.add(
          String.valueOf(j),
          new Conv2FormerBlock(
              config.dims().get(i),
              config.kernelSize(),
              config.mlpRatio(),
              rates[j],
              config.layerScaleInit()));
    }
    return stage;
  }

  private static Conv2d conv(long out, int kernel, int stride, int padding, boolean bias) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(padding, padding))
        .setFilters((int) out)
        .optBias(bias)
        .build();
  }

  @Override
  public long headHiddenSize() {
    return config().headWidth();
  }

  @Override
  public NDArray forwardHead(
      ParameterStore ps, NDArray features, boolean training, boolean preLogits) {
    NDArray x = head.forward(ps, new NDList(features), training).singletonOrThrow();
    NDArray pooled = averagePool(x);
    if (preLogits || pred == null) {
      return pooled;
    }
    return pred.forward(ps, new NDList(pooled), training).singletonOrThrow();
  }

  @Override
  protected void initializeHead(NDManager manager, DataType dataType, Shape features) {
    head.initialize(manager, dataType, features);
    if (pred != null) {
      pred.initialize(manager, dataType, new Shape(features.get(0), config().headWidth()));
    }
  }

  @Override
  protected String headToOnnx(OnnxGraph g, String features) {
    return g.apply(pred, averagePoolOnnx(g, g.apply(head, features)));
  }

  @Override
  protected void replaceClassifier(int numClasses) {
    if (pred != null) {
      removeLastChildren("pred");
    }
    pred = addClassifier("pred", numClasses);
  }
}
