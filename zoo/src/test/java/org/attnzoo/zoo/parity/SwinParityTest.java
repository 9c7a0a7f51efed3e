package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.util.List;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.backbones.swin.PatchMerging;
import org.attnzoo.backbones.swin.ShiftedWindows;
import org.attnzoo.backbones.swin.SwinBlock;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.swin.WindowAttention;
import org.attnzoo.zoo.weights.SwinCheckpointMapper;
import org.junit.jupiter.api.Test;

/** Swin Transformer and its blocks against timm 1.0.29 on random weights. */
class SwinParityTest {

  private static void assertParity(String id, Block block, String... extraInputs) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      double err =
          Fixture.of(id).maxAbsError(manager, block, SwinCheckpointMapper.INSTANCE, extraInputs);
      System.out.printf("parity %s max abs error %.3g%n", id, err);
      assertTrue(err < Fixture.TOLERANCE, id + " max abs error " + err);
    }
  }

  @Test
  void windowAttentionMatchesTimm() throws Exception {
    // timm WindowAttention(dim=32, num_heads=2, window_size=4)
    assertParity("blocks/swin_window_attn", new WindowAttention(AttentionSpec.of(32, 2), 4, 4));
  }

  @Test
  void maskedWindowAttentionMatchesTimm() throws Exception {
    // the same with the shifted-window mask of an 8x8 map, shift 2, as a second input
    assertParity(
        "blocks/swin_window_attn_mask",
        new WindowAttention(AttentionSpec.of(32, 2), 4, 4),
        "mask.npy");
  }

  @Test
  void shiftedBlockMatchesTimm() throws Exception {
    // timm SwinTransformerBlock(dim=32, input_resolution=(8, 8), num_heads=2, window_size=4,
    // shift_size=2), channels-last
    assertParity(
        "blocks/swin_block_shift",
        new SwinBlock(AttentionSpec.of(32, 2), 8, 8, 4, 2, 4.0, 0f, SwinConfig.NORM_EPS));
  }

  @Test
  void shiftedWindowMaskEqualsTimms() throws Exception {
    // mask.npy is timm's attn_mask of SwinTransformerBlock(input_resolution=(8, 8), window 4,
    // shift 2): same region labels, same -100.
    try (NDManager manager = NDManager.newBaseManager()) {
      float[] expected =
          Fixture.of("blocks/swin_window_attn_mask").array(manager, "mask.npy").toFloatArray();
      assertArrayEquals(expected, ShiftedWindows.attentionMask(8, 8, 4, 4, 2, 2));
    }
  }

  @Test
  void paddedShiftedBlockMatchesTimm() throws Exception {
    // timm SwinTransformerBlock(dim=16, input_resolution=(6, 10), num_heads=2, window_size=4,
    // shift_size=2): the shifted map is zero-padded to 8x12 (scripts/swin_block_fixtures.py)
    assertParity(
        "blocks/swin_block_pad",
        new SwinBlock(AttentionSpec.of(16, 2), 6, 10, 4, 2, 4.0, 0f, SwinConfig.NORM_EPS));
  }

  @Test
  void patchMergingOfOddMapMatchesTimm() throws Exception {
    // timm PatchMerging(dim=16) on a 5x7 map, zero-padded to 6x8 (scripts/swin_block_fixtures.py)
    assertParity("blocks/swin_patch_merging_odd", new PatchMerging(16, 32, SwinConfig.NORM_EPS));
  }

  @Test
  void swinWithPaddedWindowsMatchesTimm() throws Exception {
    // timm swin_tiny_patch4_window7_224(img_size=64, patch_size=4, window_size=3, embed_dim=16,
    // depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), num_classes=10): resolutions 16, 8, 4 are padded
    // to whole windows of 3, the 2x2 stage shrinks its window to 2
    SwinConfig config =
        SwinConfig.builder()
            .setImage(64, 4, 3)
            .setSize(16, List.of(2, 2, 2, 2), List.of(1, 2, 4, 8))
            .optNumClasses(10)
            .build();
    assertParity("models/swin_micro_window3_pad", config.newBlock());
  }

  private static SwinConfig micro(List<Integer> depths) {
    // timm swin_tiny_patch4_window7_224(img_size=64, patch_size=4, window_size=4, embed_dim=32,
    // depths=depths, num_heads=(1, 2, 4, 8), num_classes=10)
    return SwinConfig.builder()
        .setImage(64, 4, 4)
        .setSize(32, depths, List.of(1, 2, 4, 8))
        .optNumClasses(10)
        .build();
  }

  @Test
  void swinMicroMatchesTimm() throws Exception {
    assertParity("models/swin_micro", micro(List.of(2, 2, 2, 1)).newBlock());
  }

  @Test
  void swinMicroWithoutShiftsMatchesTimm() throws Exception {
    assertParity("models/swin_micro_noshift", micro(List.of(1, 1, 2, 1)).newBlock());
  }
}
