package org.attnzoo.backbones.tosa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.attnzoo.backbones.vit.VitConfig;
import org.junit.jupiter.api.Test;

class TosaCostTest {

  private static final VitConfig DENSE = TosaVitTest.DENSE; // 17 tokens, C 32, depth 4, 2 heads

  @Test
  void attentionMacsByHand() {
    // Dense: 4 layers x (q k^T + attn v) = 4 * 2 * 17^2 * 32.
    assertEquals(4L * 2 * 17 * 17 * 32, TosaCost.attentionMacs(DENSE));
    // Keep 0.5 in layers 1 and 3: 9 tokens (class token + 8 patches) there.
    VitConfig half = TosaVitTest.tosa(0.5);
    assertArrayEquals(new long[] {17, 9, 17, 9}, TosaCost.tokensPerLayer(half));
    assertEquals(2L * 32 * (2 * 17 * 17 + 2 * 9 * 9), TosaCost.attentionMacs(half));
    // Selectors: 2 layers x 17 * 17 positions x kernel 3 x (2 * 2 + 2 * 2) channels.
    assertEquals(2L * 17 * 17 * 3 * 8, TosaCost.selectorMacs(half));
    assertEquals(0, TosaCost.selectorMacs(DENSE));
  }

  @Test
  void attentionMacsShrinkWithTheKeepRatio() {
    VitConfig tiny = VitConfig.builder().setSize(192, 12, 3).build();
    long dense = TosaCost.attentionMacs(tiny);
    long previous = Long.MAX_VALUE;
    for (double keep : new double[] {1.0, 0.9, 0.7, 0.5, 0.3}) {
      VitConfig cfg = tiny.toBuilder().optLayers(TosaLayers.alternate(12, keep)).build();
      long macs = TosaCost.attentionMacs(cfg);
      assertTrue(macs < previous || keep == 1.0, "keep " + keep);
      previous = macs;
    }
    VitConfig one = tiny.toBuilder().optLayers(TosaLayers.alternate(12, 1.0)).build();
    assertEquals(dense, TosaCost.attentionMacs(one));
    // ViT-Ti/16, keep 0.5: 6 dense layers on 197 tokens, 6 on 1 + 98 = 99 tokens.
    VitConfig half = tiny.toBuilder().optLayers(TosaLayers.alternate(12, 0.5)).build();
    assertEquals(2L * 192 * 6 * (197 * 197 + 99 * 99), TosaCost.attentionMacs(half));
    // Dense ViT-Ti/16 layers: 12 x 197 x (4 C^2 + 2 * 4 C^2) + attention, i.e. timm's 1.26 GMACs
    // less the patch embedding (196 x 768 x 192) and the head (192 x 1000).
    long layers = 12L * 197 * 12 * 192 * 192 + dense;
    assertEquals(layers, TosaCost.layerMacs(tiny));
    assertEquals(1.26e9, layers + 196L * 768 * 192 + 192 * 1000, 0.01e9);
    // The table in src/docs/tosa.md (computed there by an independent script).
    VitConfig seven = tiny.toBuilder().optLayers(TosaLayers.alternate(12, 0.7)).build();
    assertEquals(178_831_872L, dense);
    assertEquals(133_293_312L, TosaCost.attentionMacs(seven));
    assertEquals(12_574_116L, TosaCost.selectorMacs(seven));
    assertEquals(1_035_027_108L, TosaCost.layerMacs(seven));
    assertEquals(910_217_124L, TosaCost.layerMacs(half));
  }

  @Test
  void customLayoutCountsOnlyItsLayers() {
    VitConfig cfg = DENSE.toBuilder().optLayers(new TosaLayers(0.5, List.of(2), 4, 5)).build();
    assertArrayEquals(new long[] {17, 17, 9, 17}, TosaCost.tokensPerLayer(cfg));
    assertEquals(17L * 17 * 5 * (2 * 4 + 4 * 2), TosaCost.selectorMacs(cfg));
  }
}
