package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.zoo.weights.SwinCheckpointMapper;
import org.junit.jupiter.api.Test;

/**
 * Swin at 384 pixels with window 12 (the {@code *_window12_384} layout), and weights trained with
 * another window loaded through timm's {@code checkpoint_filter_fn} (bias tables resized), against
 * timm 1.0.29.
 */
class SwinInputSizeParityTest {

  // timm swin_tiny_patch4_window7_224(embed_dim=8, depths=(2, 2, 2, 1), num_heads=(1, 1, 2, 2),
  // mlp_ratio=2, num_classes=10, in_chans=1, img_size=..., window_size=...)
  private static SwinConfig micro(int imgSize, int window) {
    return SwinConfig.builder()
        .setImage(imgSize, 4, window)
        .setSize(8, List.of(2, 2, 2, 1), List.of(1, 1, 2, 2))
        .optMlpRatio(2)
        .optInChans(1)
        .optNumClasses(10)
        .optDropPathRate(0f)
        .build();
  }

  @Test
  void window12At384MatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/swin_micro_384_window12: stages at 96, 48, 24 and 12 tokens; the last one is a
      // single unshifted 12x12 window.
      SwinConfig config = micro(384, 12);
      assertEquals(new Shape(1, 384, 384), config.inputShape());
      double err =
          Fixture.of("models/swin_micro_384_window12")
              .maxAbsError(manager, config.newBlock(), SwinCheckpointMapper.INSTANCE);
      System.out.printf("parity swin_micro 384 window 12 max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void biasTablesFromAnotherWindowAreResizedAsTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/swin_micro_96_window6_from_64_window4: weights drawn at img_size=64, window 4
      // (tables 7x7, the last stage's 3x3) and loaded by timm's checkpoint_filter_fn into
      // img_size=96, window 6 (tables 11x11, the last stage's 5x5).
      Fixture fixture = Fixture.of("models/swin_micro_96_window6_from_64_window4");
      assertEquals(
          new Shape(49, 1),
          fixture.weights().get("layers.0.blocks.0.attn.relative_position_bias_table").shape());
      double err =
          fixture.maxAbsError(manager, micro(96, 6).newBlock(), SwinCheckpointMapper.INSTANCE);
      System.out.printf(
          "parity swin_micro window 4 -> 6 (bias tables resized) max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }
}
