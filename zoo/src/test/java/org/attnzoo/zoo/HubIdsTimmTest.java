package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attnzoo.zoo.weights.HubId;
import org.junit.jupiter.api.Test;

/**
 * Each published variant names the Hub repository timm 1.0.29 downloads for it with {@code
 * pretrained=True} (the {@code hf_hub_id} of its default {@code pretrained_cfg}, in {@code
 * weights/hub_ids.csv}); the variants timm does not know, and attnzoo's own, name none.
 */
class HubIdsTimmTest {

  static Map<String, String> timmHubIds() throws Exception {
    Path csv = Path.of(HubIdsTimmTest.class.getResource("/weights/hub_ids.csv").toURI());
    List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.startsWith("#")).toList();
    assertEquals("variant,hf_hub_id", lines.get(0));
    Map<String, String> ids = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      ids.put(f[0], f[1]);
    }
    return ids;
  }

  @Test
  void publishedVariantsNameTimmsDefaultRepository() throws Exception {
    Map<String, String> timm = timmHubIds();
    assertEquals(26, timm.size());
    for (Variant v : Variants.ALL) {
      Pretrained p = v.reference().pretrained();
      String expected = timm.get(v.name());
      if (expected == null || expected.isEmpty()) {
        assertFalse(p.available(), v.name() + " has no timm weights");
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> p.weights(v.name()));
        assertTrue(e.getMessage().contains(v.name()), e.getMessage());
      } else {
        assertEquals(expected, p.hubId(), v.name());
        assertEquals("hf-hub:" + expected, p.weights(v.name()));
        // timm names its repositories <model>.<tag>: the id leads back to the variant.
        assertEquals(v.name(), HubId.of(expected).modelName());
      }
    }
  }

  /** timm has no Conv2Former: its rows say where the weights are instead. */
  @Test
  void conv2formerPointsToTheOfficialCheckpoints() throws Exception {
    for (String name :
        List.of("conv2former_n", "conv2former_t", "conv2former_s", "conv2former_b")) {
      assertEquals("", timmHubIds().get(name));
      assertEquals(
          "no timm weights: official checkpoints only",
          Variants.get(name).reference().pretrained().absent());
    }
  }
}
