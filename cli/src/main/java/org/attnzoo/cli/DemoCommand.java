package org.attnzoo.cli;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.attnzoo.training.Accuracy;
import org.attnzoo.training.Progress;
import org.attnzoo.training.TrainConfig;
import org.attnzoo.training.Training;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.ImageSet;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.Devices;
import org.attnzoo.zoo.runtime.ForwardTiming;
import org.attnzoo.zoo.runtime.Platforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo demo}: the README's first command. Trains the small ViT for a short while on
 * Fashion-MNIST (full set if installed or given, else the shipped subset), saves the weights,
 * reloads them through {@code Criteria} and reports test accuracy and per-image latency.
 */
@Command(
    name = "demo",
    description = {
      "Train the small ViT on Fashion-MNIST for a few minutes, reload it through Criteria,",
      "print test accuracy and per-image latency. Works offline."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--variant", defaultValue = "vit_micro_patch4_32", description = "variant name")
  String variant;

  @Option(
      names = "--data",
      defaultValue = "fashion-mnist",
      description = "fashion-mnist, subset, synthetic or a folder (see train --help)")
  String data;

  @Option(
      names = "--epochs",
      defaultValue = "0",
      description = "epochs (0: enough for about 12,000 training images, at least 2)")
  int epochs;

  @Option(
      names = "--max-train",
      defaultValue = "6000",
      description = "training images used (0: all); keeps the demo to minutes on two cores")
  int maxTrain;

  @Option(names = "--out", defaultValue = "runs/demo", description = "output folder")
  Path out;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Option(names = "--latency-images", defaultValue = "200")
  int latencyImages;

  @Override
  public Integer call() throws Exception {
    Variant v = Variants.get(variant);
    Platforms.requireBundledNatives();
    if (epochs <= 0) {
      int n = Training.load(data, 1, 32, 10).train().size();
      n = maxTrain > 0 ? Math.min(n, maxTrain) : n;
      epochs = Math.max(2, (12_000 + n - 1) / n);
    }
    // The default recipe, shortened: ~12,000 images, 0.3 of an epoch of warm-up, batch 64.
    TrainConfig config = TrainConfig.defaults().withSchedule(epochs, 64, Math.min(0.3, epochs));
    Device dev = Devices.resolve(device, AttnZoo.DEFAULT_ENGINE);
    Training.Result trained =
        Training.train(
            v,
            config,
            Training.data(v, data, maxTrain),
            out,
            false,
            0,
            dev,
            new Progress(System.err, true));
    System.out.println(trained.summary());

    int channels = (int) v.config().inputShape().get(0);
    int side = (int) v.config().inputShape().get(1);
    ImageSet test =
        Training.load(data, channels, side, v.config().numClasses()).fit(channels, side).test();
    Batches batches = new Batches(test, v.data(), v.config().numClasses());
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(v.name())
            .optDevice(dev)
            .optArgument("weights", trained.params().toString())
            .build();
    try (ZooModel<NDList, NDList> model = criteria.loadModel();
        Predictor<NDList, NDList> predictor = model.newPredictor()) {
      int n = test.size();
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      Shape image = new Shape(channels, side, side);
      long correct = 0;
      for (int from = 0; from < n; from += 500) {
        int count = Math.min(500, n - from);
        Batches.Batch b = batches.batch(all, from, count, Augment.NONE, 0, new Random(0));
        try (NDManager sub = model.getNDManager().newSubManager()) {
          NDArray x = sub.create(b.x(), new Shape(count).addAll(image));
          correct +=
              Accuracy.correct(predictor.predict(new NDList(x)).singletonOrThrow(), b.labels());
        }
      }
      int m = Math.min(latencyImages, n);
      double[] ms = new double[m];
      for (int i = -10; i < m; i++) {
        int idx = Math.floorMod(i, n);
        Batches.Batch b = batches.batch(all, idx, 1, Augment.NONE, 0, new Random(0));
        // One sub-manager per inference: its input and outputs are freed right after.
        try (NDManager sub = model.getNDManager().newSubManager()) {
          long t0 = System.nanoTime();
          NDArray x = sub.create(b.x(), new Shape(1).addAll(image));
          predictor.predict(new NDList(x)).singletonOrThrow().argMax(1).toLongArray();
          if (i >= 0) {
            ms[i] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "reloaded %s through Criteria: test accuracy %.2f%% on %d images (%s)%n",
          trained.params(),
          100.0 * correct / n,
          n,
          trained.dataset());
      System.out.printf(
          Locale.ROOT,
          "latency per image (batch 1, %d images): median %.2f ms, p90 %.2f ms, mean %.2f ms%n",
          m,
          ForwardTiming.median(ms),
          ForwardTiming.quantile(ms, 0.9),
          Arrays.stream(ms).average().orElse(0));
    }
    return 0;
  }
}
