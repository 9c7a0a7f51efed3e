package org.attnzoo.backbones.tosa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

/** The ToSA ViT: the plain VisionTransformer with a {@link TosaLayers} layout. */
class TosaVitTest {

  static final VitConfig DENSE =
      VitConfig.builder().setImage(16, 4).setSize(32, 4, 2).optNumClasses(5).build();

  static VitConfig tosa(double keepRatio) {
    return DENSE.toBuilder().optLayers(TosaLayers.alternate(4, keepRatio)).build();
  }

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(tosa(0.5)::newBlock, DENSE.inputShape(2));
  }

  @Test
  void alternateLayoutPassesAttentionToEverySelectiveLayer() {
    List<VitBlock> blocks = tosa(0.5).newBlock().getBlocks();
    assertTrue(blocks.get(0) instanceof AttentionPassingBlock);
    assertTrue(blocks.get(1) instanceof TokenSelectiveBlock);
    assertTrue(blocks.get(2) instanceof AttentionPassingBlock);
    assertTrue(blocks.get(3) instanceof TokenSelectiveBlock);
    assertEquals(List.of(1, 3, 5, 7, 9, 11), TosaLayers.alternate(12, 0.7).selectiveLayers());
  }

  @Test
  void parametersAreTheDenseOnesPlusTheSelectors() {
    try (NDManager manager = NDManager.newBaseManager()) {
      VisionTransformer dense = DENSE.newBlock();
      VisionTransformer tosa = tosa(0.5).newBlock();
      dense.initialize(manager, DataType.FLOAT32, DENSE.inputShape(1));
      tosa.initialize(manager, DataType.FLOAT32, DENSE.inputShape(1));
      Map<String, Parameter> d = ParameterPaths.of(dense);
      Map<String, Parameter> t = ParameterPaths.of(tosa);
      TreeSet<String> extra = new TreeSet<>(t.keySet());
      extra.removeAll(d.keySet());
      assertTrue(t.keySet().containsAll(d.keySet()));
      TreeSet<String> expected = new TreeSet<>();
      for (int layer : new int[] {1, 3}) {
        for (String p : new String[] {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"}) {
          expected.add("blocks." + layer + ".selector." + p);
        }
      }
      assertEquals(expected, extra);
      // Per selector (h = 2 heads = hidden, kernel 3): conv1 2*2*3 + 2, conv2 2*2*3 + 2.
      assertEquals(count(d) + 2 * 28, count(t));
      assertEquals(expected, TosaTraining.selectorParameters(tosa).keySet());
    }
  }

  @Test
  void narrowSelectorsHaveTheirOwnHiddenWidth() {
    VitConfig wide = DENSE.toBuilder().setSize(32, 4, 4).build();
    VitConfig narrow = wide.toBuilder().optLayers(TosaLayers.alternate(4, 0.5, 2)).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      VisionTransformer tosa = narrow.newBlock();
      tosa.initialize(manager, DataType.FLOAT32, narrow.inputShape(1));
      Map<String, Parameter> selectors = TosaTraining.selectorParameters(tosa);
      // 4 heads in, 2 hidden channels, kernel 1 x 3, and back to 4 heads.
      assertEquals(
          new Shape(2, 4, 1, 3),
          selectors.get("blocks.1.selector.conv1.weight").getArray().getShape());
      assertEquals(
          new Shape(4, 2, 1, 3),
          selectors.get("blocks.3.selector.conv2.weight").getArray().getShape());
      // Per selector: conv1 4*2*3 + 2, conv2 2*4*3 + 4.
      assertEquals(2 * 54, count(selectors));
    }
  }

  private static long count(Map<String, Parameter> params) {
    return params.values().stream().mapToLong(p -> p.getArray().size()).sum();
  }

  @Test
  void keepRatioOneMatchesTheDenseModel() {
    try (NDManager manager = NDManager.newBaseManager()) {
      VisionTransformer dense = DENSE.newBlock();
      VisionTransformer tosa = tosa(1.0).newBlock();
      dense.initialize(manager, DataType.FLOAT32, DENSE.inputShape(1));
      tosa.initialize(manager, DataType.FLOAT32, DENSE.inputShape(1));
      TosaTraining.copyBackbone(dense, tosa);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(DENSE.inputShape(3));
      NDArray a = dense.forward(ps, new NDList(x), false).singletonOrThrow();
      NDArray b = tosa.forward(ps, new NDList(x), false).singletonOrThrow();
      assertTrue(a.allClose(b, 1e-5, 1e-5, false));
      // With half the tokens the output changes (the selection is active).
      VisionTransformer half = tosa(0.5).newBlock();
      half.initialize(manager, DataType.FLOAT32, DENSE.inputShape(1));
      TosaTraining.copyBackbone(dense, half);
      NDArray c = half.forward(ps, new NDList(x), false).singletonOrThrow();
      assertTrue(!a.allClose(c, 1e-5, 1e-5, false));
    }
  }

  @Test
  void rejectsLayoutsWithoutAPreviousDenseLayer() {
    var adjacent =
        assertThrows(
            IllegalArgumentException.class, () -> new TosaLayers(0.5, List.of(1, 2), 0, 3));
    assertTrue(adjacent.getMessage().contains("cannot be adjacent"), adjacent.getMessage());
    for (List<Integer> layers : List.of(List.of(0), List.of(4))) {
      var range =
          assertThrows(
              IllegalArgumentException.class,
              () -> DENSE.toBuilder().optLayers(new TosaLayers(0.5, layers, 0, 3)).build());
      assertTrue(range.getMessage().contains("must be in [1, 3]"), range.getMessage());
    }
    var order =
        assertThrows(
            IllegalArgumentException.class, () -> new TosaLayers(0.5, List.of(3, 1), 0, 3));
    assertTrue(order.getMessage().contains("ascending"), order.getMessage());
  }
}
