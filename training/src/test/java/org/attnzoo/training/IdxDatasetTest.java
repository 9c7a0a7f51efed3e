package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.Idx;
import org.attnzoo.training.data.ImageSet;
import org.junit.jupiter.api.Test;

/**
 * The IDX reader on the shipped Fashion-MNIST subset. Expected values were read from the Debian
 * package's original files with numpy (label order and pixel sums of the first images).
 */
class IdxDatasetTest {

  @Test
  void shippedSubsetMatchesTheOriginalFiles() throws IOException {
    Datasets.Split s = Datasets.fashionMnistSubset();
    ImageSet train = s.train();
    ImageSet test = s.test();
    assertEquals(2000, train.size());
    assertEquals(500, test.size());
    assertEquals(1, train.channels());
    assertEquals(28, train.height());
    assertEquals(28, train.width());
    assertEquals(10, train.classes().size());
    assertEquals("Ankle boot", train.classes().get(9));
    assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(train.labels(), 10));
    assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(test.labels(), 10));
    assertEquals(113_529_887L, sum(train.pixels(), 0, train.pixels().length));
    assertEquals(76_247L, sum(train.pixels(), 0, 784));
    assertEquals(29_494_551L, sum(test.pixels(), 0, test.pixels().length));
    int[] row14 = new int[28];
    for (int x = 0; x < 28; x++) {
      row14[x] = train.pixels()[14 * 28 + x] & 0xff;
    }
    assertArrayEquals(
        new int[] {
          0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226, 217, 223, 222, 219, 222, 221, 216, 223, 229,
          215, 218, 255, 77, 0
        },
        row14);
    int[] counts = new int[10];
    for (int y : train.labels()) {
      counts[y]++;
    }
    assertArrayEquals(new int[] {194, 216, 202, 195, 186, 200, 194, 215, 198, 200}, counts);
  }

  @Test
  void fitResizesAndReplicatesChannels() throws IOException {
    ImageSet test = Datasets.fashionMnistSubset().test().head(3);
    ImageSet gray32 = test.fit(1, 32);
    assertEquals(32, gray32.height());
    assertEquals(3 * 32 * 32, gray32.pixels().length);
    ImageSet rgb = test.fit(3, 28);
    for (int i = 0; i < 28 * 28; i++) {
      assertEquals(test.pixels()[i], rgb.pixels()[i]);
      assertEquals(test.pixels()[i], rgb.pixels()[2 * 28 * 28 + i]);
    }
  }

  @Test
  void rejectsMalformedFiles() {
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> Idx.read(new ByteArrayInputStream(new byte[] {1, 2, 8, 1, 0, 0, 0, 1}), "x"));
    assertTrue(bad.getMessage().contains("not an IDX file"), bad.getMessage());
    IllegalArgumentException truncated =
        assertThrows(
            IllegalArgumentException.class,
            () -> Idx.read(new ByteArrayInputStream(new byte[] {0, 0, 8, 1, 0, 0, 0, 5, 1}), "y"));
    assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    IllegalArgumentException type =
        assertThrows(
            IllegalArgumentException.class,
            () -> Idx.read(new ByteArrayInputStream(new byte[] {0, 0, 0x0d, 1, 0, 0, 0, 1}), "z"));
    assertTrue(type.getMessage().contains("0x0d"), type.getMessage());
  }

  private static long sum(byte[] b, int from, int to) {
    long s = 0;
    for (int i = from; i < to; i++) {
      s += b[i] & 0xff;
    }
    return s;
  }
}
