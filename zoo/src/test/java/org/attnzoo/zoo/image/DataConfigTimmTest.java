package org.attnzoo.zoo.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.List;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Labels;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;

/**
 * Every published variant's data config equals timm 1.0.29's resolved {@code pretrained_cfg}
 * (Conv2Former: its official code's), as written by {@code scripts/make_preprocess_fixtures.py}.
 */
class DataConfigTimmTest {

  @Test
  void publishedVariantsMatchTimm() throws Exception {
    List<String> lines = Files.readAllLines(Fixtures.dir().resolve("data_configs.csv"));
    assertEquals(
        "variant,input_size,crop_pct,crop_mode,interpolation,mean,std,num_classes,"
            + "test_input_size,test_crop_pct",
        lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      DataConfig d = Variants.get(f[0]).data();
      assertArrayEquals(ints(f[1]), d.inputSize(), f[0] + " input_size");
      assertEquals(Double.parseDouble(f[2]), d.cropPct(), 0.0, f[0] + " crop_pct");
      assertEquals(f[3], d.cropMode(), f[0] + " crop_mode");
      assertEquals(f[4], d.interpolation(), f[0] + " interpolation");
      assertArrayEquals(floats(f[5]), d.mean(), f[0] + " mean");
      assertArrayEquals(floats(f[6]), d.std(), f[0] + " std");
      assertEquals(Integer.parseInt(f[7]), Labels.of(d.labels()).size(), f[0] + " classes");
      // timm's test_input_size / test_crop_pct, where the pretrained_cfg has them (EdgeNeXt)
      assertEquals(!f[8].isEmpty(), d.hasTestSize(), f[0] + " has a test size");
      if (d.hasTestSize()) {
        assertArrayEquals(ints(f[8]), d.testInputSize(), f[0] + " test_input_size");
        assertEquals(Double.parseDouble(f[9]), d.testCropPct(), 0.0, f[0] + " test_crop_pct");
      }
    }
    assertEquals(26, lines.size() - 1);
  }

  private static int[] ints(String s) {
    String[] p = s.split(" ");
    int[] out = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = Integer.parseInt(p[i]);
    }
    return out;
  }

  private static float[] floats(String s) {
    String[] p = s.split(" ");
    float[] out = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = Float.parseFloat(p[i]);
    }
    return out;
  }
}
