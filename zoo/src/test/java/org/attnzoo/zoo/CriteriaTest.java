package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.ParamsFile;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading variants by name through DJL's Criteria, with weights from files. */
class CriteriaTest {

  private static final String MICRO = "vit_micro_patch4_32";

  @TempDir Path tmp;

  private static Criteria.Builder<NDList, NDList> raw() {
    return Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optGroupId(AttnZoo.GROUP_ID)
        .optArtifactId(MICRO);
  }

  /** Saves a randomly initialised micro model as .params and as a timm-style safetensors. */
  private NDArray saveReference(NDManager manager, NDArray x) throws Exception {
    Variant v = Variants.get(MICRO);
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      ParamsFile.save(
          model.getBlock(), MICRO, v.config().inputShape(1), Map.of(), tmp.resolve("m.params"));
      SafeTensors.write(
          WeightImporter.export(model.getBlock(), CheckpointMappers.forFamily(v.family())),
          tmp.resolve("m.safetensors"));
      NDArray y =
          model
              .getBlock()
              .forward(new ParameterStore(model.getNDManager(), false), new NDList(x), false)
              .head();
      return manager.create(y.toFloatArray(), y.getShape());
    }
  }

  @Test
  void rawTensorsWithParamsAndSafetensorsWeights() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.randomNormal(new Shape(3, 1, 32, 32));
      NDArray expected = saveReference(manager, x);
      for (String file : new String[] {"m.params", "m.safetensors"}) {
        Criteria<NDList, NDList> c =
            raw().optArgument("weights", tmp.resolve(file).toString()).build();
        try (ZooModel<NDList, NDList> model = c.loadModel();
            Predictor<NDList, NDList> p = model.newPredictor()) {
          NDArray y = p.predict(new NDList(x)).head();
          assertTrue(y.allClose(expected, 1e-6, 1e-6, false), file);
        }
      }
    }
  }

  @Test
  void variantFilterAndImageClassification() throws Exception {
    Criteria<Image, Classifications> c =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optFilter("variant", MICRO)
            .optArgument("randomInit", true)
            .build();
    try (ZooModel<Image, Classifications> model = c.loadModel();
        Predictor<Image, Classifications> p = model.newPredictor();
        NDManager manager = NDManager.newBaseManager()) {
      // An RGB image of another size: the translator converts to 32x32 grayscale.
      NDArray pixels =
          manager.randomUniform(0, 255, new Shape(45, 60, 3)).toType(DataType.UINT8, false);
      Image image = ImageFactory.getInstance().fromNDArray(pixels);
      Classifications out = p.predict(image);
      assertEquals(10, out.items().size());
      assertTrue(Labels.of("fashion-mnist").contains(out.best().getClassName()));
      double total =
          out.items().stream().mapToDouble(Classifications.Classification::getProbability).sum();
      assertEquals(1.0, total, 1e-4);
    }
  }

  @Test
  void unknownVariantListsKnownOnes() {
    Criteria<NDList, NDList> c =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optFilter("variant", "vit_nope")
            .optArgument("randomInit", true)
            .build();
    // DJL's convention: every loader says ModelNotFoundException, DJL's final one carries the
    // reason as its cause.
    var e = assertThrows(ModelNotFoundException.class, c::loadModel);
    String why = e.getCause().getMessage();
    assertTrue(why.contains("no variant 'vit_nope'"), why);
    assertTrue(why.contains("Known variants: vit_tiny_patch16_224"), why);
  }

  @Test
  void weightsAreRequiredUnlessRandomInitIsAsked() {
    var e = assertThrows(ModelNotFoundException.class, () -> raw().build().loadModel());
    String why = e.getCause().getMessage();
    assertTrue(why.contains("randomInit"), why);
    assertTrue(why.contains("optFilter(\"dataset\", \"fashion-mnist\")"), why);
  }

  @Test
  void badWeightFilesGiveClearErrors() throws Exception {
    Path garbage = tmp.resolve("garbage.safetensors");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    var e1 =
        assertThrows(
            IllegalArgumentException.class,
            () -> raw().optArgument("weights", garbage.toString()).build().loadModel());
    assertTrue(e1.getMessage().contains("not a valid safetensors file"), e1.getMessage());

    // Weights of another variant: named in the error.
    Variant tiny = Variants.get("vit_tiny_patch16_224");
    try (Model other = AttnZoo.newModel(tiny, Device.cpu(), null)) {
      ParamsFile.save(
          other.getBlock(),
          tiny.name(),
          tiny.config().inputShape(1),
          Map.of(),
          tmp.resolve("t.params"));
    }
    var e2 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                raw()
                    .optArgument("weights", tmp.resolve("t.params").toString())
                    .build()
                    .loadModel());
    assertTrue(e2.getMessage().contains("vit_tiny_patch16_224"), e2.getMessage());

    // A timm checkpoint of another size: key and both shapes are named.
    try (Model other = AttnZoo.newModel(tiny, Device.cpu(), null)) {
      SafeTensors.write(
          WeightImporter.export(other.getBlock(), CheckpointMappers.forFamily("vit")),
          tmp.resolve("t.safetensors"));
    }
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                raw()
                    .optArgument("weights", tmp.resolve("t.safetensors").toString())
                    .build()
                    .loadModel());
    assertTrue(e3.getMessage().contains("shape mismatch for 'pos_embed'"), e3.getMessage());
  }

  @Test
  void truncatedParamsFileIsRejected() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      saveReference(manager, manager.randomNormal(new Shape(1, 1, 32, 32)));
    }
    byte[] all = Files.readAllBytes(tmp.resolve("m.params"));
    Path cut = tmp.resolve("cut.params");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> raw().optArgument("weights", cut.toString()).build().loadModel());
    assertTrue(e.getMessage().contains("cut.params"), e.getMessage());
  }

  @Test
  void modelNotFoundForOtherTypes() {
    Criteria<String, String> c =
        Criteria.builder()
            .setTypes(String.class, String.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(MICRO)
            .optArgument("randomInit", true)
            .build();
    assertThrows(ModelNotFoundException.class, c::loadModel);
  }
}
