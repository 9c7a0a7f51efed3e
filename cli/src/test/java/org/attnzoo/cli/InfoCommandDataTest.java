package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code attnzoo info} prints the data config, with timm's values for a published variant. */
class InfoCommandDataTest {

  @Test
  void printsTimmsDataConfig() {
    CliRun r = CliRun.of("info", "efficientvit_b0");
    assertEquals(0, r.code(), r.err());
    // timm 1.0.29: efficientvit_b0.r224_in1k pretrained_cfg
    assertTrue(
        r.out()
            .contains(
                "data: input_size [3, 224, 224], crop_pct 0.95, crop_mode center, interpolation"
                    + " bicubic, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], labels"
                    + " imagenet-1k (1000 classes)"),
        r.out());
  }
}
