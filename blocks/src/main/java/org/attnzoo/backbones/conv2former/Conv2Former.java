package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.BatchNorm;
import org.attnzoo.nn.Checks;
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
 * {@code [B, headWidth]}.
 */
public class Conv2Former extends AbstractBlock implements OnnxExportable {

  private final Conv2FormerConfig config;
  private final List<Block> downsampleLayers;
  private final List<NamedSequential> stages;
  private final NamedSequential head;
  private final Linear pred;

  /**
   * @param config the architecture
   */
  public Conv2Former(Conv2FormerConfig config) {
    this.config = config;
    List<Integer> dims = config.dims();
    long stemWidth = dims.get(0) / 2;
    List<Block> down = new ArrayList<>();
    down.add(
        addChildBlock(
            "downsample_layers.0",
            new NamedSequential()
                .add("0", conv(stemWidth, 3, 2, 1, false))
                .add("1", ElementwiseActivation.gelu())
                .add("2", BatchNorm.of(stemWidth))
                .add("3", conv(stemWidth, 3, 1, 1, false))
                .add("4", ElementwiseActivation.gelu())
                .add("5", BatchNorm.of(stemWidth))
                .add("6", conv(dims.get(0), 2, 2, 0, false))));
    for (int i = 1; i < 4; i++) {
      down.add(
          addChildBlock(
              "downsample_layers." + i,
              new NamedSequential()
                  .add("0", LayerNorm2d.withContiguousOutput(dims.get(i - 1), 1e-6f))
                  .add("1", conv(dims.get(i), 2, 2, 0, true))));
    }
    downsampleLayers = Collections.unmodifiableList(down);
    int total = config.depths().stream().mapToInt(Integer::intValue).sum();
    List<NamedSequential> list = new ArrayList<>();
    int cur = 0;
    for (int i = 0; i < 4; i++) {
      NamedSequential stage = new NamedSequential();
      for (int j = 0; j < config.depths().get(i); j++) {
        // Stochastic depth grows linearly over all blocks (torch.linspace(0, rate, total)).
        float dpr = total == 1 ? 0f : config.dropPathRate() * (cur + j) / (total - 1);
        stage.add(
            String.valueOf(j),
            new Conv2FormerBlock(
                dims.get(i), config.kernelSize(), config.mlpRatio(), dpr, config.layerScaleInit()));
      }
      list.add(addChildBlock("stages." + i, stage));
      cur += config.depths().get(i);
    }
    stages = Collections.unmodifiableList(list);
    head =
        addChildBlock(
            "head",
            new NamedSequential()
                .add("0", conv(config.headWidth(), 1, 1, 0, true))
                .add("1", ElementwiseActivation.gelu())
                .add("2", LayerNorm2d.withContiguousOutput(config.headWidth(), 1e-6f)));
    pred =
        config.numClasses() > 0
            ? addChildBlock("pred", Linear.builder().setUnits(config.numClasses()).build())
            : null;
    // Official Conv2Former _init_weights: every nn.Conv2d and nn.Linear trunc_normal_(std=.02)
    // (timm's), bias 0.
    TimmInit.declare(this, TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.TRUNC_NORMAL);
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

  private void check(Shape in) {
    Checks.rank("Conv2Former", in, 4, "[B, C, H, W]");
    Checks.size("Conv2Former", in, 1, config.inChans(), "channels");
  }

  /**
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the last stage's feature map {@code [B, dims[3], H/32, W/32]}, before the head
   */
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    NDList x = new NDList(image);
    for (int i = 0; i < 4; i++) {
      x = downsampleLayers.get(i).forward(ps, x, training);
      x = stages.get(i).forward(ps, x, training);
    }
    return x.singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = forwardFeatures(ps, inputs.singletonOrThrow(), training);
    x = head.forward(ps, new NDList(x), training).singletonOrThrow();
    Shape s = x.getShape();
    // Global average pooling; the PyTorch engine's mean reduces one axis at a time.
    NDList pooled = new NDList(x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2}));
    return pred == null ? pooled : pred.forward(ps, pooled, training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    long out = pred == null ? config.headWidth() : config.numClasses();
    return new Shape[] {new Shape(inputShapes[0].get(0), out)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Shape[] s = shapes;
    for (int i = 0; i < 4; i++) {
      downsampleLayers.get(i).initialize(manager, dataType, s);
      s = downsampleLayers.get(i).getOutputShapes(s);
      stages.get(i).initialize(manager, dataType, s);
      s = stages.get(i).getOutputShapes(s);
    }
    head.initialize(manager, dataType, s);
    if (pred != null) {
      pred.initialize(manager, dataType, new Shape(shapes[0].get(0), config.headWidth()));
    }
  }

  /**
   * @return the architecture
   */
  public Conv2FormerConfig getConfig() {
    return config;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = inputs[0];
    for (int i = 0; i < 4; i++) {
      x = g.apply(stages.get(i), g.apply(downsampleLayers.get(i), x));
    }
    String pooled =
        g.op(
            "ReduceMean",
            new String[] {g.apply(head, x)},
            OnnxGraph.Attr.ints("axes", 2, 3),
            OnnxGraph.Attr.of("keepdims", 0L));
    return new String[] {g.apply(pred, pooled)};
  }
}
