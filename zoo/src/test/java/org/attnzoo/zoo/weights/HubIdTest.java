package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Hub ids as timm spells them, and where their file is on the Hub and in the cache. */
class HubIdTest {

  @Test
  void timmsIdResolvesToTheRepositorysModelSafetensors() {
    HubId id = HubId.parse("hf-hub:timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k");
    assertEquals("timm", id.org());
    assertEquals("vit_tiny_patch16_224.augreg_in21k_ft_in1k", id.name());
    assertEquals("main", id.revision());
    // The Hub's download address: https://huggingface.co/<repo>/resolve/<revision>/<file>
    assertEquals(
        URI.create(
            "https://huggingface.co/timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k/resolve/main/"
                + "model.safetensors"),
        id.fileUrl(URI.create("https://huggingface.co/")));
    assertEquals(
        Path.of("/c/timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k/main/model.safetensors"),
        id.cachePath(Path.of("/c")));
    assertEquals("vit_tiny_patch16_224", id.modelName());
    assertEquals("hf-hub:timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k", id.toString());
  }

  @Test
  void aRevisionFollowsTheAtSign() {
    HubId id = HubId.parse("HF-HUB:timm/edgenext_small.usi_in1k@0123abc");
    assertEquals("0123abc", id.revision());
    assertEquals(
        "http://127.0.0.1:9/timm/edgenext_small.usi_in1k/resolve/0123abc/model.safetensors",
        id.fileUrl(URI.create("http://127.0.0.1:9")).toString());
    assertEquals("hf-hub:timm/edgenext_small.usi_in1k@0123abc", id.toString());
  }

  @Test
  void onlyHubIdsAreHubIds() {
    assertTrue(HubId.isHubId("hf-hub:a/b"));
    assertFalse(HubId.isHubId("timm/vit_tiny_patch16_224"));
    assertFalse(HubId.isHubId("https://huggingface.co/timm/x"));
    assertFalse(HubId.isHubId(null));
  }

  @Test
  void malformedIdsSayWhatIsExpected() {
    for (String bad :
        new String[] {
          "hf-hub:timm",
          "hf-hub:timm/a/b",
          "hf-hub:../x",
          "hf-hub:timm/..",
          "hf-hub:timm/x@",
          "hf-hub:timm/x@refs/pr/1",
          "hf-hub:timm/a--b",
          "hf-hub:/x",
          "timm/x"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> HubId.parse(bad), bad);
      assertTrue(e.getMessage().contains("expected hf-hub:ORG/NAME[@REVISION]"), e.getMessage());
    }
  }
}
