package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Application;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** attnzoo behaves as DJL's own zoos do: DJL's Criteria, MRL and ModelZoo APIs, used as-is. */
class ZooContractTest {

  private static final String MICRO = "vit_micro_patch4_32";

  // With the group id: without it DJL also asks the engines' own zoos, which go to the network.
  private static Criteria.Builder<Image, Classifications> images() {
    return Criteria.builder()
        .setTypes(Image.class, Classifications.class)
        .optGroupId(AttnZoo.GROUP_ID)
        .optApplication(Application.CV.IMAGE_CLASSIFICATION);
  }

  private static Image randomImage(NDManager manager) {
    return ImageFactory.getInstance()
        .fromNDArray(
            manager.randomUniform(0, 255, new Shape(28, 28, 3)).toType(DataType.UINT8, false));
  }

  @Test
  void applicationAloneLoadsTheMostAccurateShippedModel() throws Exception {
    ShippedModels.Shipped best = ShippedModels.best("fashion-mnist").orElseThrow();
    // Every loader is asked (in DJL's hash order): all but one say ModelNotFoundException.
    try (ZooModel<Image, Classifications> model = images().build().loadModel();
        Predictor<Image, Classifications> p = model.newPredictor();
        NDManager manager = NDManager.newBaseManager()) {
      assertEquals(best.variant(), model.getName());
      Classifications c = p.predict(randomImage(manager));
      assertTrue(Labels.of("fashion-mnist").contains(c.best().getClassName()));
    }
  }

  @Test
  void filtersSelectTheDefaultAmongMatchingShippedModels() throws Exception {
    try (ZooModel<Image, Classifications> model =
        images().optFilter("family", "swin").build().loadModel()) {
      assertEquals("swin_micro_patch2_window4_32", model.getName());
    }
    var e =
        assertThrows(
            ModelNotFoundException.class,
            () -> images().optFilter("family", "vitt").build().loadModel());
    String why = e.getCause().getMessage();
    assertTrue(why.contains("no artifact has family 'vitt' (did you mean vit?)"), why);
  }

  @Test
  void weightsWithoutAVariantAskForOne() {
    var e =
        assertThrows(
            ModelNotFoundException.class,
            () -> images().optArgument("weights", "x.safetensors").build().loadModel());
    assertTrue(e.getCause().getMessage().contains("optArtifactId"), e.getCause().getMessage());
  }

  @Test
  void wrongArtifactIdIsNamedWithTheClosestVariants() {
    Criteria<Image, Classifications> c = images().optArtifactId("vit_micro_patch4_23").build();
    // DJL filters artifact ids before it asks the zoo: its own message cannot say more.
    assertThrows(ModelNotFoundException.class, c::loadModel);
    var e = assertThrows(ModelNotFoundException.class, () -> AttnZooModelZoo.loadModel(c));
    assertTrue(e.getMessage().contains("'vit_micro_patch4_23'"), e.getMessage());
    assertTrue(e.getMessage().contains("Did you mean vit_micro_patch4_32"), e.getMessage());

    var f =
        assertThrows(
            ModelNotFoundException.class,
            () -> images().optFilter("variant", "vit_mini_patch4_82").build().loadModel());
    String why = f.getCause().getMessage();
    assertTrue(why.contains("Did you mean vit_mini_patch4_28"), why);
  }

  @Test
  void everyMrlListsItsArtifactsAndHasADefault() throws Exception {
    ModelZoo zoo = ModelZoo.getModelZoo(AttnZoo.GROUP_ID);
    assertEquals(Variants.ALL.size(), zoo.getModelLoaders().size());
    for (ModelLoader loader : zoo.getModelLoaders()) {
      MRL mrl = loader.getMrl();
      List<Artifact> artifacts = mrl.listArtifacts();
      assertFalse(artifacts.isEmpty(), mrl.toString());
      Artifact first = mrl.getDefaultArtifact();
      assertNotNull(first, mrl.toString());
      Map<String, String> p = first.getProperties();
      Variant v = Variants.get(loader.getArtifactId());
      assertEquals(v.name(), p.get("variant"));
      assertEquals(v.family(), p.get("family"));
      assertEquals(String.valueOf(v.reference().params()), p.get("params"));
      boolean ships = ShippedModels.all().stream().anyMatch(s -> s.variant().equals(v.name()));
      // The default artifact is the shipped model where one exists.
      assertEquals(String.valueOf(ships), p.get("shipped"), v.name());
    }
    MRL micro = zoo.getModelLoader(MICRO).getMrl();
    assertEquals("1x32x32", micro.getDefaultArtifact().getProperties().get("inputSize"));
    assertEquals("mhsa", micro.getDefaultArtifact().getProperties().get("mechanism"));
    assertNotNull(micro.match(Map.of("dataset", "fashion-mnist")));
    assertNull(micro.match(Map.of("dataset", "imagenet")));
    assertEquals(
        "hydra",
        zoo.getModelLoader("vit_micro_patch4_32_hydra")
            .getMrl()
            .getDefaultArtifact()
            .getProperties()
            .get("mechanism"));
  }

  @Test
  void datasetFilterNarrowsTheListedModels() throws Exception {
    Criteria<Image, Classifications> c = images().optFilter("dataset", "fashion-mnist").build();
    Set<String> shipped =
        ShippedModels.all().stream()
            .map(ShippedModels.Shipped::variant)
            .collect(Collectors.toSet());
    Set<String> listed =
        AttnZooModelZoo.listArtifacts(c).stream()
            .map(a -> a.getProperties().get("variant"))
            .collect(Collectors.toSet());
    assertEquals(shipped, listed);
    // The same with DJL's own API: listModels, then each MRL's match on the filters.
    Set<String> viaDjl =
        ModelZoo.listModels(c).values().stream()
            .flatMap(List::stream)
            .filter(m -> AttnZoo.GROUP_ID.equals(m.getGroupId()))
            .filter(
                m -> {
                  try {
                    return m.match(c.getFilters()) != null;
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })
            .map(MRL::getArtifactId)
            .collect(Collectors.toSet());
    assertEquals(shipped, viaDjl);
  }

  @Test
  void unknownArgumentsAreNamedWithTheKnownOnes() {
    var e =
        assertThrows(
            ModelNotFoundException.class,
            () ->
                Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optGroupId(AttnZoo.GROUP_ID)
                    .optArtifactId(MICRO)
                    .optArgument("randomInit", true)
                    .optArgument("numClases", 5)
                    .build()
                    .loadModel());
    String why = e.getCause().getMessage();
    assertTrue(why.contains("'numClases' (did you mean numClasses?)"), why);
    assertTrue(why.contains(String.join(", ", AttnZooModelZoo.ARGUMENTS)), why);
  }
}
