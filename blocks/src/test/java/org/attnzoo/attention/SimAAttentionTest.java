package org.attnzoo.attention;

import static org.attnzoo.attention.QuadraticForms.heads;
import static org.attnzoo.attention.QuadraticForms.linear;
import static org.attnzoo.attention.QuadraticForms.maxAbs;
import static org.attnzoo.attention.QuadraticForms.merge;
import static org.attnzoo.attention.QuadraticForms.run;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class SimAAttentionTest {

  private static final int HEADS = 2;
  private static final AttentionSpec SPEC = AttentionSpec.of(32, HEADS);

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new SimAAttention(SPEC), new Shape(2, 9, 32));
    BlockContract.verify(() -> new SimAAttention(SPEC), new Shape(2, 20, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new SimAAttention(SPEC);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(9, 32), "rank-3");
    }
  }

  /**
   * The paper's attention written as an N x N matrix: q and k L1-normalised over the tokens per
   * channel, A = q^ k^T (no softmax), out = A v.
   */
  private static NDArray quadratic(SimAAttention block, NDArray x) {
    NDArray qkv = linear(block, "qkv", x);
    long c = x.getShape().get(2);
    NDArray q = heads(qkv.get(":, :, :{}", c), HEADS);
    NDArray k = heads(qkv.get(":, :, {}:{}", c, 2 * c), HEADS);
    NDArray v = heads(qkv.get(":, :, {}:", 2 * c), HEADS);
    q = q.div(q.abs().sum(new int[] {2}, true));
    k = k.div(k.abs().sum(new int[] {2}, true));
    NDArray sim = q.matMul(k.transpose(0, 1, 3, 2)); // [B, h, N, N]
    return linear(block, "proj", merge(sim.matMul(v)));
  }

  @Test
  void equalsQuadraticFormInBothRegimes() {
    // head width 16: N = 5 takes the (q k^T) v branch, N = 50 the q (k^T v) branch.
    for (int n : new int[] {5, 50}) {
      try (NDManager manager = NDManager.newBaseManager()) {
        manager.getEngine().setRandomSeed(14);
        var block = new SimAAttention(SPEC);
        block.initialize(manager, DataType.FLOAT32, new Shape(2, n, 32));
        NDArray x = manager.randomNormal(new Shape(2, n, 32));
        double err = maxAbs(run(block, x), quadratic(block, x.toType(DataType.FLOAT64, false)));
        System.out.printf("sima N=%d vs quadratic form: max abs %.3g%n", n, err);
        assertTrue(err < 1e-5, "max abs error " + err);
      }
    }
  }

  @Test
  void bothOrdersAgree() {
    assertFalse(SimAAttention.keysFirst(5, 16));
    assertTrue(SimAAttention.keysFirst(16, 16));
    for (int n : new int[] {5, 64}) {
      try (NDManager manager = NDManager.newBaseManager()) {
        manager.getEngine().setRandomSeed(15);
        Shape s = new Shape(2, HEADS, n, 16);
        NDArray q = SimAAttention.l1NormalizeTokens(manager.randomNormal(s));
        NDArray k = SimAAttention.l1NormalizeTokens(manager.randomNormal(s));
        NDArray v = manager.randomNormal(s);
        double err =
            maxAbs(SimAAttention.attend(q, k, v, true), SimAAttention.attend(q, k, v, false));
        System.out.printf("sima N=%d (q k^T) v vs q (k^T v): max abs %.3g%n", n, err);
        assertTrue(err < 1e-6, "max abs error " + err);
      }
    }
  }
}
