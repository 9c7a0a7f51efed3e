package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop on tiny setups: learning, determinism, resume, checkpoint safety. */
class TrainingRunTest {

  @TempDir Path dir;

  private static final Progress QUIET = new Progress(System.err, false);

  @Test
  void lossGoesDownOnRealData() throws IOException {
    Variant v = TinySetup.variant(10);
    Datasets.Split full = Datasets.fashionMnistSubset();
    Datasets.Split data =
        new Datasets.Split("subset", full.train().head(600), full.test().head(200)).fit(1, 16);
    TrainConfig recipe = TinySetup.recipe(3, 50, false);
    try (TrainingRun run = new TrainingRun(v, recipe, data, dir, Device.cpu()).progress(QUIET)) {
      List<EpochMetrics> h = run.run(false, 0);
      assertEquals(3, h.size());
      assertTrue(h.stream().allMatch(m -> m.skippedSteps() == 0), "non-finite steps " + h);
      // 36 steps of a 2-layer, 32-wide ViT: clearly learning, far from converged.
      assertTrue(h.get(2).trainLoss() < h.get(0).trainLoss() - 0.2, "train loss " + h);
      assertTrue(h.get(2).testLoss() < Math.log(10) - 0.3, "test loss vs chance " + h);
      assertTrue(h.get(2).testAcc() > 0.3, "test accuracy vs 0.1 chance " + h);
    }
    assertTrue(Files.size(dir.resolve(TrainingRun.PLOT)) > 1000);
    List<String> csv = Files.readAllLines(dir.resolve(TrainingRun.METRICS));
    assertEquals(EpochMetrics.CSV_HEADER, csv.get(0));
    assertEquals(4, csv.size());
  }

  @Test
  void resumedRunEqualsUninterruptedRunAndSeedsAreDeterministic() throws IOException {
    Variant v = TinySetup.variant(4);
    Datasets.Split data = Datasets.synthetic(192, 64, 4, 1, 16, 3);
    TrainConfig recipe = TinySetup.recipe(2, 32, true);
    Path straight = dir.resolve("straight");
    Path again = dir.resolve("again");
    Path stopped = dir.resolve("stopped");
    List<EpochMetrics> a;
    Map<String, Tensor> weightsA;
    try (TrainingRun run = new TrainingRun(v, recipe, data, straight, Device.cpu())) {
      a = run.progress(QUIET).run(false, 0);
      weightsA = Checkpoint.load(straight.resolve(TrainingRun.CHECKPOINT)).tensors();
    }
    try (TrainingRun run = new TrainingRun(v, recipe, data, again, Device.cpu())) {
      List<EpochMetrics> b = run.progress(QUIET).run(false, 0);
      assertCurvesEqual(a, b);
    }
    try (TrainingRun run = new TrainingRun(v, recipe, data, stopped, Device.cpu())) {
      List<EpochMetrics> first = run.progress(QUIET).run(false, 1);
      assertEquals(1, first.size());
    }
    List<EpochMetrics> resumed;
    try (TrainingRun run = new TrainingRun(v, recipe, data, stopped, Device.cpu())) {
      resumed = run.progress(QUIET).run(true, 0);
    }
    assertCurvesEqual(a, resumed);
    Map<String, Tensor> weightsB =
        Checkpoint.load(stopped.resolve(TrainingRun.CHECKPOINT)).tensors();
    assertEquals(weightsA.keySet(), weightsB.keySet());
    for (String k : weightsA.keySet()) {
      float[] x = weightsA.get(k).toFloats();
      float[] y = weightsB.get(k).toFloats();
      for (int i = 0; i < x.length; i++) {
        // Float noise (reduction order) may flip an Adam step where a gradient is ~0: at most lr.
        assertEquals(x[i], y[i], 2e-3f, k + "[" + i + "]");
      }
    }
  }

  @Test
  void corruptCheckpointChangesNothing() throws IOException {
    Variant v = TinySetup.variant(4);
    Datasets.Split data = Datasets.synthetic(64, 32, 4, 1, 16, 5);
    TrainConfig recipe = TinySetup.recipe(2, 32, false);
    try (TrainingRun run = new TrainingRun(v, recipe, data, dir, Device.cpu())) {
      run.progress(QUIET).run(false, 1);
    }
    Path ckpt = dir.resolve(TrainingRun.CHECKPOINT);
    byte[] bytes = Files.readAllBytes(ckpt);
    bytes[bytes.length - 100] ^= 0x01;
    Files.write(ckpt, bytes);
    try (TrainingRun run = new TrainingRun(v, recipe, data, dir, Device.cpu())) {
      float[] before = Tensor.of(run.parameters().get("head.weight").getArray()).toFloats();
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> run.progress(QUIET).run(true, 0));
      assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
      assertArrayEquals(
          before, Tensor.of(run.parameters().get("head.weight").getArray()).toFloats());
      assertEquals(0, run.optimizer().steps());
    }
    assertArrayEquals(bytes, Files.readAllBytes(ckpt), "the damaged file is left for inspection");
  }

  private static void assertCurvesEqual(List<EpochMetrics> a, List<EpochMetrics> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).step(), b.get(i).step());
      assertEquals(a.get(i).lr(), b.get(i).lr(), 1e-12);
      assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-4, "train loss epoch " + i);
      assertEquals(a.get(i).testLoss(), b.get(i).testLoss(), 1e-4, "test loss epoch " + i);
      assertEquals(a.get(i).trainAcc(), b.get(i).trainAcc(), 0.02, "train accuracy epoch " + i);
      assertEquals(a.get(i).testAcc(), b.get(i).testAcc(), 0.02, "test accuracy epoch " + i);
    }
  }
}
