package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer a zoo user makes first: the shipped 10-class Fashion-MNIST ViT, a new 5-class head,
 * the backbone frozen, a few steps of DJL's own Trainer on the first five classes of the shipped
 * subset.
 */
public class TransferLearningTrainingTest {

  private static final String MICRO = "vit_micro_patch4_32";
  private static final int CLASSES = 5;

  @TempDir Path tmp;

  /**
   * Images of the first five classes, normalised as the variant expects, as {@code [N, C, H, W]}.
   */
  public static NDList fiveClasses(NDManager manager, ImageSet set, Variant v, int limit) {
    int n = 0;
    int per = set.imageBytes();
    float[] x = new float[limit * per];
    float[] y = new float[limit];
    float mean = v.data().mean()[0];
    float std = v.data().std()[0];
    for (int i = 0; i < set.size() && n < limit; i++) {
      if (set.labels()[i] >= CLASSES) {
        continue;
      }
      for (int k = 0; k < per; k++) {
        x[n * per + k] = ((set.pixels()[i * per + k] & 0xff) / 255f - mean) / std;
      }
      y[n++] = set.labels()[i];
    }
    float[] xs = java.util.Arrays.copyOf(x, n * per);
    float[] ys = java.util.Arrays.copyOf(y, n);
    return new NDList(
        manager.create(xs, new Shape(n, set.channels(), set.height(), set.width())),
        manager.create(ys));
  }

  private static float loss(Model model, NDList test) {
    NDArray logits =
        model
            .getBlock()
            .forward(
                new ParameterStore(model.getNDManager(), false), new NDList(test.get(0)), false)
            .head();
    return Loss.softmaxCrossEntropyLoss()
        .evaluate(new NDList(test.get(1)), new NDList(logits))
        .getFloat();
  }

  @Test
  void headOnlyFineTuningKeepsTheBackboneAndLowersTheLoss() throws Exception {
    Variant v = Variants.get(MICRO);
    Path weights = tmp.resolve("shipped.params");
    try (InputStream in =
        ShippedModels.class.getResourceAsStream(
            ShippedModels.find(MICRO, "fashion-mnist").orElseThrow().resource())) {
      Files.copy(in, weights);
    }
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split split = Datasets.fashionMnistSubset().fit(1, side);
    try (Model model = TransferLearning.load(v, weights.toString(), CLASSES, Device.cpu());
        NDManager manager = NDManager.newBaseManager()) {
      Set<String> head = TransferLearning.classifierPaths(v);
      assertEquals(Set.of("head.weight", "head.bias"), head);
      int frozen = TransferLearning.freezeBackbone(model, v, true);
      assertEquals(ParameterPaths.of(model.getBlock()).size() - head.size(), frozen);
      Map<String, float[]> backbone = new HashMap<>();
      ParameterPaths.of(model.getBlock())
          .forEach(
              (k, p) -> {
                if (!head.contains(k)) {
                  backbone.put(k, p.getArray().toFloatArray());
                }
              });

      NDList train = fiveClasses(manager, split.train(), v, 640);
      NDList test = fiveClasses(manager, split.test(), v, 200);
      float before = loss(model, test);
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(train.get(0))
              .optLabels(train.get(1))
              .setSampling(32, true)
              .build();
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(v.config().inputShape(1));
        for (int epoch = 0; epoch < 2; epoch++) {
          for (Batch batch : trainer.iterateDataset(data)) {
            EasyTrain.trainBatch(trainer, batch);
            trainer.step();
            batch.close();
          }
        }
      }
      float after = loss(model, test);
      assertTrue(after < 0.7f * before, "test loss " + before + " -> " + after);

      for (Map.Entry<String, Parameter> e : ParameterPaths.of(model.getBlock()).entrySet()) {
        if (!head.contains(e.getKey())) {
          assertArrayEquals(
              backbone.get(e.getKey()), e.getValue().getArray().toFloatArray(), e.getKey());
        }
      }
    }
  }
}
