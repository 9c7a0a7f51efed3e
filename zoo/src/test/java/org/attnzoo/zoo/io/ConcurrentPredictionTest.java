package org.attnzoo.zoo.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eight threads, each with its own predictor on one shared model (DJL's pattern), give outputs
 * bit-identical to a single thread's: no shared scratch state leaks between concurrent requests.
 */
class ConcurrentPredictionTest {

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void eightThreadsAreBitIdenticalToOne() throws Exception {
    int threads = 8;
    int perThread = FuzzTally.SOAK ? 200 : 25;
    Random r = new Random(8);
    float[][] inputs = new float[4][2 * 32 * 32];
    for (float[] x : inputs) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
    }
    try (Model model = AttnZoo.newModel(Variants.get("vit_micro_patch4_32"), Device.cpu(), null)) {
      float[][] want = new float[inputs.length][];
      try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator())) {
        for (int k = 0; k < inputs.length; k++) {
          want[k] = predict(model, p, inputs[k]);
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int offset = t;
          done.add(
              pool.submit(
                  () -> {
                    try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator())) {
                      for (int i = 0; i < perThread; i++) {
                        int k = (i + offset) % inputs.length;
                        assertArrayEquals(want[k], predict(model, p, inputs[k]), "input " + k);
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static float[] predict(Model model, Predictor<NDList, NDList> p, float[] x)
      throws Exception {
    // One scope per request: its input and output are freed right after.
    try (NDManager scope = model.getNDManager().newSubManager()) {
      return p.predict(new NDList(scope.create(x, new Shape(2, 1, 32, 32))))
          .singletonOrThrow()
          .toFloatArray();
    }
  }
}
