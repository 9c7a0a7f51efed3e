package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.DataConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image folders, soft targets, mixing and shuffling. */
class DataPipelineTest {

  @TempDir Path dir;

  @Test
  void imageFolderReadsOneClassPerSubFolder() throws IOException {
    for (String cls : List.of("cat", "dog")) {
      Files.createDirectories(dir.resolve(cls));
      for (int i = 0; i < 10; i++) {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        int v = cls.equals("cat") ? 0x200000 : 0x00c000;
        for (int y = 0; y < 30; y++) {
          for (int x = 0; x < 40; x++) {
            img.setRGB(x, y, v);
          }
        }
        ImageIO.write(img, "png", dir.resolve(cls).resolve(i + ".png").toFile());
      }
    }
    Datasets.Split s = Datasets.imageFolder(dir, 3, 16);
    assertEquals(List.of("cat", "dog"), s.train().classes());
    assertEquals(18, s.train().size());
    assertEquals(2, s.test().size());
    assertEquals(3 * 16 * 16, s.train().imageBytes());
    // dog images are pure green: channel 1 holds 0xc0, channels 0 and 2 hold 0.
    int last = s.train().size() - 1;
    assertEquals(1, s.train().labels()[last]);
    int base = last * s.train().imageBytes();
    assertEquals(0xc0, s.train().pixels()[base + 256] & 0xff);
    assertEquals(0, s.train().pixels()[base] & 0xff);
  }

  @Test
  void targetsAreSmoothedAndMixedDistributions() {
    Datasets.Split s = Datasets.synthetic(16, 4, 4, 1, 16, 1);
    Batches b =
        new Batches(s.train(), new DataConfig(new float[] {0.5f}, new float[] {0.5f}, "x"), 4);
    int[] order = b.order(3, 0);
    Batches.Batch plain = b.batch(order, 0, 8, Augment.NONE, 0.1, new Random(1));
    for (int i = 0; i < 8; i++) {
      for (int k = 0; k < 4; k++) {
        float expected = k == plain.labels()[i] ? 0.9f + 0.025f : 0.025f;
        assertEquals(expected, plain.targets()[i * 4 + k], 1e-6);
      }
    }
    Augment mix = new Augment("pad-crop", 2, 0.35, true, 0.8, 1.0, 1.0);
    Batches.Batch mixed = b.batch(order, 0, 8, mix, 0.1, new Random(2));
    boolean soft = false;
    for (int i = 0; i < 8; i++) {
      double sum = 0;
      for (int k = 0; k < 4; k++) {
        sum += mixed.targets()[i * 4 + k];
        soft |= mixed.targets()[i * 4 + k] > 0.03f && mixed.targets()[i * 4 + k] < 0.9f;
      }
      assertEquals(1.0, sum, 1e-5);
    }
    assertEquals(true, soft || labelsSymmetric(mixed.labels()), "mixing softens targets");
  }

  @Test
  void shuffleIsAPureFunctionOfSeedAndEpoch() {
    Datasets.Split s = Datasets.synthetic(100, 4, 4, 1, 16, 1);
    Batches b =
        new Batches(s.train(), new DataConfig(new float[] {0.5f}, new float[] {0.5f}, "x"), 4);
    assertEquals(
        java.util.Arrays.toString(b.order(5, 2)), java.util.Arrays.toString(b.order(5, 2)));
    assertNotEquals(
        java.util.Arrays.toString(b.order(5, 2)), java.util.Arrays.toString(b.order(5, 3)));
  }

  private static boolean labelsSymmetric(int[] labels) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] != labels[labels.length - 1 - i]) {
        return false;
      }
    }
    return true;
  }
}
