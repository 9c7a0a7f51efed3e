package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Reference;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.parity.Fixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads by Hub id and by URL against a stand-in for the Hub on the loopback address ({@link
 * HubServer}): one download, verified and kept in the cache, then the cache alone, offline too.
 * Nothing here reaches beyond the loopback address.
 */
class WeightsCacheTest {

  /** timm's weights of the {@code models/vit_micro} parity fixture, as a Hub repository. */
  private static final String REPO = "timm/vit_micro_fixture";

  private static HubServer hub;
  private static byte[] fixture;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    fixture = Files.readAllBytes(fixtureDir().resolve("weights.safetensors"));
    hub = new HubServer();
    hub.publish(REPO, fixture);
  }

  @AfterAll
  static void stop() {
    hub.close();
  }

  private static Path fixtureDir() throws Exception {
    return Path.of(WeightsCacheTest.class.getResource("/fixtures/models/vit_micro").toURI());
  }

  @Test
  void aHubIdIsDownloadedOnceThenReadFromTheCacheOffline() throws Exception {
    WeightsCache online = new WeightsCache(tmp, hub.endpoint(), false);
    int before = hub.requests().size();
    Path file = online.resolve("hf-hub:" + REPO);

    assertEquals(tmp.resolve("hub/timm/vit_micro_fixture/main/model.safetensors"), file);
    assertArrayEquals(fixture, Files.readAllBytes(file));
    // The Hub's layout: resolve/<revision>/model.safetensors, then the storage it redirects to.
    assertEquals(
        List.of("/" + REPO + "/resolve/main/model.safetensors", "/storage/" + REPO),
        hub.requests().subList(before, hub.requests().size()));
    // sha256sum's format, beside the file.
    assertEquals(
        HubServer.sha256(fixture) + "  model.safetensors\n",
        Files.readString(file.resolveSibling("model.safetensors.sha256")));

    int afterDownload = hub.requests().size();
    assertEquals(file, online.resolve("hf-hub:" + REPO));
    assertEquals(file, new WeightsCache(tmp, hub.endpoint(), true).resolve("hf-hub:" + REPO));
    assertEquals(afterDownload, hub.requests().size(), "the cache is used without the network");

    // The downloaded file is timm's: the model it fills gives timm's output on the fixture.
    VitConfig config =
        VitConfig.builder().setImage(32, 4).setSize(64, 2, 2).optNumClasses(10).build();
    Variant v =
        new Variant(
            "vit_micro_fixture",
            config,
            DataConfig.IMAGENET_INCEPTION,
            new Reference(0, null, null, "fixture"));
    Fixture reference = Fixture.of("models/vit_micro");
    try (Model model = AttnZoo.load(v, file.toString(), Device.cpu(), null);
        NDManager manager = model.getNDManager().newSubManager()) {
      NDArray out =
          model
              .getBlock()
              .forward(
                  new ParameterStore(manager, false),
                  new NDList(reference.array(manager, "input.npy")),
                  false)
              .head();
      double err =
          out.toType(DataType.FLOAT64, false)
              .sub(reference.expected(manager))
              .abs()
              .max()
              .getDouble();
      assertTrue(err < Fixture.TOLERANCE, "max abs error vs timm " + err);
    }
  }

  @Test
  void offlineWithoutTheFileSaysWhereItWouldBeAndHowToGetIt() {
    WeightsCache offline = new WeightsCache(tmp, hub.endpoint(), true);
    int before = hub.requests().size();
    IOException e = assertThrows(IOException.class, () -> offline.resolve("hf-hub:" + REPO));
    String m = e.getMessage();
    assertTrue(m.contains("hf-hub:" + REPO), m);
    assertTrue(
        m.contains(tmp.resolve("hub/timm/vit_micro_fixture/main/model.safetensors").toString()), m);
    assertTrue(m.contains("DJL_OFFLINE=false"), m);
    assertTrue(m.contains(hub.endpoint() + "/" + REPO + "/resolve/main/model.safetensors"), m);
    assertEquals(before, hub.requests().size());
  }

  @Test
  void aDamagedDownloadIsNotKept() throws Exception {
    hub.publish("timm/damaged", fixture);
    hub.announce("timm/damaged", HubServer.sha256("other bytes".getBytes(StandardCharsets.UTF_8)));
    WeightsCache online = new WeightsCache(tmp, hub.endpoint(), false);
    IOException e = assertThrows(IOException.class, () -> online.resolve("hf-hub:timm/damaged"));
    assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    assertTrue(e.getMessage().contains(HubServer.sha256(fixture)), e.getMessage());
    Path folder = tmp.resolve("hub/timm/damaged/main");
    try (Stream<Path> left = Files.list(folder)) {
      assertEquals(List.of(), left.toList(), "neither the file, its checksum nor a temporary");
    }
  }

  @Test
  void anUnknownRepositoryIsNamedWithTheServersAnswer() {
    WeightsCache online = new WeightsCache(tmp, hub.endpoint(), false);
    IOException e =
        assertThrows(IOException.class, () -> online.resolve("hf-hub:timm/no_such_model.in1k"));
    assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    assertTrue(e.getMessage().contains("hf-hub:timm/no_such_model.in1k"), e.getMessage());
    assertFalse(
        WeightsCache.isCached(online.cachePath(HubId.parse("hf-hub:timm/no_such_model.in1k"))));
  }

  @Test
  void urlsAreCachedByAddress() throws Exception {
    hub.serve("/files/w.safetensors", fixture);
    String url = hub.endpoint() + "/files/w.safetensors";
    WeightsCache online = new WeightsCache(tmp, hub.endpoint(), false);
    Path file = online.resolve(url);
    String key = HubServer.sha256(url.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    assertEquals(tmp.resolve("url").resolve(key).resolve("w.safetensors"), file);
    assertArrayEquals(fixture, Files.readAllBytes(file));
    // The server's ETag is no SHA-256: the file's own is kept.
    assertTrue(
        Files.readString(WeightsCache.checksumFile(file)).startsWith(HubServer.sha256(fixture)));
    int after = hub.requests().size();
    assertEquals(file, new WeightsCache(tmp, hub.endpoint(), true).resolve(url));
    assertEquals(after, hub.requests().size());
  }

  @Test
  void pathsAndFileUrlsAreLocal() throws Exception {
    WeightsCache offline = new WeightsCache(tmp, hub.endpoint(), true);
    assertEquals(Path.of("some/w.params"), offline.resolve("some/w.params"));
    Path f = tmp.resolve("w.safetensors");
    assertEquals(f, offline.resolve(f.toUri().toString()));
  }

  @Test
  void theEndpointMustBeAnHttpAddress() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new WeightsCache(tmp, URI.create("ftp://mirror.example/"), false));
    assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
  }
}
