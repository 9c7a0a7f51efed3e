package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.VitCheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;

/**
 * ViT at non-square input sizes against timm 1.0.29, and weights trained at another size loaded
 * through timm's {@code checkpoint_filter_fn} (position embedding resampled).
 */
class VitInputSizeParityTest {

  // timm vit_tiny_patch16_224(patch_size=4, embed_dim=32, depth=2, num_heads=2, num_classes=10)
  private static VitConfig.Builder micro() {
    return VitConfig.builder().setSize(32, 2, 2).optNumClasses(10);
  }

  @Test
  void nonSquareMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/vit_micro_32x48: img_size=(32, 48)
      VitConfig config = micro().setImage(32, 48, 4).build();
      assertEquals(new Shape(3, 32, 48), config.inputShape());
      assertEquals(8 * 12, config.numPatches());
      double err =
          Fixture.of("models/vit_micro_32x48")
              .maxAbsError(manager, config.newBlock(), VitCheckpointMapper.INSTANCE);
      System.out.printf("parity vit_micro 32x48 max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void weightsFromAnotherSizeAreResampledAsTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/vit_micro_48x32_from_32: weights drawn at img_size=32 (8x8 grid), loaded by timm's
      // checkpoint_filter_fn into img_size=(48, 32) (12x8 grid).
      Fixture fixture = Fixture.of("models/vit_micro_48x32_from_32");
      assertEquals(new Shape(1, 65, 32), fixture.weights().get("pos_embed").shape());
      VitConfig config = micro().setImage(32, 4).optImgSize(48, 32).build();
      double err = fixture.maxAbsError(manager, config.newBlock(), VitCheckpointMapper.INSTANCE);
      System.out.printf(
          "parity vit_micro 32 -> 48x32 (pos_embed resampled) max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void withoutTheVitMapperTheSizeMismatchIsReported() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = micro().setImage(48, 32, 4).build().newBlock();
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 48, 32));
      var weights = Fixture.of("models/vit_micro_48x32_from_32").weights();
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> WeightImporter.load(block, weights, CheckpointMapper.IDENTITY));
      assertTrue(e.getMessage().contains("shape mismatch for 'pos_embed'"), e.getMessage());
    }
  }

  @Test
  void aNonSquareStoredGridIsReportedNotGuessed() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // pos_embed of the 32x48 fixture: 8x12 grid tokens, which timm cannot resample without
      // old_size either (it assumes a square grid); the importer names the key and the reason.
      Block block = micro().setImage(32, 32, 4).build().newBlock();
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
      var weights = Fixture.of("models/vit_micro_32x48").weights();
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> WeightImporter.load(block, weights, VitCheckpointMapper.INSTANCE));
      assertTrue(e.getMessage().contains("cannot adapt 'pos_embed'"), e.getMessage());
      assertTrue(e.getMessage().contains("not a square grid"), e.getMessage());
    }
  }
}
