package org.attnzoo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.ShippedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 exports of the shipped Fashion-MNIST models classify real test images as their float
 * exports do, on ONNX Runtime: top-1 agreement of at least 98% and an accuracy change of at most
 * one point on the first 1,000 test images (500 where only the subset shipped in the jar is
 * available). The full test set is measured by {@link Int8Benchmark}.
 */
class Int8ComparisonTest {

  @TempDir Path tmp;

  @Test
  void shippedModelsKeepTheirAccuracyInInt8() throws Exception {
    int expected = Datasets.hasIdxFiles(Datasets.DEBIAN_FASHION_MNIST) ? 1000 : 500;
    for (ShippedModels.Shipped s : ShippedModels.all()) {
      if (!s.dataset().equals("fashion-mnist")) {
        continue;
      }
      Int8Comparison c = Int8Comparison.evaluate(Int8Comparison.export(s, tmp), 1000);
      System.out.printf(
          "%s: %d images, float %.2f%%, int8 %.2f%%, agreement %.2f%%, %d -> %d bytes%n",
          c.variant(),
          c.images(),
          c.floatAccuracy(),
          c.int8Accuracy(),
          c.agreement(),
          c.floatBytes(),
          c.int8Bytes());
      assertEquals(expected, c.images(), s.variant());
      assertTrue(c.agreement() >= 98, s.variant() + ": top-1 agreement " + c.agreement() + "%");
      assertTrue(
          Math.abs(c.int8Accuracy() - c.floatAccuracy()) <= 1.0,
          s.variant() + ": accuracy " + c.floatAccuracy() + "% -> " + c.int8Accuracy() + "%");
      assertTrue(c.int8Bytes() < c.floatBytes(), s.variant() + ": int8 file is not smaller");
    }
  }
}
