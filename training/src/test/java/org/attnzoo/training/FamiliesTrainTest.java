package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every family's small variant trains with the recipe: finite losses, weights move, and BatchNorm
 * running statistics (parameters without gradients) are updated by the forward pass, not by the
 * optimizer.
 */
class FamiliesTrainTest {

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "swin_micro_patch2_window4_32",
        "edgenext_micro_64",
        "swiftformer_micro_64",
        "efficientvit_micro_32",
        "conv2former_micro_32",
        "vit_micro_patch4_32_hydra"
      })
  void smallVariantTrainsOneShortEpoch(String name) throws Exception {
    Variant v = Variants.get(name);
    int channels = (int) v.config().inputShape().get(0);
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split full = Datasets.fashionMnistSubset();
    Datasets.Split data =
        new Datasets.Split("subset", full.train().head(64), full.test().head(32))
            .fit(channels, side);
    // EfficientViT has no stochastic depth (as timm's); the others train with all the randomness.
    TrainConfig recipe = TinySetup.recipe(1, 32, !name.startsWith("efficientvit"));
    try (TrainingRun run = new TrainingRun(v, recipe, data, dir, Device.cpu())) {
      Map<String, Tensor> before = new LinkedHashMap<>();
      run.parameters().forEach((k, p) -> before.put(k, Tensor.of(p.getArray())));
      List<EpochMetrics> h = run.progress(new Progress(System.err, false)).run(false, 0);
      assertTrue(Double.isFinite(h.get(0).trainLoss()), h.toString());
      assertEquals(0, h.get(0).skippedSteps(), name + ": non-finite steps " + h);
      boolean stats = false;
      for (Map.Entry<String, Parameter> e : run.parameters().entrySet()) {
        boolean moved =
            !Arrays.equals(
                before.get(e.getKey()).toFloats(), Tensor.of(e.getValue().getArray()).toFloats());
        if (e.getKey().endsWith("running_mean")) {
          stats = true;
          assertTrue(moved, name + ": running mean not updated: " + e.getKey());
        } else if (e.getKey().endsWith("num_batches_tracked")) {
          assertFalse(moved, e.getKey());
        }
      }
      assertTrue(
          run.optimizer().decays().keySet().stream().noneMatch(k -> k.contains("running_")),
          name + ": running statistics must not be optimised");
      if (name.startsWith("swiftformer") || name.startsWith("efficientvit")) {
        assertTrue(stats, name + " has BatchNorm layers");
      }
    }
  }
}
