package org.attnzoo.backbones.swiftformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.backbones.TrainingSmoke;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class SwiftFormerTest {

  /** The 64x64 grayscale training configuration (the zoo's swiftformer_micro_64). */
  private static final SwiftFormerConfig MICRO =
      SwiftFormerConfig.builder()
          .setStages(List.of(1, 2, 1, 2), List.of(16, 24, 32, 48))
          .optImgSize(64)
          .optInChans(1)
          .optNumClasses(10)
          .build();

  /**
   * A smaller network for the contract checks. At 64x64 the last map is 2x2: with a 1x1 map the
   * additive attention's token normalisation of a single score is +-1, so {@code w_g} would get no
   * gradient (as in timm).
   */
  private static final SwiftFormerConfig TINY =
      MICRO.toBuilder()
          .setStages(List.of(1, 2, 1, 1), List.of(8, 16, 16, 24))
          .optDropPathRate(0.1f)
          .build();

  @Test
  void convEncoderSatisfiesBlockContract() {
    BlockContract.verify(() -> new ConvEncoder(8, 32, 3, 0.1f, true), new Shape(2, 8, 5, 5));
  }

  @Test
  void swiftFormerEncoderSatisfiesBlockContract() {
    var additive = AttentionMechanisms.get("additive");
    BlockContract.verify(
        () -> new SwiftFormerEncoder(AttentionSpec.of(16, 1), additive, 4.0, 0f, 0f, 1e-5f),
        new Shape(2, 16, 4, 3));
    // Another token mixer in the same encoder, without layer scales.
    BlockContract.verify(
        () ->
            new SwiftFormerEncoder(
                AttentionSpec.of(16, 2), AttentionMechanisms.get("xca"), 2.0, 0f, 0.1f, null),
        new Shape(2, 16, 3, 3));
  }

  @Test
  void smallBackboneSatisfiesBlockContract() {
    BlockContract.verify(TINY::newBlock, TINY.inputShape(2));
  }

  @Test
  void featuresMode() {
    SwiftFormerConfig features = TINY.toBuilder().optNumClasses(0).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = features.newBlock();
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 40, 24));
      var out = BlockContract.shapesAgree(manager, block, new Shape(2, 1, 40, 24));
      assertEquals(new Shape(2, 24), out.getShape());
    }
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = TINY.newBlock();
      block.initialize(manager, DataType.FLOAT32, TINY.inputShape(1));
      BlockContract.rejects(manager, block, new Shape(1, 3, 32, 32), "channels");
      BlockContract.rejects(manager, block, new Shape(1, 32, 32), "rank-4");
    }
  }

  @Test
  void encodersRejectBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var conv = new ConvEncoder(8, 32, 3, 0f, true);
      conv.initialize(manager, DataType.FLOAT32, new Shape(2, 8, 4, 4));
      BlockContract.rejects(manager, conv, new Shape(2, 6, 4, 4), "channels");
      var encoder =
          new SwiftFormerEncoder(
              AttentionSpec.of(16, 1), AttentionMechanisms.get("additive"), 4.0, 0f, 0f, 1e-5f);
      encoder.initialize(manager, DataType.FLOAT32, new Shape(2, 16, 3, 3));
      BlockContract.rejects(manager, encoder, new Shape(2, 8, 3, 3), "channels");
      BlockContract.rejects(manager, encoder, new Shape(2, 9, 16), "rank-4");
    }
  }

  @Test
  void configValidationNamesTheProblem() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MICRO.toBuilder().optDownsamples(List.of(false, false, true, true)).build());
    assertEquals(
        "stage 1 has no downsampling, so it needs 16 channels as its input, got embedDims[1] = 24",
        e.getMessage());
  }

  /**
   * BatchNorm: training mode normalises with batch statistics and moves the running statistics by
   * PyTorch's momentum 0.1; inference uses the running statistics and leaves them unchanged.
   */
  @Test
  void batchNormTrainingAndInferenceDiffer() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = TINY.newBlock();
      block.initialize(manager, DataType.FLOAT32, TINY.inputShape(4));
      Map<String, ai.djl.nn.Parameter> params = ParameterPaths.of(block);
      NDArray runningMean = params.get("stem.1.running_mean").getArray();
      NDArray runningVar = params.get("stem.1.running_var").getArray();
      runningMean.set(manager.randomNormal(runningMean.getShape()).mul(0.3f).toFloatArray());
      NDArray mean0 = runningMean.duplicate();
      NDArray var0 = runningVar.duplicate();
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(TINY.inputShape(4)).mul(2f).add(0.5f);

      NDArray inference = block.forward(ps, new NDList(x), false).head();
      assertTrue(runningMean.allClose(mean0), "inference changed the running mean");
      assertTrue(block.forward(ps, new NDList(x), false).head().allClose(inference));

      // The first BatchNorm's input is the first convolution's output.
      Block conv = ((Block) block.getChildren().get(0).getValue()).getChildren().get(0).getValue();
      NDArray convOut = conv.forward(ps, new NDList(x), false).head();
      NDArray perChannel = convOut.transpose(1, 0, 2, 3).reshape(convOut.getShape().get(1), -1);
      long n = perChannel.getShape().get(1);
      NDArray batchMean = perChannel.mean(new int[] {1});
      // PyTorch updates the running variance with the unbiased batch variance.
      NDArray batchVar =
          perChannel.sub(batchMean.expandDims(1)).pow(2).sum(new int[] {1}).div(n - 1);

      NDArray training = block.forward(ps, new NDList(x), true).head();
      assertFalse(training.allClose(inference, 1e-3, 1e-3, false), "modes gave equal outputs");
      assertTrue(runningMean.allClose(mean0.mul(0.9f).add(batchMean.mul(0.1f)), 1e-5, 1e-5, false));
      assertTrue(runningVar.allClose(var0.mul(0.9f).add(batchVar.mul(0.1f)), 1e-4, 1e-4, false));
    }
  }

  @Test
  void trainingReducesTheLoss() {
    float[] loss = TrainingSmoke.firstAndLastLoss(MICRO.newBlock(), MICRO.inputShape(4), 10, 12);
    System.out.printf("training smoke loss %.4f -> %.4f%n", loss[0], loss[1]);
    assertTrue(loss[1] < 0.5f * loss[0], "loss " + loss[0] + " -> " + loss[1]);
  }
}
