package org.attnzoo.backbones.edgenext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.backbones.TrainingSmoke;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class EdgeNeXtTest {

  /** The 64x64 grayscale training configuration (the zoo's edgenext_micro_64). */
  private static final EdgeNeXtConfig MICRO =
      EdgeNeXtConfig.builder()
          .setStages(List.of(1, 2, 2, 2), List.of(16, 32, 48, 64))
          .optHeads(2, 2, 2, 2)
          .optImgSize(64)
          .optInChans(1)
          .optNumClasses(10)
          .build();

  /** A smaller network for the contract checks: one encoder per stage, SDTA in stages 1-3. */
  private static final EdgeNeXtConfig TINY =
      MICRO.toBuilder()
          .setStages(List.of(1, 1, 1, 1), List.of(8, 16, 16, 24))
          .optImgSize(32)
          .optDropPathRate(0.1f)
          .build();

  @Test
  void convEncoderSatisfiesBlockContract() {
    BlockContract.verify(() -> new ConvEncoder(8, 5, 4.0, 0.5f, 0.1f), new Shape(2, 8, 6, 6));
  }

  @Test
  void sdtaEncoderSatisfiesBlockContract() {
    var xca = AttentionMechanisms.get("xca");
    BlockContract.verify(
        () -> new SdtaEncoder(AttentionSpec.of(16, 2), xca, 2, 4.0, true, 0.5f, 0f),
        new Shape(2, 16, 4, 5));
    // 40 channels in 3 groups: widths 14, 14 and 12, as torch.chunk.
    BlockContract.verify(
        () -> new SdtaEncoder(AttentionSpec.of(40, 4), xca, 3, 4.0, false, 0.5f, 0.1f),
        new Shape(2, 40, 3, 3));
  }

  @Test
  void sdtaEncoderTakesAnyTokenMixer() {
    BlockContract.verify(
        () ->
            new SdtaEncoder(
                AttentionSpec.of(16, 2), AttentionMechanisms.get("mhsa"), 2, 2.0, true, 1f, 0f),
        new Shape(2, 16, 3, 3));
  }

  @Test
  void sdtaSplitFollowsTorchChunk() {
    assertEquals(30, SdtaEncoder.groupWidth(88, 3));
    assertEquals(146, SdtaEncoder.groupWidth(584, 4));
    var e = assertThrows(IllegalArgumentException.class, () -> SdtaEncoder.groupWidth(5, 4));
    assertEquals("SDTA cannot split 5 channels into 4 groups of width 2", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SdtaEncoder.groupWidth(16, 1));
  }

  @Test
  void fourierFeaturesFollowTheSinusoidFormula() {
    try (NDManager manager = NDManager.newBaseManager()) {
      int h = 3;
      int w = 4;
      NDArray f = PositionalEncodingFourier.fourierFeatures(manager, h, w);
      assertEquals(new Shape(1, 64, h, w), f.getShape());
      // Row encoding, feature 0: sin(2 pi (i + 1) / h); column encoding, feature 3 (odd, pair
      // 1): cos(2 pi (j + 1) / w / 10000^(2/32)).
      for (int i = 0; i < h; i++) {
        float expected = (float) Math.sin(2 * Math.PI * (i + 1) / h);
        assertEquals(expected, f.get(new NDIndex(0, 0, i, 0)).getFloat(), 1e-5);
      }
      for (int j = 0; j < w; j++) {
        double angle = 2 * Math.PI * (j + 1) / w / Math.pow(10000, 2.0 / 32);
        assertEquals((float) Math.cos(angle), f.get(new NDIndex(0, 32 + 3, 0, j)).getFloat(), 1e-5);
      }
    }
  }

  @Test
  void smallBackboneSatisfiesBlockContract() {
    BlockContract.verify(TINY::newBlock, TINY.inputShape(2));
  }

  @Test
  void featuresModeAndOtherImageSizes() {
    EdgeNeXtConfig features = TINY.toBuilder().optNumClasses(0).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = features.newBlock();
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 64, 48));
      var out = BlockContract.shapesAgree(manager, block, new Shape(2, 1, 64, 48));
      assertEquals(new Shape(2, 24), out.getShape());
    }
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = MICRO.newBlock();
      block.initialize(manager, DataType.FLOAT32, MICRO.inputShape(1));
      BlockContract.rejects(manager, block, new Shape(1, 3, 64, 64), "channels");
      BlockContract.rejects(manager, block, new Shape(1, 1, 16, 64), "32x32");
      BlockContract.rejects(manager, block, new Shape(1, 64, 64), "rank-4");
    }
  }

  @Test
  void encodersRejectBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var conv = new ConvEncoder(8, 3, 4.0, 1f, 0f);
      conv.initialize(manager, DataType.FLOAT32, new Shape(1, 8, 4, 4));
      BlockContract.rejects(manager, conv, new Shape(1, 6, 4, 4), "channels");
      var sdta =
          new SdtaEncoder(
              AttentionSpec.of(16, 2), AttentionMechanisms.get("xca"), 2, 4.0, true, 1f, 0f);
      sdta.initialize(manager, DataType.FLOAT32, new Shape(1, 16, 3, 3));
      BlockContract.rejects(manager, sdta, new Shape(1, 8, 3, 3), "channels");
      BlockContract.rejects(manager, sdta, new Shape(1, 9, 16), "rank-4");
    }
  }

  @Test
  void configValidationNamesTheProblem() {
    var b = MICRO.toBuilder();
    var e = assertThrows(IllegalArgumentException.class, () -> b.optHeads(3, 3, 3, 3).build());
    assertEquals("dims[1] 32 is not divisible by heads[1] 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.optHeads(2, 2).build());
    assertTrue(e.getMessage().startsWith("heads needs one entry per stage (4"), e.getMessage());
  }

  @Test
  void trainingReducesTheLoss() {
    float[] loss = TrainingSmoke.firstAndLastLoss(MICRO.newBlock(), MICRO.inputShape(4), 10, 12);
    System.out.printf("training smoke loss %.4f -> %.4f%n", loss[0], loss[1]);
    assertTrue(loss[1] < 0.5f * loss[0], "loss " + loss[0] + " -> " + loss[1]);
  }
}
