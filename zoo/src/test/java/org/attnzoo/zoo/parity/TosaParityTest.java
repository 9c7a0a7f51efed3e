package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.tosa.TosaTraining;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;

/**
 * ToSA has no reference implementation; at keep ratio 1 every token attends, so a ToSA ViT must
 * reproduce timm's dense ViT. Checked on the vit_micro fixture with timm's weights moved in through
 * {@link TosaTraining#copyBackbone}, the stage 1 to 2 path.
 */
class TosaParityTest {

  @Test
  void keepRatioOneMatchesTimmDenseVit() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/vit_micro: timm vit_tiny_patch16_224(img_size=32, patch_size=4, embed_dim=64,
      // depth=2, num_heads=2, num_classes=10); ToSA layer 1 reads layer 0's attention.
      VitConfig dense =
          VitConfig.builder().setImage(32, 4).setSize(64, 2, 2).optNumClasses(10).build();
      VitConfig tosa = dense.toBuilder().optLayers(TosaLayers.alternate(2, 1.0)).build();
      Fixture fixture = Fixture.of("models/vit_micro");
      NDArray input = fixture.array(manager, "input.npy");
      VisionTransformer teacher = dense.newBlock();
      VisionTransformer student = tosa.newBlock();
      teacher.initialize(manager, DataType.FLOAT32, input.getShape());
      student.initialize(manager, DataType.FLOAT32, input.getShape());
      WeightImporter.load(teacher, fixture.weights(), CheckpointMapper.IDENTITY);
      TosaTraining.copyBackbone(teacher, student);
      NDArray out =
          student
              .forward(new ParameterStore(manager, false), new NDList(input), false)
              .singletonOrThrow();
      double err =
          out.toType(DataType.FLOAT64, false)
              .sub(fixture.expected(manager))
              .abs()
              .max()
              .getDouble();
      System.out.printf("parity vit_micro ToSA keep 1.0 max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void variantsCarryTheKeepRatio() {
    var tiny = (VitConfig) Variants.get("vit_tiny_patch16_224_tosa").config();
    var micro = (VitConfig) Variants.get("vit_micro_patch4_32_tosa").config();
    assertEquals(0.7, ((TosaLayers) tiny.layers()).keepRatio());
    assertEquals(0.5, ((TosaLayers) micro.layers()).keepRatio());
    assertEquals(
        ((VitConfig) Variants.get("vit_tiny_patch16_224").config()),
        tiny.toBuilder().optLayers(org.attnzoo.backbones.vit.VitLayerFactory.DENSE).build());
  }
}
