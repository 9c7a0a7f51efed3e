package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import java.util.Locale;
import org.attnzoo.training.TransferLearningTrainingTest;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;

/**
 * Fine-tunes the shipped Fashion-MNIST {@code vit_micro_patch4_32} to the first five classes of the
 * shipped subset, head only and full, with DJL's {@code Trainer} (Adam, batch 32, no augmentation),
 * and prints test accuracy and training time per epoch count. Not a test: the figures of {@code
 * src/docs/zoo.md}. Arguments: {@code [epochs...]}, default {@code 1 3}.
 */
public final class FineTuneBenchmark {

  private FineTuneBenchmark() {}

  /**
   * @param args epoch counts
   * @throws Exception if the data or weights cannot be read
   */
  public static void main(String[] args) throws Exception {
    String name = "vit_micro_patch4_32";
    Variant v = Variants.get(name);
    Path weights = Files.createTempFile("attnzoo-bench-", ".params");
    try (InputStream in =
        ShippedModels.class.getResourceAsStream(
            ShippedModels.find(name, "fashion-mnist").orElseThrow().resource())) {
      Files.copy(in, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split split = Datasets.fashionMnistSubset().fit(1, side);
    String[] epochs = args.length > 0 ? args : new String[] {"1", "3"};
    System.out.println("mode,epochs,train_images,test_images,lr,test_accuracy,train_seconds");
    for (String e : epochs) {
      for (boolean headOnly : new boolean[] {true, false}) {
        run(v, weights, split, Integer.parseInt(e), headOnly);
      }
    }
    Files.deleteIfExists(weights);
  }

  private static void run(Variant v, Path weights, Datasets.Split split, int epochs, boolean head)
      throws Exception {
    float lr = head ? 3e-3f : 5e-4f;
    try (Model model = TransferLearning.load(v, weights.toString(), 5, Device.cpu());
        NDManager manager = NDManager.newBaseManager()) {
      TransferLearning.freezeBackbone(model, v, head);
      NDList train = TransferLearningTrainingTest.fiveClasses(manager, split.train(), v, 100_000);
      NDList test = TransferLearningTrainingTest.fiveClasses(manager, split.test(), v, 100_000);
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(train.get(0))
              .optLabels(train.get(1))
              .setSampling(32, true)
              .build();
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build());
      long start = System.nanoTime();
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(v.config().inputShape(1));
        for (int epoch = 0; epoch < epochs; epoch++) {
          for (Batch batch : trainer.iterateDataset(data)) {
            EasyTrain.trainBatch(trainer, batch);
            trainer.step();
            batch.close();
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      NDArray logits =
          model
              .getBlock()
              .forward(
                  new ParameterStore(model.getNDManager(), false), new NDList(test.get(0)), false)
              .head();
      float accuracy =
          logits
                  .argMax(1)
                  .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                  .eq(test.get(1))
                  .sum()
                  .getLong()
              / (float) test.get(1).size();
      System.out.printf(
          Locale.ROOT,
          "%s,%d,%d,%d,%s,%.4f,%.1f%n",
          head ? "head-only" : "full",
          epochs,
          train.get(1).size(),
          test.get(1).size(),
          lr,
          accuracy,
          seconds);
    }
  }
}
