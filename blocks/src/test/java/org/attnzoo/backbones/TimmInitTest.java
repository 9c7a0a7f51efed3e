package org.attnzoo.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.loss.Loss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.attnzoo.attention.TokenMixer;
import org.attnzoo.backbones.conv2former.Conv2FormerConfig;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.efficientvit.EfficientVitConfig;
import org.attnzoo.backbones.swiftformer.SwiftFormerConfig;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.nn.FanInUniform;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.nn.TimmInit;
import org.attnzoo.nn.TruncatedNormal;
import org.junit.jupiter.api.Test;

/**
 * Each family's freshly initialised parameters follow its reference's init, parameter by parameter.
 *
 * <p>The tables below are written from the reference code, keyed by the reference's state-dict
 * names (which attnzoo's parameter paths reproduce), not from attnzoo's blocks:
 *
 * <ul>
 *   <li>ViT: timm {@code vision_transformer.py}, {@code VisionTransformer.init_weights} (pos_embed
 *       {@code trunc_normal_(std=.02)}, cls_token {@code normal_(std=1e-6)}) and {@code
 *       init_weights_vit_timm} (nn.Linear {@code trunc_normal_(std=.02)}, bias 0; other modules as
 *       constructed: PatchEmbed's nn.Conv2d and, in a ToSA ViT, the selectors' convolution weights
 *       keep PyTorch's default (the selectors' biases are zero: attnzoo's choice, ToSA has no
 *       official code), nn.LayerNorm ones/zeros, LayerScale {@code init_values});
 *   <li>Swin: timm {@code swin_transformer.py}, the same {@code init_weights_vit_timm} and {@code
 *       WindowAttention.reset_parameters} (relative_position_bias_table {@code
 *       trunc_normal_(std=.02)});
 *   <li>EdgeNeXt: timm {@code edgenext.py}, {@code _init_weights} (nn.Conv2d and nn.Linear {@code
 *       trunc_normal_tf_(std=.02)}, bias 0), gammas {@code ls_init_value} (1e-6), XCA temperature
 *       ones;
 *   <li>SwiftFormer: timm {@code swiftformer.py}, {@code _initialize_weights} (nn.Linear and
 *       nn.Conv2d {@code trunc_normal_(std=.02)}, bias 0), w_g {@code torch.randn}, LayerScale2d 1
 *       in ConvEncoder / LocalRepresentation and 1e-5 in Block, BatchNorm2d defaults;
 *   <li>EfficientViT: timm {@code efficientvit_mit.py} has no init: PyTorch's defaults;
 *   <li>Conv2Former: the official code's {@code Conv2Former._init_weights} (nn.Conv2d and nn.Linear
 *       timm {@code trunc_normal_(std=.02)}, bias 0), layer scales 1e-6, norms ones/zeros,
 *       BatchNorm2d defaults.
 * </ul>
 *
 * <p>The distributions, as tested: timm's {@code trunc_normal_(std=.02)} cuts at the values {@code
 * +-2}, 100 standard deviations out, so it is N(0, 0.02^2): sample std 0.02 and about 4.55% of
 * values beyond 0.04. {@code trunc_normal_tf_(std=.02)} cuts the standard normal at +-2 before
 * scaling: every {@code |w| <= 0.04} and std {@code 0.02 * 0.87962566}. PyTorch's default is {@code
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in))} for weight and bias, with the weight's fan_in ({@code
 * in/groups * kh * kw} for a convolution): {@code |w| <= bound}, std {@code bound/sqrt(3)}.
 * Standard deviations are compared on all values of a rule pooled over the model (thousands),
 * within 4 standard errors (the tail share separates the two normals, whose stds are only 12%
 * apart), and per parameter within 5 standard errors when it has 200 values or more.
 */
class TimmInitTest {

  /** Std of a standard normal truncated to [-2, 2]. */
  private static final double STD_CUT_AT_2 = 0.87962566103423978;

  private static final double TAIL_BEYOND_2 = 0.0455;

  private static final long SEED = 20261204;

  private static final float VIT_LS = 1e-5f;

  /** What a parameter's values must look like. */
  private sealed interface Expect permits Const, Normal, TruncTf, FanIn {}

  /** Every value equal to {@code value}. */
  private record Const(double value) implements Expect {}

  /** N(0, std^2), untruncated in effect (timm's trunc_normal_ with std 0.02, normal_, randn). */
  private record Normal(double std) implements Expect {}

  /** timm's trunc_normal_tf_(std=.02). */
  private record TruncTf() implements Expect {}

  /** PyTorch's nn.Linear / nn.Conv2d default, weight or bias. */
  private record FanIn() implements Expect {}

  private static final Expect ZEROS = new Const(0);
  private static final Expect ONES = new Const(1);
  private static final Expect TRUNC_02 = new Normal(TimmInit.STD);
  private static final Expect TRUNC_TF_02 = new TruncTf();
  private static final Expect DEFAULT = new FanIn();

  /** A family's rules: the first row whose pattern matches a parameter's full path applies. */
  private static final class Table {
    final Map<Pattern, Expect> rows = new LinkedHashMap<>();

    Table row(String regex, Expect expect) {
      rows.put(Pattern.compile(regex), expect);
      return this;
    }

    /** A Linear or convolution layer: weight, and bias if it has one. */
    Table layer(String regex, Expect weight, Expect bias) {
      return row("(" + regex + ")\\.weight", weight).row("(" + regex + ")\\.bias", bias);
    }

    /** LayerNorm (weight, bias) or BatchNorm (also running statistics): PyTorch's defaults. */
    Table norm(String regex) {
      return row("(" + regex + ")\\.weight", ONES)
          .row("(" + regex + ")\\.bias", ZEROS)
          .row("(" + regex + ")\\.running_mean", ZEROS)
          .row("(" + regex + ")\\.running_var", ONES);
    }

    Expect of(String path) {
      for (var e : rows.entrySet()) {
        if (e.getKey().matcher(path).matches()) {
          return e.getValue();
        }
      }
      return null;
    }
  }

  private static final String VIT_BLOCK = "blocks\\.\\d+\\.";

  /** timm VisionTransformer, init_weights + init_weights_vit_timm. */
  private static final Table VIT =
      new Table()
          .row("cls_token", new Normal(1e-6))
          .row("pos_embed", TRUNC_02)
          .layer("patch_embed\\.proj", DEFAULT, DEFAULT)
          // ToSA has no official code: its selectors are convolutions inside timm's ViT, whose
          // weights init_weights_vit_timm leaves as PyTorch constructed them; attnzoo's choice of
          // zero biases is explained in TokenSelector.
          .layer(VIT_BLOCK + "selector\\.conv\\d", DEFAULT, ZEROS)
          .norm(VIT_BLOCK + "norm[12]|norm|fc_norm")
          .row(VIT_BLOCK + "ls[12]\\.gamma", new Const(VIT_LS))
          // Every nn.Linear of the token mixer, whichever mechanism, the MLP and the head.
          .layer(VIT_BLOCK + "attn\\.\\w+|" + VIT_BLOCK + "mlp\\.fc[12]|head", TRUNC_02, ZEROS);

  private static final String SWIN_BLOCK = "layers\\.\\d+\\.blocks\\.\\d+\\.";

  /** timm SwinTransformer, init_weights_vit_timm + WindowAttention.reset_parameters. */
  private static final Table SWIN =
      new Table()
          .layer("patch_embed\\.proj", DEFAULT, DEFAULT)
          .row(SWIN_BLOCK + "attn\\.relative_position_bias_table", TRUNC_02)
          .norm(
              "patch_embed\\.norm|"
                  + SWIN_BLOCK
                  + "norm[12]|layers\\.\\d+\\.downsample\\.norm|norm")
          .layer(
              SWIN_BLOCK
                  + "attn\\.(qkv|proj)|"
                  + SWIN_BLOCK
                  + "mlp\\.fc[12]|layers\\.\\d+\\.downsample\\.reduction|head\\.fc",
              TRUNC_02,
              ZEROS);

  private static final String EDGE_BLOCK = "stages\\.\\d+\\.blocks\\.\\d+\\.";

  /** timm EdgeNeXt, _init_weights (head_init_scale 1). */
  private static final Table EDGENEXT =
      new Table()
          .layer("stem\\.0|stages\\.\\d+\\.downsample\\.1|head\\.fc", TRUNC_TF_02, ZEROS)
          .layer(
              EDGE_BLOCK
                  + "(conv_dw|convs\\.\\d+|pos_embd\\.token_projection|mlp\\.fc[12]|xca\\.(qkv|proj))",
              TRUNC_TF_02,
              ZEROS)
          .norm(
              "stem\\.1|stages\\.\\d+\\.downsample\\.0|"
                  + EDGE_BLOCK
                  + "(norm|norm_xca)|head\\.norm")
          .row(EDGE_BLOCK + "(gamma|gamma_xca)", new Const(1e-6))
          .row(EDGE_BLOCK + "xca\\.temperature", ONES);

  /** timm SwiftFormer, _initialize_weights. */
  private static final Table SWIFTFORMER =
      new Table()
          .layer(
              "stem\\.[03]|stages\\.\\d+\\.downsample\\.proj|head|head_dist|"
                  + EDGE_BLOCK
                  + "(dwconv|pwconv[12]|local_representation\\.(dwconv|pwconv[12])"
                  + "|attn\\.(to_query|to_key|proj|final)|linear\\.fc[12])",
              TRUNC_02,
              ZEROS)
          .norm(
              "stem\\.[14]|stages\\.\\d+\\.downsample\\.norm|norm|"
                  + EDGE_BLOCK
                  + "(norm|local_representation\\.norm|linear\\.norm1)")
          .row(EDGE_BLOCK + "(layer_scale|local_representation\\.layer_scale)\\.gamma", ONES)
          .row(EDGE_BLOCK + "layer_scale_[12]\\.gamma", new Const(1e-5))
          .row(EDGE_BLOCK + "attn\\.w_g", new Normal(1));

  /** timm efficientvit_mit: no init, PyTorch's defaults everywhere. */
  private static final Table EFFICIENTVIT =
      new Table()
          .layer(
              "(.+\\.)?conv|"
                  + EDGE_BLOCK
                  + "context_module\\.main\\.aggreg\\.\\d+\\.[01]|head\\.classifier\\.[04]",
              DEFAULT,
              DEFAULT)
          .norm("(.+\\.)?norm|head\\.classifier\\.1");

  private static final String C2F_BLOCK = "stages\\.\\d+\\.\\d+\\.";

  /** Official Conv2Former, _init_weights. */
  private static final Table CONV2FORMER =
      new Table()
          .layer(
              "downsample_layers\\.0\\.[036]|downsample_layers\\.[1-3]\\.1|head\\.0|pred|"
                  + C2F_BLOCK
                  + "(attn\\.(att\\.[02]|v|proj)|mlp\\.(fc1|pos|fc2))",
              TRUNC_02,
              ZEROS)
          .norm(
              "downsample_layers\\.0\\.[25]|downsample_layers\\.[1-3]\\.0|head\\.2|"
                  + C2F_BLOCK
                  + "(attn|mlp)\\.norm")
          .row(C2F_BLOCK + "layer_scale_[12]", new Const(1e-6));

  private static VitConfig vit() {
    return VitConfig.builder()
        .setImage(16, 4)
        .setSize(32, 2, 2)
        .optNumClasses(5)
        .optLayerScaleInit(VIT_LS)
        .build();
  }

  @Test
  void vitFollowsTimm() {
    check(VIT, vit());
    check(VIT, vit().toBuilder().optPooling(false, "avg").build());
  }

  @Test
  void vitWithEachTokenMixerFollowsTimm() {
    for (TokenMixer mechanism :
        List.of(TokenMixer.ELU, TokenMixer.COSFORMER, TokenMixer.HYDRA, TokenMixer.SIMA)) {
      check(VIT, vit().toBuilder().optAttention(mechanism).build());
    }
  }

  @Test
  void tosaVitFollowsTimm() {
    check(VIT, vit().toBuilder().setSize(32, 4, 2).optLayers(TosaLayers.alternate(4, 0.5)).build());
  }

  @Test
  void swinFollowsTimm() {
    check(
        SWIN,
        SwinConfig.builder()
            .setImage(32, 2, 4)
            .setSize(8, List.of(2, 2, 1, 1), List.of(1, 2, 2, 4))
            .optNumClasses(5)
            .build());
  }

  @Test
  void edgeNeXtFollowsTimm() {
    check(
        EDGENEXT,
        EdgeNeXtConfig.builder()
            .setStages(List.of(1, 2, 2, 2), List.of(16, 32, 48, 64))
            .optHeads(2, 2, 2, 2)
            .optImgSize(64)
            .optInChans(1)
            .optNumClasses(10)
            .build());
  }

  @Test
  void swiftFormerFollowsTimm() {
    check(
        SWIFTFORMER,
        SwiftFormerConfig.builder()
            .setStages(List.of(1, 2, 1, 2), List.of(16, 24, 32, 48))
            .optImgSize(64)
            .optInChans(1)
            .optNumClasses(10)
            .build());
  }

  @Test
  void efficientVitFollowsTimm() {
    check(
        EFFICIENTVIT,
        new EfficientVitConfig(
            32,
            1,
            5,
            List.of(8, 8, 16, 16, 24),
            List.of(1, 2, 1, 1, 1),
            8,
            4.0,
            List.of(32, 40),
            0f));
  }

  @Test
  void conv2FormerFollowsOfficialCode() {
    check(
        CONV2FORMER,
        new Conv2FormerConfig(
            32, 1, 5, 5, List.of(8, 16, 16, 24), List.of(1, 1, 2, 1), 2, 32, 1e-6f, 0f));
  }

  /** DJL's Trainer with a plain DefaultTrainingConfig keeps the blocks' initializers. */
  @Test
  void trainerWithDefaultConfigKeepsTimmInit() {
    VitConfig cfg = vit();
    Engine.getInstance().setRandomSeed((int) SEED);
    try (Model model = Model.newInstance("init")) {
      model.setBlock(cfg.newBlock());
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(cfg.inputShape(2));
        verify(VIT, ParameterPaths.of(model.getBlock()));
      }
    }
  }

  /**
   * DJL's precedence: an initializer set on the training config for a parameter type is applied by
   * {@code Model.newTrainer} over the blocks' own, for the parameters of that type only.
   */
  @Test
  void trainingConfigInitializerOverridesTheBlocks() {
    VitConfig cfg = vit();
    try (Model model = Model.newInstance("init")) {
      model.setBlock(cfg.newBlock());
      var config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optInitializer(new ConstantInitializer(0.5f), Parameter.Type.WEIGHT);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(cfg.inputShape(2));
        Map<String, Parameter> params = ParameterPaths.of(model.getBlock());
        for (var e : params.entrySet()) {
          float[] v = e.getValue().getArray().toFloatArray();
          if (e.getValue().getType() == Parameter.Type.WEIGHT) {
            for (float x : v) {
              assertEquals(0.5f, x, e.getKey() + ": the config's WEIGHT initializer wins");
            }
          }
        }
        // Parameters of other types keep the block's: pos_embed (OTHER), norms (GAMMA), biases.
        Map<String, Parameter> others = new LinkedHashMap<>();
        params.forEach(
            (path, p) -> {
              if (p.getType() != Parameter.Type.WEIGHT) {
                others.put(path, p);
              }
            });
        verify(VIT, others, params);
      }
    }
  }

  @Test
  void truncatedNormalStaysInItsBounds() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed((int) SEED);
      // Bounds that cut deep into the distribution: many values are drawn again.
      float[] v =
          new TruncatedNormal(0.5, 1, -0.25, 1.0)
              .initialize(m, new Shape(4000), DataType.FLOAT32)
              .toFloatArray();
      double min = Double.MAX_VALUE;
      double max = -Double.MAX_VALUE;
      for (float x : v) {
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      assertTrue(min >= -0.25 && max <= 1.0, "values in [-0.25, 1]: " + min + " .. " + max);
      assertTrue(min < -0.2 && max > 0.95, "the whole interval is used: " + min + " .. " + max);
    }
  }

  @Test
  void fanInCountsInputChannelsPerGroupAndKernel() {
    // PyTorch's _calculate_fan_in_and_fan_out: size(1) * receptive field.
    assertEquals(1 / Math.sqrt(32), FanInUniform.bound(new Shape(16, 32)), 1e-12);
    assertEquals(1 / Math.sqrt(8 * 9), FanInUniform.bound(new Shape(16, 8, 3, 3)), 1e-12);
    // Depth-wise 7x7: [C, 1, 7, 7].
    assertEquals(1 / 7.0, FanInUniform.bound(new Shape(64, 1, 7, 7)), 1e-12);
  }

  private static void check(Table table, BackboneConfig cfg) {
    Engine.getInstance().setRandomSeed((int) SEED);
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = cfg.newBlock();
      block.initialize(manager, DataType.FLOAT32, cfg.inputShape(2));
      verify(table, ParameterPaths.of(block));
    }
  }

  /** Values of one rule, pooled over a model, as multiples of the rule's scale. */
  private static final class Pool {
    final List<String> params = new ArrayList<>();
    double sum;
    double sumSq;
    long n;
    long tail;

    void add(String path, double[] z) {
      params.add(path);
      for (double x : z) {
        sum += x;
        sumSq += x * x;
        n++;
        if (Math.abs(x) > 2) {
          tail++;
        }
      }
    }
  }

  private static void verify(Table table, Map<String, Parameter> params) {
    verify(table, params, params);
  }

  /**
   * @param table the reference's rules
   * @param params the parameters to check
   * @param all every parameter of the model (a bias's fan_in comes from its layer's weight)
   */
  private static void verify(
      Table table, Map<String, Parameter> params, Map<String, Parameter> all) {
    Map<String, Pool> pools = new LinkedHashMap<>();
    List<String> unmatched = new ArrayList<>();
    for (var e : params.entrySet()) {
      String path = e.getKey();
      Expect expect = table.of(path);
      if (expect == null) {
        unmatched.add(path);
        continue;
      }
      NDArray array = e.getValue().getArray();
      float[] v = array.toFloatArray();
      if (expect instanceof Const c) {
        for (float x : v) {
          assertEquals((float) c.value(), x, path + " = " + c.value());
        }
      } else if (expect instanceof Normal nrm) {
        double[] z = scaled(v, 1 / nrm.std());
        if (nrm.std() == TimmInit.STD) {
          // timm's trunc_normal_ bounds: the values +-2.
          assertTrue(maxAbs(z) * TimmInit.STD <= 2, path + " within [-2, 2]");
        }
        checkStd(path, z, 1);
        pools.computeIfAbsent("normal " + nrm.std(), k -> new Pool()).add(path, z);
      } else if (expect instanceof TruncTf) {
        double[] z = scaled(v, 1 / TimmInit.STD);
        assertTrue(maxAbs(z) <= 2 + 1e-5, path + ": |w| <= 2 * 0.02, max " + maxAbs(z) / 50);
        checkStd(path, z, STD_CUT_AT_2);
        pools.computeIfAbsent("trunc_normal_tf_", k -> new Pool()).add(path, z);
      } else {
        Parameter weight = all.get(path.replaceFirst("bias$", "weight"));
        assertNotNull(weight, path + ": its layer's weight");
        double bound = 1 / Math.sqrt(fanIn(weight.getArray().getShape()));
        double[] z = scaled(v, 1 / bound);
        assertTrue(maxAbs(z) <= 1 + 1e-5, path + ": |w| <= 1/sqrt(fan_in) = " + bound);
        checkStd(path, z, 1 / Math.sqrt(3));
        pools.computeIfAbsent("fan-in uniform", k -> new Pool()).add(path, z);
      }
    }
    assertTrue(unmatched.isEmpty(), "parameters the reference table does not cover: " + unmatched);
    pools.forEach(TimmInitTest::checkPool);
  }

  private static void checkPool(String rule, Pool pool) {
    double mean = pool.sum / pool.n;
    double std = Math.sqrt(pool.sumSq / pool.n - mean * mean);
    double expected =
        switch (rule) {
          case "trunc_normal_tf_" -> STD_CUT_AT_2;
          case "fan-in uniform" -> 1 / Math.sqrt(3);
          default -> 1;
        };
    String where = String.format(Locale.ROOT, "%s over %d values of %s", rule, pool.n, pool.params);
    // Standard error of a sample std: about std / sqrt(2n).
    double tol = Math.max(4 / Math.sqrt(2.0 * pool.n), 0.01);
    assertEquals(1, std / expected, tol, where + ": std in units of the expected " + expected);
    assertEquals(0, mean, 4 * expected / Math.sqrt(pool.n), where + ": mean");
    if (rule.startsWith("normal") && pool.n >= 2000) {
      // Untruncated: ~4.55% beyond 2 std (a cut at 2 std, as DJL's TruncatedNormalInitializer,
      // would leave none).
      double share = (double) pool.tail / pool.n;
      double se = Math.sqrt(TAIL_BEYOND_2 * (1 - TAIL_BEYOND_2) / pool.n);
      assertEquals(TAIL_BEYOND_2, share, 5 * se, where + ": share beyond 2 std");
    }
  }

  private static void checkStd(String path, double[] z, double expected) {
    if (z.length < 200) {
      return;
    }
    double mean = 0;
    for (double x : z) {
      mean += x;
    }
    mean /= z.length;
    double var = 0;
    for (double x : z) {
      var += (x - mean) * (x - mean);
    }
    double std = Math.sqrt(var / z.length);
    double tol = 5 / Math.sqrt(2.0 * z.length);
    assertEquals(1, std / expected, tol, path + ": std / expected std (" + expected + ")");
  }

  private static long fanIn(Shape weight) {
    if (weight.dimension() < 2) {
      fail("a Linear or convolution weight has at least 2 dimensions, got " + weight);
    }
    return weight.size() / weight.get(0);
  }

  private static double[] scaled(float[] v, double factor) {
    double[] z = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      z[i] = v[i] * factor;
    }
    return z;
  }

  private static double maxAbs(double[] v) {
    double m = 0;
    for (double x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }
}
