package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.backbones.AbstractBackbone;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.backbones.StochasticDepth;
import org.attnzoo.export.OnnxGraph;
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
 * numClasses]}, or the pooled, normalised features when {@code numClasses == 0}. Feature maps:
 * {@code stages.i} at stride {@code 4 * 2^i}.
 */
public class EdgeNeXt extends AbstractBackbone<EdgeNeXtConfig> {

  private static final float NORM_EPS = 1e-6f;

  private final List<EdgeNeXtStage> stages;
  private final PoolNormHead head;

  /**
   * @param config the architecture
   */
  public EdgeNeXt(EdgeNeXtConfig config) {
    super("EdgeNeXt", config);
    List<Integer> dims = config.dims();
    NamedSequential stem =
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
    float[][] rates = StochasticDepth.linear(config.depths(), config.dropPathRate());
    long in = dims.get(0);
    List<EdgeNeXtStage> list = new ArrayList<>();
    List<FeatureInfo> info = new ArrayList<>();
    for (int i = 0; i < dims.size(); i++) {
      list.add(
          addChildBlock(
              "stages." + i, new EdgeNeXtStage(config, i, in, config.attention(), rates[i])));
      info.add(new FeatureInfo(dims.get(i), 4 << i, "stages." + i));
      in = dims.get(i);
    }
    stages = Collections.unmodifiableList(list);
    setTrunk(Sequences.chain(stem, stages), stageIndices(1, 1, dims.size()), info);
    head = addChildBlock("head", new PoolNormHead(in, config.numClasses(), NORM_EPS, 0f));
    // timm edgenext.py _init_weights: every nn.Conv2d and nn.Linear trunc_normal_tf_(std=.02),
    // bias 0 (head_init_scale is 1 in every variant: no head rescaling).
    declareInit(TimmInit.Rule.TRUNC_NORMAL_TF, TimmInit.Rule.TRUNC_NORMAL_TF);
  }

  @Override
  protected void check(Shape in) {
    super.check(in);
    long reduction = 4L << (config().dims().size() - 1);
    if (in.get(2) < reduction || in.get(3) < reduction) {
      throw new IllegalArgumentException(
          String.format(
              "EdgeNeXt expects images of at least %dx%d (its total stride), got %dx%d (input"
                  + " shape %s)",
              reduction, reduction, in.get(2), in.get(3), in));
    }
  }

  @Override
  public NDArray forwardHead(
      ParameterStore ps, NDArray features, boolean training, boolean preLogits) {
    NDList x =
        preLogits
            ? head.forwardPreLogits(ps, features, training)
            : head.forward(ps, new NDList(features), training);
    return x.singletonOrThrow();
  }

  @Override
  protected void initializeHead(NDManager manager, DataType dataType, Shape features) {
    head.initialize(manager, dataType, features);
  }

  @Override
  protected String headToOnnx(OnnxGraph g, String features) {
    return g.apply(head, features);
  }

  @Override
  protected void replaceClassifier(int numClasses) {
    head.resetClassifier(numClasses);
  }

  /**
   * @return the stages in order
   */
  public List<EdgeNeXtStage> getStages() {
    return stages;
  }
}
