package org.attnzoo.zoo.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Resident memory reaches a plateau over thousands of scoped predictions: every request's native
 * tensors are freed with its scope. A leak of the activations (hundreds of kB per request) would
 * add hundreds of MB over the measured stretch.
 */
class MemoryPlateauTest {

  private static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void residentMemoryPlateausOverScopedPredictions() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs Linux /proc");
    int warmup = 500;
    int measured = FuzzTally.SOAK ? 20_000 : 2_000;
    float[] x = new float[32 * 32];
    try (Model model = AttnZoo.newModel(Variants.get("vit_micro_patch4_32"), Device.cpu(), null);
        Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator())) {
      long before = 0;
      for (int i = 0; i < warmup + measured; i++) {
        if (i == warmup) {
          System.gc();
          before = rssKb();
        }
        try (NDManager scope = model.getNDManager().newSubManager()) {
          p.predict(new NDList(scope.create(x, new Shape(1, 1, 32, 32))))
              .singletonOrThrow()
              .toFloatArray();
        }
      }
      System.gc();
      long after = rssKb();
      System.out.printf(
          "RSS %d MB after %d warm-up predictions, %d MB after %d more%n",
          before / 1024, warmup, after / 1024, measured);
      assertTrue(
          after - before < 48 * 1024,
          "resident memory grew by " + (after - before) / 1024 + " MB over " + measured);
    }
  }
}
