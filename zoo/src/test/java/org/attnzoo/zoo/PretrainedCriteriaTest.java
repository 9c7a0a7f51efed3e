package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.Utils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.HubServer;
import org.attnzoo.zoo.weights.WeightImporter;
import org.attnzoo.zoo.weights.WeightsCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code optArgument("pretrained", true)} and Hub ids through DJL's Criteria. DJL's cache folder
 * ({@code DJL_CACHE_DIR}) is a temporary folder and the Hub ({@code HF_ENDPOINT}) a server on the
 * loopback address, so that nothing here reaches the internet; the build runs the tests in DJL's
 * offline mode, as a user without network would.
 */
class PretrainedCriteriaTest {

  private static final String TINY = "vit_tiny_patch16_224";

  @TempDir static Path cache;

  private static HubServer hub;

  @BeforeAll
  static void start() throws IOException {
    hub = new HubServer();
    System.setProperty("DJL_CACHE_DIR", cache.toString());
    System.setProperty(WeightsCache.ENDPOINT_VARIABLE, hub.endpoint().toString());
  }

  @AfterAll
  static void stop() {
    System.clearProperty("DJL_CACHE_DIR");
    System.clearProperty(WeightsCache.ENDPOINT_VARIABLE);
    hub.close();
  }

  private static Criteria.Builder<NDList, NDList> raw() {
    return Criteria.builder().setTypes(NDList.class, NDList.class).optGroupId(AttnZoo.GROUP_ID);
  }

  /**
   * The first run downloads timm's repository for the row into the cache (here from the stand-in
   * Hub); later runs, offline, load it by {@code pretrained} or by its Hub id alone.
   */
  @Test
  void pretrainedLoadsTheRowsTimmRepositoryFromTheCache() throws Exception {
    String id = HubIdsTimmTest.timmHubIds().get(TINY);
    Variant v = Variants.get(TINY);
    Path state = cache.resolve("published.safetensors");
    Map<String, Tensor> published;
    try (Model source = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportSafetensors(source, v, state);
      published = WeightImporter.export(source.getBlock(), CheckpointMapper.IDENTITY);
    }
    hub.publish(id, Files.readAllBytes(state));
    new WeightsCache(cache.resolve("attnzoo"), hub.endpoint(), false).resolve("hf-hub:" + id);
    assertTrue(hub.requests().contains("/" + id + "/resolve/main/model.safetensors"));
    int requests = hub.requests().size();

    try (ZooModel<NDList, NDList> model =
        raw().optArtifactId(TINY).optArgument("pretrained", true).build().loadModel()) {
      assertSame(published, model);
    }
    // A timm Hub id names its variant: no artifact id needed.
    try (ZooModel<NDList, NDList> model =
        raw().optArgument("weights", "hf-hub:" + id).build().loadModel()) {
      assertEquals(TINY, model.getName());
      assertSame(published, model);
    }
    assertEquals(requests, hub.requests().size(), "loaded from the cache, without the network");
  }

  private static void assertSame(Map<String, Tensor> expected, Model model) {
    Map<String, Tensor> loaded = WeightImporter.export(model.getBlock(), CheckpointMapper.IDENTITY);
    assertEquals(expected.keySet(), loaded.keySet());
    expected.forEach((k, t) -> assertArrayEquals(t.toFloats(), loaded.get(k).toFloats(), k));
  }

  @Test
  void offlineWithAnEmptyCacheSaysHowToGetTheWeights() {
    assertTrue(Utils.isOfflineMode(), "the build runs the tests with DJL_OFFLINE=true");
    Criteria<NDList, NDList> c =
        raw().optArtifactId("vit_small_patch16_224").optArgument("pretrained", true).build();
    IOException e = assertThrows(IOException.class, c::loadModel);
    String m = e.getMessage();
    assertTrue(m.contains("hf-hub:timm/vit_small_patch16_224.augreg_in21k_ft_in1k"), m);
    assertTrue(
        m.contains(
            cache
                .resolve(
                    "attnzoo/hub/timm/vit_small_patch16_224.augreg_in21k_ft_in1k/main/"
                        + "model.safetensors")
                .toString()),
        m);
    assertTrue(m.contains("DJL_OFFLINE=false"), m);
  }

  @Test
  void variantsWithoutTimmWeightsSayWhy() {
    String conv2former = reason(raw().optArtifactId("conv2former_n"));
    assertTrue(conv2former.contains("no timm weights: official checkpoints only"), conv2former);
    String micro = reason(raw().optArtifactId("vit_micro_patch4_32"));
    assertTrue(micro.contains("no published weights"), micro);
  }

  private static String reason(Criteria.Builder<NDList, NDList> builder) {
    Criteria<NDList, NDList> c = builder.optArgument("pretrained", true).build();
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class, c::loadModel);
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(" | ");
    }
    return all.toString();
  }

  @Test
  void weightsAndPretrainedTogetherAreRefused() {
    Criteria<NDList, NDList> c =
        raw()
            .optArtifactId(TINY)
            .optArgument("pretrained", true)
            .optArgument("weights", "w.safetensors")
            .build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::loadModel);
    assertTrue(e.getMessage().contains("not both"), e.getMessage());
  }

  /** Without weights, the message names the row's repository and the argument that loads it. */
  @Test
  void theHowToMessageOffersTheRowsRepository() {
    Criteria<NDList, NDList> c = raw().optArtifactId(TINY).build();
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class, c::loadModel);
    String why = e.getCause().getMessage();
    assertTrue(why.contains("optArgument(\"pretrained\", true)"), why);
    assertTrue(why.contains("timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k"), why);
  }
}
