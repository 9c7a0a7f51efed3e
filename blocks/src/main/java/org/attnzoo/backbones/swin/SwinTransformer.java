package org.attnzoo.backbones.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.backbones.AbstractBackbone;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.backbones.StochasticDepth;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.LayerNorm;
import org.attnzoo.nn.TimmInit;

/**
 * Swin Transformer (Liu et al., 2021, "Hierarchical Vision Transformer using Shifted Windows") as
 * timm 1.0.29's {@code SwinTransformer}: patch embedding ({@code patch_embed.proj} convolution,
 * {@code patch_embed.norm}), four (or {@code depths.size()}) {@link SwinStage}s in {@code layers},
 * the final {@code norm}, global average pooling and the linear head {@code head.fc}. Inside, maps
 * are channels-last {@code [B, H, W, C]} as in timm, so parameter paths equal timm's state-dict
 * keys.
 *
 * <p>Input: {@code [B, inChans, imgSize, imgSize]} exactly (the window layout and the
 * shifted-window masks are built for that resolution, as timm's default {@code strict_img_size}).
 * Output: logits {@code [B, numClasses]}; with {@code numClasses == 0} the pooled features {@code
 * [B, numFeatures]}. {@link #forwardIntermediates} returns every stage's map.
 *
 * <p>Resolutions that are not multiples of the window: as timm, each block zero-pads its map at the
 * bottom and right to whole windows and crops the result (see {@link SwinBlock}); a stage whose
 * resolution is not larger than the window uses one window of the resolution's size and no shift.
 * The patch grid must be divisible by {@code 2^(stages - 1)} (checked by {@link SwinConfig}) so
 * that every patch merging sees an even resolution.
 */
public class SwinTransformer extends AbstractBackbone<SwinConfig> {

  private static final String NAME = "SwinTransformer";

  private final Conv2d patchProj;
  private final LayerNorm patchNorm;
  private final List<SwinStage> layers;
  private final LayerNorm norm;
  private Linear head;

  /**
   * @param config the architecture
   */
  public SwinTransformer(SwinConfig config) {
    super(NAME, config);
    int p = config.patchSize();
    patchProj =
        addChildBlock(
            "patch_embed.proj",
            Conv2d.builder()
                .setKernelShape(new Shape(p, p))
                .optStride(new Shape(p, p))
                .setFilters(config.embedDim())
                .build());
    patchNorm =
        addChildBlock("patch_embed.norm", LayerNorm.of(config.embedDim(), SwinConfig.NORM_EPS));
    float[][] dpr = StochasticDepth.linear(config.depths(), config.dropPathRate());
    List<SwinStage> stages = new ArrayList<>();
    List<FeatureInfo> info = new ArrayList<>();
    for (int i = 0; i < config.numStages(); i++) {
      int inDim = config.stageDim(Math.max(i - 1, 0));
      int res = config.stageResolution(Math.max(i - 1, 0));
      AttentionSpec spec =
          new AttentionSpec(
              config.stageDim(i), config.numHeads().get(i), config.qkvBias(), 0f, 0f, -1);
      stages.add(
          addChildBlock(
              "layers." + i,
              new SwinStage(
                  inDim,
                  config.stageDim(i),
                  res,
                  res,
                  i > 0,
                  spec,
                  config.windowSize(),
                  config.mlpRatio(),
                  dpr[i],
                  SwinConfig.NORM_EPS)));
      info.add(new FeatureInfo(config.stageDim(i), p << i, "layers." + i));
    }
    layers = Collections.unmodifiableList(stages);
    setFeatureInfo(info);
    norm = addChildBlock("norm", LayerNorm.of(config.numFeatures(), SwinConfig.NORM_EPS));
    head = addClassifier("head.fc", config.numClasses());
    // timm swin_transformer.py init_weights -> init_weights_vit_timm: every nn.Linear
    // trunc_normal_(std=.02), bias 0; the patch embedding's conv keeps PyTorch's default.
    declareInit(TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.PYTORCH_DEFAULT);
  }

  @Override
  protected void check(Shape in) {
    super.check(in);
    SwinConfig config = config();
    if (in.get(2) != config.imgSize() || in.get(3) != config.imgSize()) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects %dx%d images (window layout and masks are built for it), got %dx%d"
                  + " (input shape %s)",
              NAME, config.imgSize(), config.imgSize(), in.get(2), in.get(3), in));
    }
  }

  private NDArray embed(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    NDArray x = patchProj.forward(ps, new NDList(image), training).singletonOrThrow();
    x = x.transpose(0, 2, 3, 1);
    return patchNorm.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  /**
   * Every stage's output before the final norm, channels-first as timm's {@code
   * forward_intermediates(x, intermediates_only=True)}: stage {@code i} is {@code [B, embedDim 2^i,
   * R / 2^i, R / 2^i]} with R the patch grid.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return one map per stage
   */
  @Override
  public NDList forwardIntermediates(ParameterStore ps, NDArray image, boolean training) {
    NDArray x = embed(ps, image, training);
    NDList out = new NDList();
    for (SwinStage stage : layers) {
      x = stage.forward(ps, x, training);
      out.add(x.transpose(0, 3, 1, 2));
    }
    return out;
  }

  /**
   * The last stage's map after the final norm, channels-last as timm's {@code forward_features}.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return {@code [B, h, w, numFeatures]}
   */
  @Override
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    NDArray x = embed(ps, image, training);
    for (SwinStage stage : layers) {
      x = stage.forward(ps, x, training);
    }
    return norm.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  public NDArray forwardHead(ParameterStore ps, NDArray x, boolean training, boolean preLogits) {
    Shape s = x.getShape();
    // Global average pooling over the map (PyTorch's engine reduces one axis at a time).
    NDArray pooled = x.reshape(s.get(0), s.get(1) * s.get(2), s.get(3)).mean(new int[] {1});
    if (preLogits || head == null) {
      return pooled;
    }
    return head.forward(ps, new NDList(pooled), training).singletonOrThrow();
  }

  @Override
  protected String featuresToOnnx(OnnxGraph g, String image) {
    String x = g.apply(patchProj, image);
    x = g.op("Transpose", new String[] {x}, OnnxGraph.Attr.ints("perm", 0, 2, 3, 1));
    x = g.apply(patchNorm, x);
    for (SwinStage stage : layers) {
      x = g.apply(stage, x);
    }
    return g.apply(norm, x);
  }

  @Override
  protected String headToOnnx(OnnxGraph g, String features) {
    String x = g.op("Reshape", features, g.ints(0, -1, config().numFeatures()));
    String pooled =
        g.op(
            "ReduceMean",
            new String[] {x},
            OnnxGraph.Attr.ints("axes", 1),
            OnnxGraph.Attr.of("keepdims", 0L));
    return g.apply(head, pooled);
  }

  @Override
  protected Shape initializeFeatures(NDManager manager, DataType dataType, Shape image) {
    patchProj.initialize(manager, dataType, image);
    int grid = config().stageResolution(0);
    Shape x = new Shape(image.get(0), grid, grid, config().embedDim());
    patchNorm.initialize(manager, dataType, x);
    for (SwinStage stage : layers) {
      stage.initialize(manager, dataType, x);
      x = stage.getOutputShapes(new Shape[] {x})[0];
    }
    norm.initialize(manager, dataType, x);
    return x;
  }

  @Override
  protected void initializeHead(NDManager manager, DataType dataType, Shape features) {
    if (head != null) {
      head.initialize(manager, dataType, new Shape(features.get(0), config().numFeatures()));
    }
  }

  @Override
  protected void replaceClassifier(int numClasses) {
    if (head != null) {
      removeLastChildren("head.fc");
    }
    head = addClassifier("head.fc", numClasses);
  }

  /**
   * @return the stages in order
   */
  public List<SwinStage> getLayers() {
    return layers;
  }
}
