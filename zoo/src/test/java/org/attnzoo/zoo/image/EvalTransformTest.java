package org.attnzoo.zoo.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;

/**
 * timm's eval transform on committed photos: the tensors were made by timm 1.0.29 / torchvision
 * 0.28 / Pillow 12.3 ({@code scripts/make_preprocess_fixtures.py}); attnzoo must give the same
 * bytes before {@code ToTensor} and the same floats after {@code Normalize}.
 */
class EvalTransformTest {

  @Test
  void resizeAndCropEqualTimmOnPhotos() throws Exception {
    Map<String, Tensor> expected = Fixtures.npz("transform.npz");
    List<String> failures = new ArrayList<>();
    for (var e : expected.entrySet()) {
      // key: <photo stem>__<size>_<crop_pct>_<interpolation>
      String[] parts = e.getKey().split("__");
      String[] cfg = parts[1].split("_");
      int size = Integer.parseInt(cfg[0]);
      DataConfig config =
          new DataConfig(
              new int[] {3, size, size},
              Double.parseDouble(cfg[1]),
              DataConfig.CENTER,
              cfg[2],
              new float[] {0.5f, 0.5f, 0.5f},
              new float[] {0.5f, 0.5f, 0.5f},
              "imagenet-1k");
      Path photo = photo(parts[0]);
      Pixels mine = new EvalTransform(config).resizeAndCrop(ImageDecoder.read(photo));
      byte[] want = Fixtures.bytes(e.getValue()); // [3, H, W]
      int max = 0;
      int hw = size * size;
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < hw; i++) {
          int d = Math.abs((want[c * hw + i] & 0xff) - (mine.data()[i * 3 + c] & 0xff));
          max = Math.max(max, d);
        }
      }
      if (max != 0) {
        failures.add(e.getKey() + ": max " + max + " levels");
      }
    }
    assertEquals(List.of(), failures);
    assertEquals(true, expected.size() >= 20, "fixture has " + expected.size() + " entries");
  }

  private static Path photo(String stem) throws Exception {
    try (var files = Files.list(Fixtures.dir().resolve("photos"))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith(stem + "."))
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void normalizeEqualsTorchBitForBit() throws Exception {
    for (var e : Fixtures.npz("normalize.npz").entrySet()) {
      // key: mean_<m0>_<m1>_<m2>__std_<s0>_<s1>_<s2>; value: [3, 1, 256] for bytes 0..255
      String[] halves = e.getKey().split("__");
      float[] mean = floats(halves[0]);
      float[] std = floats(halves[1]);
      byte[] levels = new byte[256 * 3];
      for (int i = 0; i < 256 * 3; i++) {
        levels[i] = (byte) (i / 3);
      }
      DataConfig config =
          new DataConfig(new int[] {3, 1, 256}, 1.0, DataConfig.SQUASH, "bicubic", mean, std, "x");
      float[] mine = new EvalTransform(config).normalize(new Pixels(256, 1, 3, levels));
      float[] want = e.getValue().toFloats();
      for (int i = 0; i < want.length; i++) {
        assertEquals(
            Float.floatToIntBits(want[i]),
            Float.floatToIntBits(mine[i]),
            e.getKey() + " channel " + i / 256 + " level " + i % 256);
      }
    }
  }

  private static float[] floats(String s) {
    String[] p = s.split("_");
    float[] f = new float[p.length - 1];
    for (int i = 1; i < p.length; i++) {
      f[i - 1] = Float.parseFloat(p[i]);
    }
    return f;
  }

  @Test
  void torchvisionSizesAndOffsets() {
    // torchvision: the longer side truncates; the crop offset rounds half to even.
    assertEquals("[372, 248]", Arrays.toString(EvalTransform.shorterSideTo(451, 300, 248)));
    assertEquals("[235, 352]", Arrays.toString(EvalTransform.shorterSideTo(427, 640, 235)));
    assertEquals(6, EvalTransform.cropOffset(235, 224)); // 5.5 -> 6
    assertEquals(12, EvalTransform.cropOffset(248, 223)); // 12.5 -> 12
    assertEquals(74, EvalTransform.cropOffset(372, 224));
  }
}
