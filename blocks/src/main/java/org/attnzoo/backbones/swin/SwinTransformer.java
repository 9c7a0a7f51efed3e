package org.attnzoo.backbones.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
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
public class SwinTransformer extends AbstractBlock implements OnnxExportable {

  private static final String NAME = "SwinTransformer";

  private final SwinConfig config;
  private final Conv2d patchProj;
  private final LayerNorm patchNorm;
  private final List<SwinStage> layers;
  private final LayerNorm norm;
  private final Linear head;

  /**
   * @param config the architecture
   */
  public SwinTransformer(SwinConfig config) {
    this.config = config;
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
    float[][] dpr = dropPathRates(config);
    List<SwinStage> stages = new ArrayList<>();
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
    }
    layers = Collections.unmodifiableList(stages);
    norm = addChildBlock("norm", LayerNorm.of(config.numFeatures(), SwinConfig.NORM_EPS));
    head =
        config.numClasses() > 0
            ? addChildBlock("head.fc", Linear.builder().setUnits(config.numClasses()).build())
            : null;
    // timm swin_transformer.py init_weights -> init_weights_vit_timm: every nn.Linear
    // trunc_normal_(std=.02), bias 0; the patch embedding's conv keeps PyTorch's default.
    TimmInit.declare(this, TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.PYTORCH_DEFAULT);
  }

  /** timm: a linear ramp from 0 to dropPathRate over all blocks, split into stages. */
  private static float[][] dropPathRates(SwinConfig config) {
    int total = config.depths().stream().mapToInt(Integer::intValue).sum();
    float[][] out = new float[config.numStages()][];
    int k = 0;
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[config.depths().get(i)];
      for (int j = 0; j < out[i].length; j++, k++) {
        out[i][j] = total == 1 ? 0f : config.dropPathRate() * k / (total - 1);
      }
    }
    return out;
  }

  private void check(Shape in) {
    Checks.rank(NAME, in, 4, "[B, C, H, W]");
    Checks.size(NAME, in, 1, config.inChans(), "channels");
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
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    NDArray x = embed(ps, image, training);
    for (SwinStage stage : layers) {
      x = stage.forward(ps, x, training);
    }
    return norm.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = forwardFeatures(ps, inputs.singletonOrThrow(), training);
    Shape s = x.getShape();
    // Global average pooling over the map (PyTorch's engine reduces one axis at a time).
    NDArray pooled = x.reshape(s.get(0), s.get(1) * s.get(2), s.get(3)).mean(new int[] {1});
    return head == null ? new NDList(pooled) : head.forward(ps, new NDList(pooled), training);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = g.apply(patchProj, inputs[0]);
    x = g.op("Transpose", new String[] {x}, OnnxGraph.Attr.ints("perm", 0, 2, 3, 1));
    x = g.apply(patchNorm, x);
    for (SwinStage stage : layers) {
      x = g.apply(stage, x);
    }
    x = g.apply(norm, x);
    x = g.op("Reshape", x, g.ints(0, -1, config.numFeatures()));
    String pooled =
        g.op(
            "ReduceMean",
            new String[] {x},
            OnnxGraph.Attr.ints("axes", 1),
            OnnxGraph.Attr.of("keepdims", 0L));
    return new String[] {g.apply(head, pooled)};
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    long out = config.numClasses() > 0 ? config.numClasses() : config.numFeatures();
    return new Shape[] {new Shape(inputShapes[0].get(0), out)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    long b = shapes[0].get(0);
    patchProj.initialize(manager, dataType, shapes);
    int grid = config.stageResolution(0);
    Shape x = new Shape(b, grid, grid, config.embedDim());
    patchNorm.initialize(manager, dataType, x);
    for (SwinStage stage : layers) {
      stage.initialize(manager, dataType, x);
      x = stage.getOutputShapes(new Shape[] {x})[0];
    }
    norm.initialize(manager, dataType, x);
    if (head != null) {
      head.initialize(manager, dataType, new Shape(b, config.numFeatures()));
    }
  }

  /**
   * @return the architecture
   */
  public SwinConfig getConfig() {
    return config;
  }

  /**
   * @return the stages in order
   */
  public List<SwinStage> getLayers() {
    return layers;
  }
}
