package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.HubId;
import org.attnzoo.zoo.weights.WeightsCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --pretrained} and {@code --weights hf-hub:...} on the command line, offline (as the build
 * runs the tests) with DJL's cache folder in a temporary folder holding what an earlier online run
 * downloaded. {@code HF_ENDPOINT} points at a closed port of the loopback address: nothing here can
 * reach the internet.
 */
class PretrainedCliTest {

  private static final String TINY = "vit_tiny_patch16_224";

  /** timm 1.0.29's {@code hf_hub_id} for {@code vit_tiny_patch16_224} (its default tag). */
  private static final String TINY_REPO = "timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k";

  @TempDir static Path cache;

  @TempDir Path tmp;

  @BeforeAll
  static void offlineCache() {
    System.setProperty("DJL_CACHE_DIR", cache.toString());
    System.setProperty(WeightsCache.ENDPOINT_VARIABLE, "http://127.0.0.1:9");
  }

  @AfterAll
  static void restore() {
    System.clearProperty("DJL_CACHE_DIR");
    System.clearProperty(WeightsCache.ENDPOINT_VARIABLE);
  }

  /** What a first, online, run leaves in the cache: the file and its SHA-256 beside it. */
  private static Path downloaded(Variant v, String repo) throws Exception {
    Path file =
        new WeightsCache(cache.resolve("attnzoo"), URI.create("http://127.0.0.1:9"), true)
            .cachePath(HubId.of(repo));
    Files.createDirectories(file.getParent());
    try (Model m = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportSafetensors(m, v, file);
    }
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    Files.writeString(WeightsCache.checksumFile(file), sha + "  model.safetensors\n");
    return file;
  }

  @Test
  void pretrainedAndTheHubIdExportTheCachedRepository() throws Exception {
    Path published = downloaded(Variants.get(TINY), TINY_REPO);
    Path byFlag = tmp.resolve("flag.safetensors");
    Path byId = tmp.resolve("id.safetensors");
    CliRun a =
        CliRun.of(
            "export",
            "--variant",
            TINY,
            "--pretrained",
            "--format",
            "safetensors",
            "--output",
            byFlag.toString());
    assertEquals(0, a.code(), a.err());
    // timm's repository names its variant: no --variant needed.
    CliRun b =
        CliRun.of(
            "export",
            "--weights",
            "hf-hub:" + TINY_REPO,
            "--format",
            "safetensors",
            "--output",
            byId.toString());
    assertEquals(0, b.code(), b.err());
    Map<String, Tensor> expected = SafeTensors.read(published);
    for (Path out : new Path[] {byFlag, byId}) {
      Map<String, Tensor> got = SafeTensors.read(out);
      assertEquals(expected.keySet(), got.keySet());
      expected.forEach((k, t) -> assertArrayEquals(t.toFloats(), got.get(k).toFloats(), k));
    }
  }

  @Test
  void offlineWithoutTheFileSaysHowToGetIt() {
    CliRun r =
        CliRun.of(
            "export",
            "--variant",
            "vit_small_patch16_224",
            "--pretrained",
            "--format",
            "safetensors",
            "--output",
            tmp.resolve("o.safetensors").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("hf-hub:timm/vit_small_patch16_224.augreg_in21k_ft_in1k"), r.err());
    assertTrue(r.err().contains(cache.resolve("attnzoo/hub/timm").toString()), r.err());
    assertTrue(r.err().contains("DJL_OFFLINE=false"), r.err());
  }

  @Test
  void conv2formerHasNoTimmWeights() {
    CliRun r =
        CliRun.of(
            "run",
            "--variant",
            "conv2former_n",
            "--pretrained",
            "--input",
            tmp.resolve("x.npy").toString(),
            "--output",
            tmp.resolve("y.npy").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no timm weights: official checkpoints only"), r.err());
  }

  @Test
  void pretrainedNeedsAVariantAndNoOtherWeights() {
    String out = tmp.resolve("o.onnx").toString();
    CliRun noVariant = CliRun.of("export", "--pretrained", "--output", out);
    assertEquals(2, noVariant.code());
    assertTrue(noVariant.err().contains("give --variant"), noVariant.err());
    CliRun both =
        CliRun.of(
            "export",
            "--variant",
            TINY,
            "--pretrained",
            "--weights",
            "w.safetensors",
            "--output",
            out);
    assertEquals(2, both.code());
    assertTrue(both.err().contains("give --pretrained or --weights, not both"), both.err());
    CliRun predict =
        CliRun.of("predict", "--variant", TINY, "--pretrained", "--dataset", "fashion-mnist", "x");
    assertEquals(2, predict.code());
    assertTrue(predict.err().contains("--pretrained"), predict.err());
    CliRun micro =
        CliRun.of("export", "--variant", "vit_micro_patch4_32", "--pretrained", "--output", out);
    assertEquals(2, micro.code());
    assertTrue(micro.err().contains("no published weights"), micro.err());
  }

  @Test
  void trainPretrainedNeedsAVariantWithTimmWeights() {
    String out = tmp.resolve("run").toString();
    CliRun noVariant = CliRun.of("train", "--pretrained", "--out", out);
    assertEquals(2, noVariant.code());
    assertTrue(noVariant.err().contains("give --variant"), noVariant.err());
    CliRun conv2former =
        CliRun.of("train", "--variant", "conv2former_n", "--pretrained", "--out", out);
    assertEquals(2, conv2former.code());
    assertTrue(
        conv2former.err().contains("no timm weights: official checkpoints only"),
        conv2former.err());
  }
}
