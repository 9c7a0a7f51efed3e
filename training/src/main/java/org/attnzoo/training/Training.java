package org.attnzoo.training;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.Variant;

/**
 * The one-stage recipe end to end, as the {@code train} and {@code demo} commands run it: data
 * named as on the command line, a {@link TrainingRun}, and the trained weights saved as {@code
 * <variant>.params} with the dataset, epochs and test accuracy as header properties.
 */
public final class Training {

  private Training() {}

  /**
   * What a run produced.
   *
   * @param params the saved weights
   * @param history per-epoch metrics
   * @param dataset the data's name
   */
  public record Result(Path params, List<EpochMetrics> history, String dataset) {

    /**
     * @return one line: epochs, data, test accuracy, training speed and the weights file
     */
    public String summary() {
      EpochMetrics last = history.get(history.size() - 1);
      return String.format(
          Locale.ROOT,
          "trained %d epochs on %s: test accuracy %.2f%%, %.0f train images/s; weights %s",
          last.epoch(),
          dataset,
          100 * last.testAcc(),
          last.imagesPerSecond(),
          params);
    }
  }

  /**
   * Trains (or resumes) {@code v} and saves its weights into {@code dir}.
   *
   * @param v the variant
   * @param config the recipe
   * @param split the data, fitted to the variant ({@link #data})
   * @param dir the run folder
   * @param resume continue from its checkpoint
   * @param stopAfter stop after this many epochs (0: run to the end)
   * @param device where to train
   * @param progress where progress goes
   * @return the weights and metrics
   * @throws IOException if files cannot be read or written
   */
  public static Result train(
      Variant v,
      TrainConfig config,
      Datasets.Split split,
      Path dir,
      boolean resume,
      int stopAfter,
      Device device,
      Progress progress)
      throws IOException {
    if (resume) {
      checkResumedDataset(dir.resolve(TrainingRun.CHECKPOINT), split.name());
    }
    try (TrainingRun run = new TrainingRun(v, config, split, dir, device)) {
      run.progress(progress);
      List<EpochMetrics> history = run.run(resume, stopAfter);
      if (history.isEmpty()) {
        throw new IllegalStateException("no epoch was trained (already finished?)");
      }
      EpochMetrics last = history.get(history.size() - 1);
      Path params =
          TrainedParams.save(
              run.model().getBlock(), v, dir, split.name(), last.epoch(), last.testAcc(), Map.of());
      return new Result(params, history, split.name());
    }
  }

  /**
   * The data a variant trains on, fitted to its input, with a line about it on standard error.
   *
   * @param v the variant
   * @param spec {@code fashion-mnist}, {@code subset}, {@code synthetic} or a folder ({@link
   *     #load})
   * @param maxTrain use the first {@code maxTrain} training images only (0: all)
   * @return the split
   * @throws IOException if the data cannot be read
   */
  public static Datasets.Split data(Variant v, String spec, int maxTrain) throws IOException {
    int channels = (int) v.config().inputShape().get(0);
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split split = load(spec, channels, side, v.config().numClasses());
    if (maxTrain > 0) {
      split = new Datasets.Split(split.name(), split.train().head(maxTrain), split.test());
    }
    split = split.fit(channels, side);
    System.err.printf(
        Locale.ROOT,
        "training %s on %s: %d train / %d test images%n",
        v.name(),
        split.name(),
        split.train().size(),
        split.test().size());
    return split;
  }

  /**
   * @param spec {@code fashion-mnist} (the Debian package's files if installed, else the shipped
   *     subset), {@code subset}, {@code synthetic}, or a folder (IDX files, or one sub-folder of
   *     images per class)
   * @param channels the model's input channels (synthetic data)
   * @param side the model's input side (synthetic data, folders of images)
   * @param numClasses the model's classes (synthetic data: at most {@code side / 2} of them)
   * @return the data as stored, not yet fitted
   * @throws IOException if the data cannot be read
   */
  public static Datasets.Split load(String spec, int channels, int side, int numClasses)
      throws IOException {
    return switch (spec) {
      case "fashion-mnist" -> Datasets.fashionMnistDefault();
      case "subset" -> Datasets.fashionMnistSubset();
      case "synthetic" ->
          Datasets.synthetic(2000, 500, Math.min(numClasses, side / 2), channels, side, 1);
      default -> Datasets.fromFolder(Path.of(spec), channels, side);
    };
  }

  /**
   * The dataset must be the one the checkpoint was trained on, as the variant and the recipe must
   * ({@link TrainingRun} checks those): otherwise the run continues on other data and the saved
   * {@code .params} names the wrong dataset.
   *
   * @param checkpoint a checkpoint to resume from (nothing is checked if there is none)
   * @param dataset the data's name now
   * @throws IOException if the checkpoint cannot be read
   * @throws IllegalArgumentException naming both datasets if they differ
   */
  public static void checkResumedDataset(Path checkpoint, String dataset) throws IOException {
    if (!Files.isRegularFile(checkpoint)) {
      return; // TrainingRun reports the missing checkpoint
    }
    String trained = Checkpoint.load(checkpoint).meta().dataset();
    if (trained != null && !trained.equals(dataset)) {
      throw new IllegalArgumentException(
          checkpoint
              + " was trained on "
              + trained
              + ", not "
              + dataset
              + "; resume with the same --data, or start a new run with --overwrite");
    }
  }
}
