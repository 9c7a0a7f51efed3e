package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.attnzoo.backbones.Backbone;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.SwinCheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;

/**
 * Multi-scale features, as a dense-prediction head takes them: {@link
 * Backbone#forwardIntermediates} against timm's {@code features_only=True} model on the same
 * weights ({@code features_f64.safetensors}, written in float64 by {@code
 * scripts/make_features_fixture.py}), and {@link Backbone#featureInfo} against timm's {@code
 * feature_info} of those models.
 */
class FeatureMapsParityTest {

  @Test
  void swinFeatureMapsMatchTimmFeaturesOnly() throws Exception {
    // models/swin_micro: timm swin_tiny_patch4_window7_224(img_size=64, patch_size=4,
    // window_size=4, embed_dim=32, depths=(2, 2, 2, 1), num_heads=(1, 2, 4, 8), num_classes=10).
    SwinConfig config =
        SwinConfig.builder()
            .setImage(64, 4, 4)
            .setSize(32, List.of(2, 2, 2, 1), List.of(1, 2, 4, 8))
            .optNumClasses(10)
            .build();
    // timm: feature_info reductions 4, 8, 16, 32 on layers.0-3; features_only returns NHWC.
    List<FeatureInfo> timm =
        List.of(
            new FeatureInfo(32, 4, "layers.0"),
            new FeatureInfo(64, 8, "layers.1"),
            new FeatureInfo(128, 16, "layers.2"),
            new FeatureInfo(256, 32, "layers.3"));
    check("models/swin_micro", config, SwinCheckpointMapper.INSTANCE, timm, true);
  }

  @Test
  void edgenextFeatureMapsMatchTimmFeaturesOnly() throws Exception {
    // models/edgenext_micro: timm edgenext_xx_small(depths=[1,2,2,2], dims=[16,32,48,64],
    // heads=[2,2,2,2], num_classes=10), 64x64 input.
    EdgeNeXtConfig config =
        EdgeNeXtConfig.builder()
            .setStages(List.of(1, 2, 2, 2), List.of(16, 32, 48, 64))
            .optHeads(2, 2, 2, 2)
            .optNumClasses(10)
            .optImgSize(64)
            .build();
    List<FeatureInfo> timm =
        List.of(
            new FeatureInfo(16, 4, "stages.0"),
            new FeatureInfo(32, 8, "stages.1"),
            new FeatureInfo(48, 16, "stages.2"),
            new FeatureInfo(64, 32, "stages.3"));
    check("models/edgenext_micro", config, CheckpointMapper.IDENTITY, timm, false);
  }

  @Test
  void publishedVariantsDescribeTheirFeaturesAsTimm() {
    // timm 1.0.29: create_model(name).feature_info, .num_features, .head_hidden_size.
    Backbone effvit = Variants.get("efficientvit_b0").config().newBlock();
    assertEquals(
        List.of(
            new FeatureInfo(16, 4, "stages.0"),
            new FeatureInfo(32, 8, "stages.1"),
            new FeatureInfo(64, 16, "stages.2"),
            new FeatureInfo(128, 32, "stages.3")),
        effvit.featureInfo());
    assertEquals(128, effvit.numFeatures());
    assertEquals(1280, effvit.headHiddenSize());
    Backbone swift = Variants.get("swiftformer_xs").config().newBlock();
    assertEquals(
        List.of(
            new FeatureInfo(48, 4, "stages.0"),
            new FeatureInfo(56, 8, "stages.1"),
            new FeatureInfo(112, 16, "stages.2"),
            new FeatureInfo(220, 32, "stages.3")),
        swift.featureInfo());
    assertEquals(220, swift.headHiddenSize());
    Backbone vit = Variants.get("vit_tiny_patch16_224").config().newBlock();
    assertEquals(12, vit.featureInfo().size());
    assertEquals(new FeatureInfo(192, 16, "blocks.11"), vit.featureInfo().get(11));
    assertEquals(192, vit.headHiddenSize());
  }

  private static void check(
      String id,
      BackboneConfig config,
      CheckpointMapper mapper,
      List<FeatureInfo> timmInfo,
      boolean channelsLast)
      throws Exception {
    Fixture fixture = Fixture.of(id);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = fixture.array(manager, "input.npy");
      Backbone net = config.newBlock();
      net.initialize(manager, DataType.FLOAT32, x.getShape());
      WeightImporter.load(net, fixture.weights(), mapper);
      assertEquals(timmInfo, net.featureInfo());
      NDList maps = net.forwardIntermediates(new ParameterStore(manager, false), x, false);
      Path file =
          Path.of(
              Fixture.class.getResource("/fixtures/" + id + "/features_f64.safetensors").toURI());
      Map<String, Tensor> expected = SafeTensors.read(file);
      assertEquals(expected.size(), maps.size(), "feature maps");
      for (int i = 0; i < maps.size(); i++) {
        NDArray want = expected.get("feature" + i).toNDArray(manager);
        NDArray got = channelsLast ? maps.get(i).transpose(0, 2, 3, 1) : maps.get(i);
        assertEquals(want.getShape(), got.getShape(), "feature" + i);
        double err = got.toType(DataType.FLOAT64, false).sub(want).abs().max().getDouble();
        System.out.printf("parity %s feature%d max abs error %.3g%n", id, i, err);
        assertTrue(err < Fixture.TOLERANCE, id + " feature" + i + ": max abs error " + err);
      }
    }
  }
}
