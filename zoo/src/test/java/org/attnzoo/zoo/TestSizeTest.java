package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import org.attnzoo.zoo.image.ClassificationTranslator;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code optArgument("testSize", true)}: timm's {@code test_input_size} / {@code test_crop_pct}
 * (edgenext_xx_small: 288 at crop 1.0, where timm's results-imagenet.csv has 71.89 top-1 against
 * 71.13 at 256), for the backbone and the translator alike.
 */
class TestSizeTest {

  private static final String EDGENEXT = "edgenext_xx_small";

  @TempDir Path tmp;

  @Test
  void atTestSizeIsTimmsTestConfig() {
    Variant v = Variants.get(EDGENEXT).atTestSize();
    assertArrayEquals(new int[] {3, 288, 288}, v.data().inputSize());
    assertEquals(1.0, v.data().cropPct(), 0.0);
    assertEquals(new Shape(3, 288, 288), v.config().inputShape());
    // mean, std, interpolation and crop mode are those of the train-size config
    DataConfig base = Variants.get(EDGENEXT).data();
    assertArrayEquals(base.mean(), v.data().mean());
    assertEquals(base.interpolation(), v.data().interpolation());
  }

  /** The same timm weights load into the 288 model, which takes a 288x288 input. */
  @Test
  void criteriaLoadsTheModelAtItsTestSize() throws Exception {
    Variant v = Variants.get(EDGENEXT);
    Path weights = tmp.resolve("edgenext.safetensors");
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.randomNormal(new Shape(1, 3, 288, 288));
      NDArray expected;
      // Reference: the 256 model's own forward on a 288 input (EdgeNeXt is size-free).
      try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
        SafeTensors.write(
            WeightImporter.export(model.getBlock(), CheckpointMappers.forFamily(v.family())),
            weights);
        NDArray y =
            model
                .getBlock()
                .forward(new ParameterStore(model.getNDManager(), false), new NDList(x), false)
                .head();
        expected = manager.create(y.toFloatArray(), y.getShape());
      }
      Criteria<NDList, NDList> c =
          Criteria.builder()
              .setTypes(NDList.class, NDList.class)
              .optGroupId(AttnZoo.GROUP_ID)
              .optArtifactId(EDGENEXT)
              .optArgument("weights", weights.toString())
              .optArgument("testSize", true)
              .build();
      try (ZooModel<NDList, NDList> model = c.loadModel();
          Predictor<NDList, NDList> p = model.newPredictor()) {
        NDArray y = p.predict(new NDList(x)).head();
        assertEquals(new Shape(1, 1000), y.getShape());
        assertTrue(y.allClose(expected, 1e-5, 1e-5, false));
      }
    }
  }

  /** The image translator preprocesses at 288, crop 1.0. */
  @Test
  void imageTranslatorUsesTheTestSizeDataConfig() throws Exception {
    Criteria<Image, Classifications> c =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(EDGENEXT)
            .optArgument("randomInit", true)
            .optArgument("testSize", true)
            .build();
    try (ZooModel<Image, Classifications> model = c.loadModel()) {
      DataConfig d = ((ClassificationTranslator) model.getTranslator()).transform().config();
      assertArrayEquals(new int[] {3, 288, 288}, d.inputSize());
      assertEquals(1.0, d.cropPct(), 0.0);
    }
  }

  @Test
  void variantWithoutTestSizeIsRefused() {
    Criteria<NDList, NDList> c =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId("vit_micro_patch4_32")
            .optArgument("randomInit", true)
            .optArgument("testSize", true)
            .build();
    var e = assertThrows(IllegalArgumentException.class, c::loadModel);
    String why = e.getMessage();
    assertTrue(why.contains("vit_micro_patch4_32 has no test size"), why);
    assertTrue(why.contains("edgenext_xx_small, edgenext_x_small"), why);
  }
}
