package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.attnzoo.testing.FreedMemory;
import org.attnzoo.training.EpochMetrics;
import org.attnzoo.training.Progress;
import org.attnzoo.training.TrainConfig;
import org.attnzoo.training.TrainingRun;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;

/**
 * Counts training runs with gradient spikes: for each variant and seed, a short run on the shipped
 * Fashion-MNIST subset through DJL's own loop ({@code DefaultTrainingConfig}, softmax
 * cross-entropy, {@code Optimizer.adamW()} at a fixed 1e-3, {@code EasyTrain.fit}) and through
 * {@code attnzoo train}'s loop ({@link TrainingRun}, the default recipe); a run is a spike run if
 * any step's global gradient norm exceeds 1e6 or any loss or norm is not finite. With {@code
 * --pressure}, a background thread collects garbage and overwrites freed direct memory all along
 * ({@link FreedMemory#pressure()}), which makes reads of freed memory show at once instead of once
 * in a while.
 *
 * <p>Prints {@code path,variant,seed,steps,max_grad_norm,nonfinite_steps,spike} per run, then
 * {@code summary,path,variant,spike_runs,runs}. Usage: {@code GradientSpikeBenchmark [--seeds 20]
 * [--images 1600] [--epochs 2] [--batch 32] [--pressure] [--paths easytrain,attnzoo] VARIANT...}
 */
public final class GradientSpikeBenchmark {

  private static final double SPIKE = 1e6;

  private GradientSpikeBenchmark() {}

  /** One run's outcome. */
  record Outcome(long steps, double maxGradNorm, long nonFinite) {
    boolean spike() {
      return nonFinite > 0 || maxGradNorm > SPIKE;
    }
  }

  /**
   * @param args options and variant names
   * @throws Exception if a run fails to start
   */
  public static void main(String[] args) throws Exception {
    int seeds = 20;
    int images = 1600;
    int epochs = 2;
    int batch = 32;
    boolean pressure = false;
    List<String> paths = List.of("easytrain", "attnzoo");
    List<String> variants = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seeds" -> seeds = Integer.parseInt(args[++i]);
        case "--images" -> images = Integer.parseInt(args[++i]);
        case "--epochs" -> epochs = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--pressure" -> pressure = true;
        case "--paths" -> paths = List.of(args[++i].split(","));
        default -> variants.add(args[i]);
      }
    }
    AutoCloseable background = pressure ? FreedMemory.pressure() : () -> {};
    Map<String, int[]> summary = new LinkedHashMap<>();
    System.out.println("path,variant,seed,steps,max_grad_norm,nonfinite_steps,spike");
    for (String name : variants) {
      Variant v = Variants.get(name);
      Datasets.Split data = fitted(v, images);
      for (String path : paths) {
        int[] counts = summary.computeIfAbsent(path + "," + name, k -> new int[2]);
        for (int seed = 1; seed <= seeds; seed++) {
          Outcome o =
              path.equals("easytrain")
                  ? easyTrain(v, data, seed, epochs, batch)
                  : attnzooTrain(v, data, seed, epochs, batch);
          counts[0] += o.spike() ? 1 : 0;
          counts[1]++;
          System.out.printf(
              Locale.ROOT,
              "%s,%s,%d,%d,%.4g,%d,%s%n",
              path,
              name,
              seed,
              o.steps(),
              o.maxGradNorm(),
              o.nonFinite(),
              o.spike());
        }
      }
    }
    background.close();
    summary.forEach((k, c) -> System.out.printf(Locale.ROOT, "summary,%s,%d,%d%n", k, c[0], c[1]));
  }

  private static Datasets.Split fitted(Variant v, int images) throws java.io.IOException {
    int channels = (int) v.config().inputShape().get(0);
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split full = Datasets.fashionMnistSubset();
    return new Datasets.Split("subset", full.train().head(images), full.test().head(100))
        .fit(channels, side);
  }

  private static Outcome easyTrain(Variant v, Datasets.Split data, int seed, int epochs, int batch)
      throws Exception {
    Engine.getInstance().setRandomSeed(seed);
    int n = data.train().size();
    int numClasses = v.config().numClasses();
    Batches all = new Batches(data.train(), v.data(), numClasses);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Batches.Batch b = all.batch(order, 0, n, Augment.NONE, 0, new Random(seed));
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = b.labels()[i];
    }
    Shape image = v.config().inputShape();
    try (Model model = Model.newInstance(v.name());
        NDManager manager = NDManager.newBaseManager()) {
      model.setBlock(v.config().newBlock());
      ArrayDataset dataset =
          new ArrayDataset.Builder()
              .setData(manager.create(b.x(), new Shape(n).addAll(image)))
              .optLabels(manager.create(labels, new Shape(n)))
              .setSampling(batch, true)
              .build();
      GradientRecorder recorder = new GradientRecorder();
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
              .addTrainingListeners(recorder);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(batch).addAll(image));
        try {
          EasyTrain.fit(trainer, epochs, dataset, null);
        } catch (ai.djl.TrainingDivergedException | IllegalStateException e) {
          recorder.nonFinite++;
        }
      }
      return new Outcome(recorder.steps, recorder.max, recorder.nonFinite);
    }
  }

  private static Outcome attnzooTrain(
      Variant v, Datasets.Split data, int seed, int epochs, int batch) throws Exception {
    TrainConfig recipe = TrainConfig.defaults().withSchedule(epochs, batch, 0.2).withSeed(seed);
    Path dir = Files.createTempDirectory("spikes");
    try (TrainingRun run = new TrainingRun(v, recipe, data, dir, Device.cpu())) {
      List<EpochMetrics> h = run.progress(new Progress(System.err, false)).run(false, 0);
      double max = 0;
      long skipped = 0;
      long steps = 0;
      for (EpochMetrics m : h) {
        max = Math.max(max, m.maxGradNorm());
        skipped += m.skippedSteps();
        steps = m.step();
      }
      return new Outcome(steps, max, skipped);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The global gradient norm and loss of every step, read after backward, before the update. */
  private static final class GradientRecorder extends TrainingListenerAdapter {
    long steps;
    long nonFinite;
    double max;

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
      steps++;
      double sum = 0;
      for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
        NDArray a = p.getValue().getArray();
        if (p.getValue().requiresGradient() && a.hasGradient()) {
          try (NDArray sq = a.getGradient().square().sum()) {
            sum += sq.getFloat();
          }
        }
      }
      double norm = Math.sqrt(sum);
      if (!Double.isFinite(norm)) {
        nonFinite++;
      } else {
        max = Math.max(max, norm);
      }
    }
  }
}
