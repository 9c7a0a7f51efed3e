package org.attnzoo.training;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Tensor;

/**
 * One short, fully random training run (augmentation, mixup, drop path, EMA) of a micro variant,
 * from a fixed seed: the unit of the determinism tests. {@link #main} runs it in a separate JVM.
 */
final class DeterminismProbe {

  /** Each family's micro variant, ToSA included. */
  static final List<String> VARIANTS =
      List.of(
          "vit_micro_patch4_32",
          "vit_micro_patch4_32_tosa",
          "swin_micro_patch2_window4_32",
          "edgenext_micro_64",
          "swiftformer_micro_64",
          "efficientvit_micro_32",
          "conv2former_micro_32");

  private static final Progress QUIET = new Progress(System.err, false);

  private DeterminismProbe() {}

  static TrainConfig recipe(String name, int epochs) {
    TrainConfig r = TinySetup.recipe(epochs, 16, true);
    if (!name.startsWith("efficientvit")) {
      return r;
    }
    // EfficientViT has no stochastic depth (as timm's); everything else stays random.
    return new TrainConfig(
        r.epochs(),
        r.batchSize(),
        r.lr(),
        r.minLr(),
        r.warmupEpochs(),
        r.weightDecay(),
        r.beta1(),
        r.beta2(),
        r.eps(),
        r.labelSmoothing(),
        r.clipGrad(),
        r.emaDecay(),
        null,
        r.augment(),
        r.seed(),
        r.evalBatchSize());
  }

  static Datasets.Split data(Variant v) throws IOException {
    int channels = (int) v.config().inputShape().get(0);
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split full = Datasets.fashionMnistSubset();
    return new Datasets.Split("subset", full.train().head(64), full.test().head(32))
        .fit(channels, side);
  }

  /**
   * Trains {@code name} into {@code dir}.
   *
   * @param epochs epochs of the recipe
   * @param stopAfter stop after this many epochs in this call (0: to the end)
   * @param resume continue from {@code dir}'s checkpoint
   * @return the epochs' metrics
   */
  static List<EpochMetrics> train(String name, Path dir, int epochs, int stopAfter, boolean resume)
      throws IOException {
    Variant v = Variants.get(name);
    try (TrainingRun run = new TrainingRun(v, recipe(name, epochs), data(v), dir, Device.cpu())) {
      return run.progress(QUIET).run(resume, stopAfter);
    }
  }

  /**
   * @param dir a run folder
   * @return its checkpoint's tensors: weights, optimizer moments, EMA
   */
  static Map<String, Tensor> state(Path dir) throws IOException {
    return Checkpoint.load(dir.resolve(TrainingRun.CHECKPOINT)).tensors();
  }

  /**
   * @param a a run's tensors
   * @param b another run's tensors
   * @return null if bit-identical, else the first tensor that differs
   */
  static String firstDifference(Map<String, Tensor> a, Map<String, Tensor> b) {
    if (!a.keySet().equals(b.keySet())) {
      return "tensor names " + a.keySet() + " vs " + b.keySet();
    }
    for (String k : a.keySet()) {
      // Arrays.equals on floats compares bit patterns (NaN included).
      if (!Arrays.equals(a.get(k).toFloats(), b.get(k).toFloats())) {
        return k;
      }
    }
    return null;
  }

  /**
   * Copies a run folder's checkpoint into a fresh folder, to resume from.
   *
   * @param from the run folder
   * @param to the new folder
   */
  static void copyCheckpoint(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    Files.copy(
        from.resolve(TrainingRun.CHECKPOINT),
        to.resolve(TrainingRun.CHECKPOINT),
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Trains every variant of {@link #VARIANTS} for one epoch into {@code args[0]/<variant>}.
   *
   * @param args the output root
   */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    for (String name : VARIANTS) {
      train(name, root.resolve(name), 1, 0, false);
    }
  }
}
