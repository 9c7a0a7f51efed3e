package org.attnzoo.backbones.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.backbones.AbstractBackbone;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.backbones.StochasticDepth;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.LayerNorm;
import org.attnzoo.nn.PatchEmbed;
import org.attnzoo.nn.Scopes;
import org.attnzoo.nn.TimmInit;

/**
 * Vision Transformer (Dosovitskiy et al., 2021) as timm's {@code VisionTransformer}: patch
 * embedding, optional class token, learned position embedding, pre-norm layers whose token mixer is
 * chosen by {@link VitConfig#attention()} (and which {@link VitConfig#layers()} may replace, e.g.
 * by ToSA's token-selective layers), final norm, pooling and a linear head.
 *
 * <p>Output: logits {@code [B, numClasses]}; with {@code numClasses == 0} the pooled features
 * {@code [B, embedDim]}. {@link #forwardFeatures} returns the normalised token map.
 */
public class VisionTransformer extends AbstractBackbone<VitConfig> {

  private static final float NORM_EPS = 1e-6f;

  private final PatchEmbed patchEmbed;
  private final Parameter clsToken;
  private final Parameter posEmbed;
  private final List<VitBlock> blocks;
  private final LayerNorm norm;
  private final LayerNorm fcNorm;
  private Linear head;

  /**
   * @param config the architecture
   */
  public VisionTransformer(VitConfig config) {
    super("VisionTransformer", config);
    int dim = config.embedDim();
    int prefix = config.classToken() ? 1 : 0;
    patchEmbed =
        addChildBlock("patch_embed", new PatchEmbed(config.patchSize(), config.inChans(), dim));
    clsToken =
        config.classToken()
            ? addParameter(
                tokenParameter("cls_token", new Shape(1, 1, dim), new NormalInitializer(1e-6f)))
            : null;
    posEmbed =
        addParameter(
            tokenParameter(
                "pos_embed",
                new Shape(1, config.numPatches() + prefix, dim),
                TimmInit.truncNormal(TimmInit.STD)));
    var mechanism = config.attention();
    List<VitBlock> layers = new ArrayList<>();
    List<FeatureInfo> info = new ArrayList<>();
    // Stochastic depth grows linearly with depth (DeiT).
    float[] rates = StochasticDepth.linear(List.of(config.depth()), config.dropPathRate())[0];
    for (int i = 0; i < config.depth(); i++) {
      float dpr = rates[i];
      AttentionSpec spec =
          new AttentionSpec(
              dim, config.numHeads(), config.qkvBias(), 0f, 0f, config.numPatches() + prefix);
      VitLayerArgs args =
          new VitLayerArgs(
              i,
              config.depth(),
              spec,
              mechanism,
              config.mlpRatio(),
              config.layerScaleInit(),
              dpr,
              NORM_EPS,
              prefix);
      layers.add(addChildBlock("blocks." + i, config.layers().create(args)));
      info.add(new FeatureInfo(dim, config.patchSize(), "blocks." + i));
    }
    blocks = Collections.unmodifiableList(layers);
    setFeatureInfo(info);
    // timm: with average pooling the final norm moves after the pooling (fc_norm).
    boolean avg = "avg".equals(config.globalPool());
    norm = avg ? null : addChildBlock("norm", LayerNorm.of(dim, NORM_EPS));
    fcNorm = avg ? addChildBlock("fc_norm", LayerNorm.of(dim, NORM_EPS)) : null;
    head = addClassifier("head", config.numClasses());
    // timm vision_transformer.py init_weights -> init_weights_vit_timm: every nn.Linear, in
    // whichever token mixer, trunc_normal_(std=.02), bias 0; the patch embedding's conv keeps
    // PyTorch's default (ToSA's selectors declare their own, see TokenSelector).
    declareInit(TimmInit.Rule.TRUNC_NORMAL, TimmInit.Rule.PYTORCH_DEFAULT);
  }

  // timm VisionTransformer.init_weights: pos_embed trunc_normal_(std=.02), cls_token
  // normal_(std=1e-6).
  private static Parameter tokenParameter(String name, Shape shape, Initializer init) {
    // OTHER: keeps its own initializer when a model-wide initializer is set for weights.
    return Parameter.builder()
        .setName(name)
        .setType(Parameter.Type.OTHER)
        .optShape(shape)
        .optInitializer(init)
        .build();
  }

  @Override
  protected void check(Shape in) {
    super.check(in);
    VitConfig config = config();
    if (in.get(2) != config.imgHeight() || in.get(3) != config.imgWidth()) {
      throw new IllegalArgumentException(
          String.format(
              "VisionTransformer expects %dx%d (HxW) images (learned position embedding), got"
                  + " %dx%d (input shape %s); build the config with optImgSize(h, w) for another"
                  + " size",
              config.imgHeight(), config.imgWidth(), in.get(2), in.get(3), in));
    }
  }

  /**
   * Tokens after the last layer and the final norm, {@code [B, prefix + N, C]}.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the token map
   */
  @Override
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    // Layers form a chain: each receives the previous one's outputs (see VitLayerFactory).
    NDList h = new NDList(embedTokens(ps, image, training));
    for (VitBlock block : blocks) {
      h = block.forward(ps, h, training);
    }
    NDArray x = h.singletonOrThrow();
    return norm == null ? x : norm.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  /**
   * Each layer's patch tokens as a map, {@code [B, embedDim, H / patch, W / patch]}, as timm's
   * {@code forward_intermediates(x, norm=False)}: the prefix tokens are dropped.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return one map per layer
   */
  @Override
  public NDList forwardIntermediates(ParameterStore ps, NDArray image, boolean training) {
    VitConfig config = config();
    int prefix = config.classToken() ? 1 : 0;
    NDList h = new NDList(embedTokens(ps, image, training));
    NDList out = new NDList();
    for (VitBlock block : blocks) {
      h = block.forward(ps, h, training);
      NDArray patches = h.head().get(new NDIndex(":, {}:, :", prefix));
      out.add(
          patches
              .reshape(-1, config.gridHeight(), config.gridWidth(), config.embedDim())
              .transpose(0, 3, 1, 2));
    }
    return out;
  }

  /**
   * The tokens that enter the first layer: patch embedding, class token, position embedding, {@code
   * [B, prefix + N, C]}.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the embedded tokens
   */
  public NDArray embedTokens(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    VitConfig config = config();
    NDArray x = patchEmbed.forward(ps, new NDList(image), training).singletonOrThrow();
    long b = x.getShape().get(0);
    if (clsToken != null) {
      NDArray cls = ps.getValue(clsToken, x.getDevice(), training);
      NDArray expanded = cls.broadcast(b, 1, config.embedDim());
      // Results join their first operand's manager: without this, the token map and every
      // activation after it would live in the model's manager and leak on every forward call.
      Scopes.withInput(expanded, x);
      x = NDArrays.concat(new NDList(expanded, x), 1);
    }
    return x.add(ps.getValue(posEmbed, x.getDevice(), training));
  }

  /**
   * Pools the token map into one vector per image.
   *
   * @param ps the parameter store
   * @param tokens {@code [B, prefix + N, C]}
   * @param training whether in training mode
   * @return {@code [B, C]}
   */
  public NDArray pool(ParameterStore ps, NDArray tokens, boolean training) {
    if (fcNorm == null) {
      return tokens.get(new NDIndex(":, 0, :"));
    }
    int prefix = config().classToken() ? 1 : 0;
    NDArray pooled = tokens.get(new NDIndex(":, {}:, :", prefix)).mean(new int[] {1});
    return fcNorm.forward(ps, new NDList(pooled), training).singletonOrThrow();
  }

  @Override
  public NDArray forwardHead(
      ParameterStore ps, NDArray features, boolean training, boolean preLogits) {
    NDArray pooled = pool(ps, features, training);
    if (preLogits || head == null) {
      return pooled;
    }
    return head.forward(ps, new NDList(pooled), training).singletonOrThrow();
  }

  @Override
  protected Shape initializeFeatures(NDManager manager, DataType dataType, Shape image) {
    VitConfig config = config();
    patchEmbed.initialize(manager, dataType, image);
    int prefix = config.classToken() ? 1 : 0;
    Shape tokens = new Shape(image.get(0), config.numPatches() + prefix, config.embedDim());
    Shape[] chain = {tokens};
    for (Block block : blocks) {
      block.initialize(manager, dataType, chain);
      chain = block.getOutputShapes(chain);
    }
    if (norm != null) {
      norm.initialize(manager, dataType, tokens);
    }
    return tokens;
  }

  @Override
  protected void initializeHead(NDManager manager, DataType dataType, Shape features) {
    Shape pooled = new Shape(features.get(0), config().embedDim());
    if (fcNorm != null) {
      fcNorm.initialize(manager, dataType, pooled);
    }
    if (head != null) {
      head.initialize(manager, dataType, pooled);
    }
  }

  @Override
  protected void replaceClassifier(int numClasses) {
    if (head != null) {
      removeLastChildren("head");
    }
    head = addClassifier("head", numClasses);
  }

  /**
   * @return the architecture, as {@link #config()}
   */
  public VitConfig getConfig() {
    return config();
  }

  /**
   * @return the transformer layers in order
   */
  public List<VitBlock> getBlocks() {
    return blocks;
  }

  @Override
  protected String featuresToOnnx(OnnxGraph g, String image) {
    VitConfig config = config();
    String x = g.apply(patchEmbed, image);
    if (clsToken != null) {
      // Broadcast the [1, 1, C] token to the dynamic batch: shape [B, 1, C] from x's shape.
      String batch =
          g.op("Gather", new String[] {g.op("Shape", x), g.ints(0)}, OnnxGraph.Attr.of("axis", 0L));
      String shape =
          g.op(
              "Concat",
              new String[] {batch, g.ints(1, config.embedDim())},
              OnnxGraph.Attr.of("axis", 0L));
      String cls = g.op("Expand", g.param(clsToken), shape);
      x = g.op("Concat", new String[] {cls, x}, OnnxGraph.Attr.of("axis", 1L));
    }
    x = g.op("Add", x, g.param(posEmbed));
    // Layers form a chain, as in forwardFeatures: ToSA layers pass attention logits along.
    String[] h = {x};
    for (VitBlock block : blocks) {
      h = g.block(block, h);
    }
    // The final norm (absent with average pooling, whose fc_norm follows the pooling).
    return g.apply(norm, h[0]);
  }

  @Override
  protected String headToOnnx(OnnxGraph g, String x) {
    String pooled;
    if (fcNorm == null) {
      pooled = g.op("Gather", new String[] {x, g.intScalar(0)}, OnnxGraph.Attr.of("axis", 1L));
    } else {
      int prefix = config().classToken() ? 1 : 0;
      String patches = g.op("Slice", x, g.ints(prefix), g.ints(Long.MAX_VALUE), g.ints(1));
      pooled =
          g.op(
              "ReduceMean",
              new String[] {patches},
              OnnxGraph.Attr.ints("axes", 1),
              OnnxGraph.Attr.of("keepdims", 0L));
      pooled = g.apply(fcNorm, pooled);
    }
    return g.apply(head, pooled);
  }
}
