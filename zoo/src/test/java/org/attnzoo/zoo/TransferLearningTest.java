package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.attnzoo.backbones.Backbone;
import org.attnzoo.nn.ParameterPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New classifiers on loaded backbones, and .params files saved by DJL's own Model.save. */
class TransferLearningTest {

  private static final String MICRO = "vit_micro_patch4_32";

  @TempDir Path tmp;

  private Path shipped(String variant) throws Exception {
    Path file = tmp.resolve(variant + "-fashion-mnist.params");
    try (InputStream in =
        getClass()
            .getResourceAsStream(
                ShippedModels.find(variant, "fashion-mnist").orElseThrow().resource())) {
      Files.copy(in, file);
    }
    return file;
  }

  private static NDArray forward(Model model, NDArray x) {
    return model
        .getBlock()
        .forward(new ParameterStore(model.getNDManager(), false), new NDList(x), false)
        .head();
  }

  @Test
  void everyFamilysClassifierIsFoundAndReset() {
    Set<String> micro =
        Set.of(
            "vit_micro_patch4_32",
            "swin_micro_patch2_window4_32",
            "edgenext_micro_64",
            "swiftformer_micro_64",
            "efficientvit_micro_32",
            "conv2former_micro_32");
    for (String name : micro) {
      Variant v = Variants.get(name);
      Set<String> head = TransferLearning.classifierPaths(v);
      assertFalse(head.isEmpty(), name);
      try (Model model = AttnZoo.newModel(v, Device.cpu(), null);
          NDManager manager = NDManager.newBaseManager()) {
        Map<String, float[]> before = new java.util.HashMap<>();
        ParameterPaths.of(model.getBlock())
            .forEach((k, p) -> before.put(k, p.getArray().toFloatArray()));
        TransferLearning.Report r = TransferLearning.resetClassifier(model, v, 3);
        assertEquals(head, r.newHead().keySet(), name);
        assertEquals(head, r.skipped().keySet(), name);
        NDArray y = forward(model, manager.randomNormal(v.config().inputShape(2)));
        assertEquals(new Shape(2, 3), y.getShape(), name);
        ParameterPaths.of(model.getBlock())
            .forEach(
                (k, p) -> {
                  if (!head.contains(k)) {
                    assertTrue(
                        java.util.Arrays.equals(before.get(k), p.getArray().toFloatArray()),
                        name + " " + k + " changed");
                  }
                });
      }
    }
    assertEquals(
        Set.of("head.weight", "head.bias"),
        TransferLearning.classifierPaths(Variants.get("vit_micro_patch4_32")));
  }

  @Test
  void numClassesArgumentKeepsTheBackboneAndFreezes() throws Exception {
    Variant v = Variants.get(MICRO);
    Path weights = shipped(MICRO);
    try (Model ten = AttnZoo.load(v, weights.toString(), Device.cpu(), null);
        ZooModel<Image, Classifications> five =
            Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optGroupId(AttnZoo.GROUP_ID)
                .optArtifactId(MICRO)
                .optFilter("dataset", "fashion-mnist")
                .optArgument("numClasses", 5)
                .optArgument("freezeBackbone", true)
                .optArgument("labels", List.of("a", "b", "c", "d", "e"))
                .build()
                .loadModel();
        Predictor<Image, Classifications> p = five.newPredictor();
        NDManager manager = NDManager.newBaseManager()) {
      Map<String, Parameter> from = ParameterPaths.of(ten.getBlock());
      Set<String> head = TransferLearning.classifierPaths(v);
      for (Map.Entry<String, Parameter> e : ParameterPaths.of(five.getBlock()).entrySet()) {
        Parameter param = e.getValue();
        if (head.contains(e.getKey())) {
          assertEquals(5, param.getArray().getShape().get(0), e.getKey());
          assertTrue(param.requiresGradient(), e.getKey());
        } else {
          assertTrue(param.getArray().contentEquals(from.get(e.getKey()).getArray()), e.getKey());
          assertFalse(param.requiresGradient(), e.getKey() + " should be frozen");
        }
      }
      String report = five.getProperty(TransferLearning.REPORT);
      assertTrue(report.contains("skipped from the weights: {head.weight=(10, 64)"), report);
      Image image =
          ImageFactory.getInstance()
              .fromNDArray(
                  manager
                      .randomUniform(0, 255, new Shape(32, 32, 3))
                      .toType(DataType.UINT8, false));
      Classifications c = p.predict(image);
      assertEquals(5, c.items().size());
      assertTrue(List.of("a", "b", "c", "d", "e").contains(c.best().getClassName()));
    }
  }

  @Test
  void fineTunedWeightsWithTheNewClassCountLoadWhole() throws Exception {
    Variant v = Variants.get(MICRO);
    Path saved = tmp.resolve("five.params");
    float[] head;
    try (Model five = TransferLearning.load(v, shipped(MICRO).toString(), 5, Device.cpu())) {
      head = ParameterPaths.of(five.getBlock()).get("head.weight").getArray().toFloatArray();
      org.attnzoo.zoo.weights.ParamsFile.save(
          five.getBlock(), MICRO, v.config().inputShape(1), Map.of(), saved);
    }
    try (Model again = TransferLearning.load(v, saved.toString(), 5, Device.cpu())) {
      float[] back =
          ParameterPaths.of(again.getBlock()).get("head.weight").getArray().toFloatArray();
      assertTrue(java.util.Arrays.equals(head, back));
    }
    // Into another architecture: the backbone does not fit, nothing is loaded.
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TransferLearning.load(
                    Variants.get("vit_mini_patch4_28"), saved.toString(), 5, Device.cpu()));
    assertTrue(e.getMessage().contains("vit_micro_patch4_32"), e.getMessage());
  }

  @Test
  void paramsSavedByDjlModelSaveLoadByVariant() throws Exception {
    Variant v = Variants.get(MICRO);
    Path dir = tmp.resolve("djl");
    try (Model djl = Model.newInstance("vit-djl");
        NDManager manager = NDManager.newBaseManager()) {
      djl.setBlock(v.config().newBlock());
      djl.getBlock().initialize(djl.getNDManager(), DataType.FLOAT32, v.config().inputShape(1));
      djl.save(dir, "vit-djl");
      Path file = dir.resolve("vit-djl-0000.params");
      assertTrue(Files.isRegularFile(file), "DJL names it <prefix>-NNNN.params");
      NDArray x = manager.randomNormal(v.config().inputShape(2));
      float[] expected = forward(djl, x).toFloatArray();
      try (ZooModel<NDList, NDList> model =
              Criteria.builder()
                  .setTypes(NDList.class, NDList.class)
                  .optGroupId(AttnZoo.GROUP_ID)
                  .optArtifactId(MICRO)
                  .optArgument("weights", file.toString())
                  .build()
                  .loadModel();
          Predictor<NDList, NDList> p = model.newPredictor()) {
        float[] got = p.predict(new NDList(x)).head().toFloatArray();
        assertTrue(java.util.Arrays.equals(expected, got));
      }
      // No header to check, but the shapes still are: another variant refuses it, naming a shape.
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  AttnZoo.load(
                      Variants.get("vit_mini_patch4_28"), file.toString(), Device.cpu(), null));
      assertTrue(e.getMessage().contains("vit-djl-0000.params"), e.getMessage());
    }
  }

  /**
   * The reset is timm's {@code reset_classifier}: the model keeps its block, that block keeps its
   * configuration (here a ToSA keep ratio other than the variant's, as a trained file sets it) and
   * every array but the classifier's, frozen ones staying frozen.
   */
  @Test
  void resetKeepsTheModelsBlockConfigurationArraysAndFreezing() {
    Variant tosa = Variants.get("vit_micro_patch4_32_tosa");
    double keep = TosaVariants.layers(tosa).keepRatio() == 0.75 ? 0.5 : 0.75;
    Variant trained = TosaVariants.withKeepRatio(tosa, keep);
    try (Model model = AttnZoo.newModel(trained, Device.cpu(), null)) {
      Block block = model.getBlock();
      Set<String> head = TransferLearning.classifierPaths(tosa);
      TransferLearning.freezeBackbone(model, tosa, true);
      Map<String, NDArray> before = new java.util.HashMap<>();
      ParameterPaths.of(block).forEach((k, p) -> before.put(k, p.getArray()));

      TransferLearning.Report r = TransferLearning.resetClassifier(model, tosa, 3);
      assertSame(block, model.getBlock());
      assertEquals(trained.config().withNumClasses(3), ((Backbone) block).config());
      assertEquals(before.size() - head.size(), r.loaded());
      ParameterPaths.of(block)
          .forEach(
              (k, p) -> {
                if (head.contains(k)) {
                  assertNotSame(before.get(k), p.getArray(), k);
                  assertEquals(3, p.getArray().getShape().get(0), k);
                  assertTrue(p.requiresGradient(), k + ": the new head trains");
                } else {
                  assertSame(before.get(k), p.getArray(), k);
                  assertFalse(p.requiresGradient(), k + " should stay frozen");
                }
              });
    }
  }

  @Test
  void anotherBackboneIsRefusedAndLeftAsItWas() {
    Variant micro = Variants.get(MICRO);
    try (Model mini = AttnZoo.newModel(Variants.get("vit_mini_patch4_28"), Device.cpu(), null);
        Model linear = Model.newInstance("linear")) {
      Block block = mini.getBlock();
      Map<String, NDArray> before = new java.util.HashMap<>();
      ParameterPaths.of(block).forEach((k, p) -> before.put(k, p.getArray()));
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TransferLearning.resetClassifier(mini, micro, 3));
      assertTrue(e.getMessage().contains("not that of " + MICRO), e.getMessage());
      assertTrue(e.getMessage().contains("pos_embed"), e.getMessage());
      assertSame(block, mini.getBlock());
      assertEquals(
          Variants.get("vit_mini_patch4_28").config(), ((Backbone) block).config(), "unchanged");
      ParameterPaths.of(block).forEach((k, p) -> assertSame(before.get(k), p.getArray(), k));

      linear.setBlock(Linear.builder().setUnits(3).build());
      linear.getBlock().initialize(linear.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      var notBackbone =
          assertThrows(
              IllegalArgumentException.class,
              () -> TransferLearning.resetClassifier(linear, micro, 3));
      assertTrue(
          notBackbone.getMessage().contains("not an attnzoo backbone"), notBackbone.getMessage());
    }
  }
}
