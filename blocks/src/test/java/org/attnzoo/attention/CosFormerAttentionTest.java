package org.attnzoo.attention;

import static org.attnzoo.attention.QuadraticForms.causalMask;
import static org.attnzoo.attention.QuadraticForms.heads;
import static org.attnzoo.attention.QuadraticForms.linear;
import static org.attnzoo.attention.QuadraticForms.maxAbs;
import static org.attnzoo.attention.QuadraticForms.merge;
import static org.attnzoo.attention.QuadraticForms.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class CosFormerAttentionTest {

  private static final int HEADS = 4;
  private static final AttentionSpec SPEC = AttentionSpec.of(32, HEADS);

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new CosFormerAttention(SPEC), new Shape(2, 9, 32));
    BlockContract.verify(() -> new CosFormerAttention(SPEC, true), new Shape(2, 9, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new CosFormerAttention(SPEC, true);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(9, 32), "rank-3");
    }
  }

  /**
   * The paper's re-weighted similarity written as an N x N matrix: s(i, j) = relu(q_i) . relu(k_j)
   * cos(pi/2 (i - j) / M) with M = N, rows normalised by max(sum_j s(i, j), eps); the causal form
   * zeroes j > i.
   */
  private static NDArray quadratic(CosFormerAttention block, NDArray x, boolean causal) {
    NDManager manager = x.getManager();
    int n = (int) x.getShape().get(1);
    NDArray q = Activation.relu(heads(linear(block, "q_proj", x), HEADS));
    NDArray k = Activation.relu(heads(linear(block, "k_proj", x), HEADS));
    NDArray v = heads(linear(block, "v_proj", x), HEADS);
    double[] cos = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        cos[i * n + j] = Math.cos(Math.PI / 2 * (i - j) / n);
      }
    }
    NDArray sim = q.matMul(k.transpose(0, 1, 3, 2)).mul(manager.create(cos, new Shape(n, n)));
    if (causal) {
      sim = sim.mul(causalMask(manager, n));
    }
    NDArray out = sim.matMul(v).div(sim.sum(new int[] {-1}, true).maximum(1e-6));
    return linear(block, "out_proj", merge(out));
  }

  @Test
  void equalsQuadraticForm() {
    for (boolean causal : new boolean[] {false, true}) {
      try (NDManager manager = NDManager.newBaseManager()) {
        manager.getEngine().setRandomSeed(12);
        var block = new CosFormerAttention(SPEC, causal);
        block.initialize(manager, DataType.FLOAT32, new Shape(2, 50, 32));
        NDArray x = manager.randomNormal(new Shape(2, 50, 32));
        double err =
            maxAbs(run(block, x), quadratic(block, x.toType(DataType.FLOAT64, false), causal));
        System.out.printf("cosformer causal=%b vs quadratic form: max abs %.3g%n", causal, err);
        assertTrue(err < 1e-5, "max abs error " + err);
      }
    }
  }

  @Test
  void anglesFollowTheOfficialIndex() {
    // get_index: pi/2 * (1..M), divided by M = N: the last token sits at pi/2, none at 0.
    double[] a = CosFormerAttention.angles(4);
    assertEquals(4, a.length);
    assertEquals(Math.PI / 8, a[0], 1e-7);
    assertEquals(Math.PI / 2, a[3], 1e-7);
  }
}
