package org.attnzoo.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

/** Long sequences, zeros and large magnitudes for every kernel-linear mechanism. */
class LinearAttentionRobustnessTest {

  private static final long DIM = 16;
  private static final AttentionSpec SPEC = AttentionSpec.of(DIM, 2);

  private static Map<String, Supplier<Block>> blocks() {
    Map<String, Supplier<Block>> m = new LinkedHashMap<>();
    for (String name : new String[] {"elu", "cosformer", "hydra", "sima"}) {
      m.put(name, () -> AttentionMechanisms.get(name).create(SPEC));
    }
    m.put("elu causal", () -> new EluLinearAttention(SPEC, true));
    m.put("cosformer causal", () -> new CosFormerAttention(SPEC, true));
    return m;
  }

  private static void assertFinite(String what, NDArray out) {
    assertTrue(out.isNaN().logicalOr(out.isInfinite()).none().getBoolean(), what + " not finite");
  }

  @Test
  void finiteUpTo16kTokensForZerosAndLargeInputs() {
    for (var e : blocks().entrySet()) {
      for (long n : new long[] {1, 196, 16_384}) {
        try (NDManager manager = NDManager.newBaseManager()) {
          manager.getEngine().setRandomSeed(21);
          Shape shape = new Shape(1, n, DIM);
          Block block = e.getValue().get();
          block.initialize(manager, DataType.FLOAT32, shape);
          ParameterStore ps = new ParameterStore(manager, false);
          Map<String, NDArray> inputs = new LinkedHashMap<>();
          inputs.put("normal", manager.randomNormal(shape));
          inputs.put("zeros", manager.zeros(shape));
          inputs.put("magnitude 1e3", manager.randomNormal(shape).mul(1e3f));
          inputs.put("constant -1e3", manager.full(shape, -1e3f));
          for (var in : inputs.entrySet()) {
            NDArray out = block.forward(ps, new NDList(in.getValue()), false).head();
            assertEquals(shape, out.getShape());
            assertFinite(e.getKey() + " N=" + n + " " + in.getKey(), out);
          }
        }
      }
    }
  }

  @Test
  void plugsIntoVisionTransformer() {
    for (String name : new String[] {"elu", "cosformer", "hydra", "sima"}) {
      VitConfig cfg =
          VitConfig.builder()
              .setImage(16, 4)
              .setSize(32, 2, 2)
              .optNumClasses(5)
              .optAttention(TokenMixer.parse(name))
              .build();
      BlockContract.verify(cfg::newBlock, cfg.inputShape(2));
    }
  }
}
