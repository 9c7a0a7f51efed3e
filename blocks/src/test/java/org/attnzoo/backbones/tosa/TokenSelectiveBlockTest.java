package org.attnzoo.backbones.tosa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.MultiHeadSelfAttention;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitLayerArgs;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class TokenSelectiveBlockTest {

  private static final int DIM = 32;
  private static final int HEADS = 4;
  private static final Shape TOKENS = new Shape(2, 17, DIM);
  private static final Shape LOGITS = new Shape(2, HEADS, 17, 17);

  static VitLayerArgs args(int index) {
    return new VitLayerArgs(
        index,
        4,
        AttentionSpec.of(DIM, HEADS),
        AttentionMechanisms.get("mhsa"),
        2.0,
        null,
        0f,
        1e-6f,
        1);
  }

  static TokenSelectiveBlock selective(double keepRatio) {
    return new TokenSelectiveBlock(args(1), new TokenSelector(HEADS, HEADS, 3, keepRatio, 1));
  }

  /** Copies every parameter of {@code from} into the same path of {@code to}. */
  static void copyShared(Block from, Block to) {
    Map<String, Parameter> target = ParameterPaths.of(to);
    ParameterPaths.of(from).forEach((k, p) -> p.getArray().copyTo(target.get(k).getArray()));
  }

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new AttentionPassingBlock(args(0)), TOKENS);
    BlockContract.verify(
        () -> new Chain(new AttentionPassingBlock(args(0)), selective(0.5)), TOKENS);
  }

  @Test
  void bypassedTokensAreBitIdenticalToTheInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenSelectiveBlock block = selective(0.5);
      block.initialize(manager, DataType.FLOAT32, TOKENS, LOGITS);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(TOKENS);
      NDArray logits = manager.randomNormal(LOGITS).mul(3);
      TokenSelector selector = block.getSelector();
      NDArray predicted = selector.forward(ps, new NDList(logits), false).singletonOrThrow();
      long[] keep = selector.select(TokenSelector.importance(predicted)).toLongArray();
      assertEquals(2 * 9, keep.length); // class token + round(0.5 * 16) per sample
      for (boolean training : new boolean[] {false, true}) {
        NDArray out = block.forward(ps, new NDList(x, logits), training).singletonOrThrow();
        for (int b = 0; b < 2; b++) {
          Set<Long> kept = new HashSet<>();
          for (int j = 0; j < 9; j++) {
            kept.add(keep[b * 9 + j]);
          }
          assertTrue(kept.contains(0L), "class token kept");
          for (long n = 0; n < 17; n++) {
            float[] in = x.get(b, n).toFloatArray();
            float[] got = out.get(b, n).toFloatArray();
            boolean same = true;
            for (int c = 0; c < DIM; c++) {
              same &= Float.floatToRawIntBits(in[c]) == Float.floatToRawIntBits(got[c]);
            }
            assertEquals(!kept.contains(n), same, "sample " + b + " token " + n);
          }
        }
      }
    }
  }

  @Test
  void keptTokensSeeOnlyEachOther() {
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenSelectiveBlock block = selective(0.5);
      VitBlock dense = args(1).dense();
      block.initialize(manager, DataType.FLOAT32, TOKENS, LOGITS);
      dense.initialize(manager, DataType.FLOAT32, TOKENS);
      copyShared(dense, block);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(TOKENS);
      NDArray keep = manager.create(new long[][] {{0, 2, 3, 7, 11}, {0, 1, 5, 6, 16}});
      NDArray out = block.forwardSelected(ps, x, keep, null, false);
      NDArray index = keep.expandDims(2).broadcast(2, 5, DIM);
      // The dense layer run on the 5 kept tokens alone: a 5 x 5 attention.
      NDArray expected =
          dense.forward(ps, new NDList(x.gather(index, 1)), false).singletonOrThrow();
      assertTrue(out.gather(index, 1).allClose(expected, 1e-6, 1e-6, false));
    }
  }

  @Test
  void keepRatioOneEqualsTheDenseBlock() {
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenSelectiveBlock block = selective(1.0);
      VitBlock dense = args(1).dense();
      block.initialize(manager, DataType.FLOAT32, TOKENS, LOGITS);
      dense.initialize(manager, DataType.FLOAT32, TOKENS);
      copyShared(dense, block);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(TOKENS);
      NDArray logits = manager.randomNormal(LOGITS);
      NDArray expected = dense.forward(ps, new NDList(x), false).singletonOrThrow();
      for (boolean training : new boolean[] {false, true}) {
        NDArray out = block.forward(ps, new NDList(x, logits), training).singletonOrThrow();
        assertTrue(out.allClose(expected, 1e-6, 1e-6, false), "training " + training);
      }
    }
  }

  @Test
  void passingBlockReturnsTheScaledAttentionLogits() {
    try (NDManager manager = NDManager.newBaseManager()) {
      AttentionPassingBlock block = new AttentionPassingBlock(args(0));
      block.initialize(manager, DataType.FLOAT32, TOKENS);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(TOKENS);
      NDList out = block.forward(ps, new NDList(x), false);
      assertEquals(LOGITS, out.get(1).getShape());
      VitBlock plain = args(0).dense();
      plain.initialize(manager, DataType.FLOAT32, TOKENS);
      copyShared(block, plain);
      assertTrue(
          out.get(0).allClose(plain.forward(ps, new NDList(x), false).head(), 1e-6, 1e-6, false));
      // Independent logits: q k^T / sqrt(d) from the qkv weights, head 1, sample 0.
      Map<String, Parameter> p = ParameterPaths.of(block);
      NDArray h =
          block
              .getChildren()
              .get("01norm1")
              .forward(ps, new NDList(x), false)
              .singletonOrThrow()
              .get(0);
      NDArray w = p.get("attn.qkv.weight").getArray();
      NDArray bias = p.get("attn.qkv.bias").getArray();
      int d = DIM / HEADS;
      NDArray q =
          h.matMul(w.get(new NDIndex("{}:{}", d, 2 * d)).transpose())
              .add(bias.get(new NDIndex("{}:{}", d, 2 * d)));
      NDArray k =
          h.matMul(w.get(new NDIndex("{}:{}", DIM + d, DIM + 2 * d)).transpose())
              .add(bias.get(new NDIndex("{}:{}", DIM + d, DIM + 2 * d)));
      NDArray expected = q.matMul(k.transpose()).div(Math.sqrt(d));
      assertTrue(out.get(1).get(0, 1).allClose(expected, 1e-4, 1e-5, false));
    }
  }

  @Test
  void rejectsBadInputs() {
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenSelectiveBlock block = selective(0.5);
      block.initialize(manager, DataType.FLOAT32, TOKENS, LOGITS);
      var one =
          assertThrows(
              IllegalArgumentException.class, () -> block.getOutputShapes(new Shape[] {TOKENS}));
      assertTrue(one.getMessage().contains("expects 2 inputs"), one.getMessage());
      Shape wrong = new Shape(2, HEADS, 16, 16);
      var mismatch =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  block.forward(
                      new ParameterStore(manager, false),
                      new NDList(manager.zeros(TOKENS), manager.zeros(wrong)),
                      false));
      assertTrue(mismatch.getMessage().contains(wrong.toString()), mismatch.getMessage());
      var channels =
          assertThrows(
              IllegalArgumentException.class,
              () -> block.getOutputShapes(new Shape[] {new Shape(2, 17, 8), LOGITS}));
      assertTrue(channels.getMessage().contains("channels"), channels.getMessage());
    }
  }

  @Test
  void needsAttentionThatExposesLogits() {
    VitLayerArgs a = args(0);
    VitLayerArgs linear =
        new VitLayerArgs(
            0,
            4,
            a.attention(),
            spec -> Linear.builder().setUnits(spec.dim()).build(),
            2.0,
            null,
            0f,
            1e-6f,
            1);
    var e = assertThrows(IllegalArgumentException.class, () -> new AttentionPassingBlock(linear));
    assertTrue(e.getMessage().contains("exposes its logits"), e.getMessage());
    assertTrue(new AttentionPassingBlock(a).getAttention() instanceof MultiHeadSelfAttention);
  }
}
