package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.EfficientAdditiveAttention;
import org.attnzoo.backbones.swiftformer.SwiftFormerConfig;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;

/** SwiftFormer and its efficient additive attention against timm 1.0.29 on random weights. */
class SwiftFormerParityTest {

  private static void report(String id, double err) {
    System.out.printf("parity %s max abs error %.3g%n", id, err);
    assertTrue(err < Fixture.TOLERANCE, id + " max abs error " + err);
  }

  @Test
  void additiveAttentionMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/swiftformer_additive_attn: timm EfficientAdditiveAttention(in_dims=32,
      // token_dim=32), called on a map [B, C, H, W]; attnzoo's mechanism takes the flattened
      // tokens [B, H*W, C], as SwiftFormer's encoder feeds it.
      Fixture fixture = Fixture.of("blocks/swiftformer_additive_attn");
      NDArray map = fixture.array(manager, "input.npy");
      Shape s = map.getShape();
      NDArray tokens = map.reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1);
      var block = new EfficientAdditiveAttention(AttentionSpec.of(32, 1));
      block.initialize(manager, DataType.FLOAT32, tokens.getShape());
      WeightImporter.load(block, fixture.weights(), CheckpointMapper.IDENTITY);
      NDArray out =
          block.forward(new ParameterStore(manager, false), new NDList(tokens), false).head();
      out = out.transpose(0, 2, 1).reshape(s);
      NDArray expected = fixture.expected(manager);
      assertArrayEquals(expected.getShape().getShape(), out.getShape().getShape());
      report(
          "swiftformer_additive_attn",
          out.toType(DataType.FLOAT64, false).sub(expected).abs().max().getDouble());
    }
  }

  // models/swiftformer_micro: timm swiftformer_xs(layers=[1,2,1,2], embed_dims=[16,24,32,48],
  // num_classes=10), 64x64 input; output = mean of head and head_dist, as timm in eval.
  private static final SwiftFormerConfig MICRO =
      SwiftFormerConfig.builder()
          .setStages(List.of(1, 2, 1, 2), List.of(16, 24, 32, 48))
          .optNumClasses(10)
          .optImgSize(64)
          .build();

  @Test
  void swiftformerMicroMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      report(
          "swiftformer_micro",
          Fixture.of("models/swiftformer_micro")
              .maxAbsError(manager, MICRO.newBlock(), CheckpointMapper.IDENTITY));
    }
  }

  /**
   * BatchNorm running statistics come in with the timm import (the fixture draws them away from 0
   * and 1, so parity depends on them) and survive a DJL save/load round trip.
   */
  @Test
  void runningStatisticsSurviveImportAndSaveLoad() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Fixture fixture = Fixture.of("models/swiftformer_micro");
      Map<String, Tensor> weights = fixture.weights();
      NDArray x = fixture.array(manager, "input.npy");
      var imported = MICRO.newBlock();
      imported.initialize(manager, DataType.FLOAT32, x.getShape());
      WeightImporter.load(imported, weights, CheckpointMapper.IDENTITY);
      Map<String, Parameter> params = ParameterPaths.of(imported);
      List<String> stats =
          params.keySet().stream().filter(k -> k.contains("running_")).sorted().toList();
      assertEquals(32, stats.size(), "16 BatchNorms with running mean and variance");
      for (String key : stats) {
        assertArrayEquals(weights.get(key).toFloats(), params.get(key).getArray().toFloatArray());
      }

      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      imported.saveParameters(new DataOutputStream(bytes));
      var reloaded = MICRO.newBlock();
      reloaded.initialize(manager, DataType.FLOAT32, x.getShape());
      reloaded.loadParameters(
          manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      Map<String, Parameter> after = ParameterPaths.of(reloaded);
      for (String key : stats) {
        assertArrayEquals(weights.get(key).toFloats(), after.get(key).getArray().toFloatArray());
      }
      NDArray out =
          reloaded.forward(new ParameterStore(manager, false), new NDList(x), false).head();
      report(
          "swiftformer_micro after save/load",
          out.toType(DataType.FLOAT64, false)
              .sub(fixture.expected(manager))
              .abs()
              .max()
              .getDouble());
    }
  }
}
