package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionFactory;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.LayerNorm2d;
import org.attnzoo.nn.NamedSequential;
import org.attnzoo.nn.PoolNormHead;
import org.attnzoo.nn.Sequences;
import org.attnzoo.nn.TimmInit;

/**
 * EdgeNeXt (Maaz et al., 2022), as timm's {@code EdgeNeXt}: a 4x4 stride-4 patch stem with
 * LayerNorm2d ({@code stem.0, stem.1}), stages of convolution encoders ending in SDTA encoders
 * ({@code stages.i}), and a pool-norm-linear head ({@code head.norm, head.fc}). The SDTA token
 * mixer is chosen by {@link EdgeNeXtConfig#attention()}.
 *
 * <p>Input {@code [B, C, H, W]} with H, W at least the total stride; output logits {@code [B,
 * numClasses]}, or the pooled, normalised features when {@code numClasses == 0}.
 */
public class EdgeNeXt extends AbstractBlock implements OnnxExportable {

  private static final float NORM_EPS = 1e-6f;

  private final EdgeNeXtConfig config;
  private final NamedSequential stem;
  private final List<EdgeNeXtStage> stages;
  private final PoolNormHead head;

  /** The children that turn the image into the feature map, in order. */
  private final List<Block> trunk;

  /**
   * @param config the architecture
   */
  public EdgeNeXt(EdgeNeXtConfig config) {
    this.config = config;
    List<Integer> dims = config.dims();
    stem =
        addChildBlock(
            "stem",
            new NamedSequential()
                .add(
                    "0",
                    Conv2d.builder()
                        .setKernelShape(new Shape(4, 4))
                        .optStride(new Shape(4, 4))
                        .setFilters(dims.get(0))
                        .build())
                .add("1", new LayerNorm2d(dims.get(0), NORM_EPS)));
    AttentionFactory attention = config.attention();
    int total = config.totalDepth();
    int blockIndex = 0;
    long in = dims.get(0);
    List<EdgeNeXtStage> list = new ArrayList<>();
    for (int i = 0; i < dims.size(); i++) {
      // Stochastic depth grows linearly over all encoders (timm's calculate_drop_path_rates).
      float[] rates = new float[config.depths().get(i)];
      for (int j = 0; j < rates.length; j++, blockIndex++) {
        rates[j] = total == 1 ? 0f : config.dropPathRate() * blockIndex / (total - 1);
      }
      list.add(addChildBlock("stages." + i, new EdgeNeXtStage(config, i, in, attention, rates)));
      in = dims.get(i);
    }
    stages = Collections.unmodifiableList(list);
    trunk = Sequences.chain(stem, stages);
    head =
        addChildBlock(
            "head", new PoolNormHead(dims.get(dims.size() - 1), config.numClasses(), NORM_EPS, 0f));
    // timm edgenext.py _init_weights: every nn.Conv2d and nn.Linear trunc_normal_tf_(std=.02),
    // bias 0 (head_init_scale is 1 in every variant: no head rescaling).
    TimmInit.declare(this, TimmInit.Rule.TRUNC_NORMAL_TF, TimmInit.Rule.TRUNC_NORMAL_TF);
  }

  private void check(Shape in) {
    Checks.rank("EdgeNeXt", in, 4, "[B, C, H, W]");
    Checks.size("EdgeNeXt", in, 1, config.inChans(), "channels");
    long reduction = 4L << (config.dims().size() - 1);
    if (in.get(2) < reduction || in.get(3) < reduction) {
      throw new IllegalArgumentException(
          String.format(
              "EdgeNeXt expects images of at least %dx%d (its total stride), got %dx%d (input"
                  + " shape %s)",
              reduction, reduction, in.get(2), in.get(3), in));
    }
  }

  /**
   * The last stage's feature map, {@code [B, dims[-1], H/32, W/32]} for four stages.
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
    NDArray features = forwardFeatures(ps, inputs.singletonOrThrow(), training);
    return head.forward(ps, new NDList(features), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return head.getOutputShapes(Sequences.outputShapes(inputShapes, trunk));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    head.initialize(manager, dataType, Sequences.initialize(manager, dataType, shapes, trunk));
  }

  /**
   * @return the architecture
   */
  public EdgeNeXtConfig getConfig() {
    return config;
  }

  /**
   * @return the stages in order
   */
  public List<EdgeNeXtStage> getStages() {
    return stages;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {g.apply(head, Sequences.toOnnx(g, inputs, trunk)[0])};
  }
}
