package org.attnzoo.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.attnzoo.attention.TokenMixer;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.swiftformer.SwiftFormerConfig;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.backbones.vit.VitLayerFactory;
import org.junit.jupiter.api.Test;

/**
 * The builders that share {@link BackboneBuilder}: timm's defaults, the shared setters in any order
 * of a chain, and {@code toBuilder} losing nothing.
 */
class BackboneBuilderConfigTest {

  @Test
  void defaultsAreTimms() {
    assertEquals(
        new VitConfig(
            224,
            16,
            3,
            1000,
            768,
            12,
            12,
            4.0,
            true,
            true,
            "token",
            null,
            0f,
            TokenMixer.MHSA,
            VitLayerFactory.DENSE),
        VitConfig.builder().build());
    assertEquals(
        new SwinConfig(
            224, 4, 3, 1000, 96, List.of(2, 2, 6, 2), List.of(3, 6, 12, 24), 7, 4.0, true, 0.1f),
        SwinConfig.builder().build());
    assertEquals(
        new EdgeNeXtConfig(
            256,
            3,
            1000,
            List.of(3, 3, 9, 3),
            List.of(24, 48, 88, 168),
            List.of(8, 8, 8, 8),
            List.of(0, 1, 1, 1),
            List.of(3, 5, 7, 9),
            List.of(2, 2, 3, 4),
            List.of(false, true, false, false),
            4.0,
            1e-6f,
            0f,
            TokenMixer.XCA),
        EdgeNeXtConfig.builder().build());
    assertEquals(
        new SwiftFormerConfig(
            224,
            3,
            1000,
            List.of(3, 3, 6, 4),
            List.of(48, 56, 112, 220),
            List.of(false, true, true, true),
            4.0,
            0f,
            0f,
            1e-5f,
            TokenMixer.ADDITIVE),
        SwiftFormerConfig.builder().build());
  }

  @Test
  void sharedSettersChainWithTheFamilySetters() {
    VitConfig vit =
        VitConfig.builder()
            .optInChans(1)
            .setImage(32, 4)
            .optNumClasses(10)
            .setSize(64, 4, 4)
            .optMlpRatio(2)
            .build();
    assertEquals(
        new VitConfig(
            32,
            4,
            1,
            10,
            64,
            4,
            4,
            2.0,
            true,
            true,
            "token",
            null,
            0f,
            TokenMixer.MHSA,
            VitLayerFactory.DENSE),
        vit);
    SwinConfig swin =
        SwinConfig.builder()
            .optDropPathRate(0f)
            .setImage(32, 2, 4)
            .optNumClasses(0)
            .setSize(8, List.of(1, 1), List.of(1, 2))
            .build();
    assertEquals(
        new SwinConfig(32, 2, 3, 0, 8, List.of(1, 1), List.of(1, 2), 4, 4.0, true, 0f), swin);
  }

  @Test
  void expandRatioIsEdgeNeXtsMlpRatio() {
    assertEquals(
        EdgeNeXtConfig.builder().optExpandRatio(3).build(),
        EdgeNeXtConfig.builder().optMlpRatio(3).build());
    assertEquals(3.0, EdgeNeXtConfig.builder().optExpandRatio(3).build().expandRatio());
  }

  @Test
  void toBuilderKeepsEverySetting() {
    VitConfig vit =
        VitConfig.builder()
            .setImage(32, 8)
            .setSize(16, 2, 2)
            .optInChans(1)
            .optNumClasses(0)
            .optMlpRatio(3)
            .optQkvBias(false)
            .optPooling(false, "avg")
            .optLayerScaleInit(0.5f)
            .optDropPathRate(0.2f)
            .optAttention(TokenMixer.MHSA)
            .build();
    assertEquals(vit, vit.toBuilder().build());
    SwinConfig swin =
        SwinConfig.builder()
            .setImage(32, 2, 4)
            .setSize(8, List.of(1, 1), List.of(1, 2))
            .optInChans(1)
            .optNumClasses(5)
            .optMlpRatio(2)
            .optQkvBias(false)
            .optDropPathRate(0.3f)
            .build();
    assertEquals(swin, swin.toBuilder().build());
    EdgeNeXtConfig edge =
        EdgeNeXtConfig.builder()
            .setStages(List.of(1, 2), List.of(8, 16))
            .optHeads(2, 4)
            .optGlobalBlockCounts(0, 1)
            .optKernelSizes(3, 5)
            .optD2Scales(1, 2)
            .optUsePosEmb(List.of(false, true))
            .optImgSize(40)
            .optInChans(1)
            .optNumClasses(7)
            .optExpandRatio(2)
            .optLayerScaleInit(null)
            .optDropPathRate(0.1f)
            .build();
    assertEquals(edge, edge.toBuilder().build());
    SwiftFormerConfig swift =
        SwiftFormerConfig.builder()
            .setStages(List.of(1, 1), List.of(8, 16))
            .optDownsamples(List.of(false, true))
            .optImgSize(48)
            .optInChans(1)
            .optNumClasses(3)
            .optMlpRatio(2)
            .optDropRate(0.1f)
            .optDropPathRate(0.2f)
            .optLayerScaleInit(null)
            .build();
    assertEquals(swift, swift.toBuilder().build());
  }

  @Test
  void sharedValidationNamesTheValue() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SwiftFormerConfig.builder().optNumClasses(-1).build());
    assertEquals("numClasses must be >= 0, got -1", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EdgeNeXtConfig.builder().optDropPathRate(1f).build());
    assertEquals("dropPathRate must be in [0, 1), got 1.0", e.getMessage());
  }
}
