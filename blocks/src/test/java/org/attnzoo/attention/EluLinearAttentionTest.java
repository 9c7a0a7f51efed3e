package org.attnzoo.attention;

import static org.attnzoo.attention.QuadraticForms.causalMask;
import static org.attnzoo.attention.QuadraticForms.heads;
import static org.attnzoo.attention.QuadraticForms.linear;
import static org.attnzoo.attention.QuadraticForms.maxAbs;
import static org.attnzoo.attention.QuadraticForms.merge;
import static org.attnzoo.attention.QuadraticForms.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class EluLinearAttentionTest {

  private static final int HEADS = 4;
  private static final AttentionSpec SPEC = AttentionSpec.of(32, HEADS);

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new EluLinearAttention(SPEC), new Shape(2, 9, 32));
    BlockContract.verify(() -> new EluLinearAttention(SPEC, true), new Shape(2, 9, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new EluLinearAttention(SPEC);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(9, 32), "rank-3");
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  block.step(
                      new ParameterStore(manager, false),
                      manager.zeros(new Shape(2, 16)),
                      block.initialState(manager, 2)));
      assertTrue(e.getMessage().contains("channels") && e.getMessage().contains("(2, 16)"));
    }
  }

  /** phi(x) = elu(x) + 1, written out: x + 1 for x > 0, exp(x) otherwise. */
  private static NDArray phi(NDArray x) {
    return NDArrays.where(x.gt(0), x.add(1), x.exp());
  }

  /**
   * The paper's generalised attention with sim(q, k) = phi(q)^T phi(k) as an explicit N x N
   * similarity, normalised per row; the causal form zeroes j > i.
   */
  private static NDArray quadratic(EluLinearAttention block, NDArray x, boolean causal) {
    NDArray q = phi(heads(linear(block, "query_projection", x), HEADS));
    NDArray k = phi(heads(linear(block, "key_projection", x), HEADS));
    NDArray v = heads(linear(block, "value_projection", x), HEADS);
    NDArray sim = q.matMul(k.transpose(0, 1, 3, 2)); // [B, h, N, N]
    if (causal) {
      sim = sim.mul(causalMask(x.getManager(), (int) x.getShape().get(1)));
    }
    NDArray out = sim.matMul(v).div(sim.sum(new int[] {-1}, true).add(1e-6));
    return linear(block, "out_projection", merge(out));
  }

  @Test
  void equalsQuadraticForm() {
    for (boolean causal : new boolean[] {false, true}) {
      try (NDManager manager = NDManager.newBaseManager()) {
        manager.getEngine().setRandomSeed(11);
        var block = new EluLinearAttention(SPEC, causal);
        block.initialize(manager, DataType.FLOAT32, new Shape(2, 50, 32));
        NDArray x = manager.randomNormal(new Shape(2, 50, 32));
        double err =
            maxAbs(run(block, x), quadratic(block, x.toType(DataType.FLOAT64, false), causal));
        System.out.printf("elu causal=%b vs quadratic form: max abs %.3g%n", causal, err);
        assertTrue(err < 1e-5, "max abs error " + err);
      }
    }
  }

  @Test
  void causalOutputIgnoresFutureTokens() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new EluLinearAttention(SPEC, true);
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 10, 32));
      NDArray x = manager.randomNormal(new Shape(1, 10, 32));
      NDArray changed = x.duplicate();
      changed.set(new NDIndex(":, 6:, :"), manager.randomNormal(new Shape(1, 4, 32)));
      NDArray a = run(block, x).get(new NDIndex(":, :6, :"));
      NDArray b = run(block, changed).get(new NDIndex(":, :6, :"));
      assertEquals(0.0, maxAbs(a, b), 0.0);
      assertFalse(run(block, x).allClose(run(block, changed)), "later tokens must change");
    }
  }

  @Test
  void stepByStepEqualsCausalForward() {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(5);
      var block = new EluLinearAttention(SPEC, true);
      long b = 2;
      int n = 24;
      block.initialize(manager, DataType.FLOAT32, new Shape(b, n, 32));
      NDArray x = manager.randomNormal(new Shape(b, n, 32));
      NDArray full = run(block, x);
      ParameterStore ps = new ParameterStore(manager, false);
      EluLinearAttention.State state = block.initialState(manager, b);
      NDList steps = new NDList();
      for (int t = 0; t < n; t++) {
        EluLinearAttention.Step step = block.step(ps, x.get(new NDIndex(":, {}, :", t)), state);
        assertEquals(new Shape(b, 32), step.output().getShape());
        steps.add(step.output());
        state = step.state();
      }
      // The state is O(1) in the sequence length: d x d and d per head.
      assertEquals(new Shape(b, HEADS, 8, 8), state.s().getShape());
      assertEquals(new Shape(b, HEADS, 8), state.z().getShape());
      double err = maxAbs(NDArrays.stack(steps, 1), full);
      System.out.printf("elu step-by-step vs causal forward: max abs %.3g%n", err);
      assertTrue(err < 1e-5, "max abs error " + err);
    }
  }

  @Test
  void featureMapIsEluPlusOne() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(new float[] {-30f, -1f, 0f, 2f});
      float[] expected = {(float) Math.exp(-30), (float) Math.exp(-1), 1f, 3f};
      float[] got = EluLinearAttention.featureMap(x).toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], got[i], 1e-6f);
      }
    }
  }
}
