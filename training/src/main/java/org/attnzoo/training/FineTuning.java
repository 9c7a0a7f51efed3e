package org.attnzoo.training;

import ai.djl.Device;
import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;

/**
 * Fine-tuning from trained weights, as timm's {@code num_classes=K} with the head alone or the
 * whole model trained: {@link TransferLearning} has loaded the weights and started a new head;
 * {@link TrainingRun} trains that model. With {@link Plan#unfreezeAfter} the head trains alone for
 * that many epochs ({@value #HEAD_CHECKPOINT}), then everything for the rest, each stage with its
 * own warm-up and cosine schedule: a new head's large early gradients would otherwise reach the
 * backbone at the peak learning rate.
 */
public final class FineTuning {

  /** Checkpoint of the head-only stage. */
  public static final String HEAD_CHECKPOINT = "head.ckpt";

  /** Stage name of the head-only epochs in metrics.csv. */
  public static final String HEAD_STAGE = "head";

  private FineTuning() {}

  /**
   * What is trained.
   *
   * @param initWeights where the weights came from (recorded in checkpoints and the {@code
   *     .params})
   * @param classes outputs of the new head
   * @param freezeBackbone whether the backbone starts frozen
   * @param unfreezeAfter epochs of the head alone before the whole model trains, or null (then the
   *     backbone stays as {@code freezeBackbone} says)
   */
  public record Plan(
      String initWeights, int classes, boolean freezeBackbone, Integer unfreezeAfter) {

    /**
     * @return how the backbone trains, in words
     */
    public String mode() {
      return !freezeBackbone
          ? "all trained"
          : unfreezeAfter == null
              ? "backbone frozen"
              : "backbone frozen for " + unfreezeAfter + " epochs";
    }

    /**
     * @param dir the run folder
     * @param resume whether the run resumes
     * @return whether a resumed run is past the head stage (the whole-model checkpoint exists)
     */
    public boolean inFullStage(Path dir, boolean resume) {
      return unfreezeAfter != null && resume && Files.exists(dir.resolve(TrainingRun.CHECKPOINT));
    }

    /**
     * @param dir the run folder
     * @param resume whether the run resumes
     * @return the checkpoint a resumed run continues from
     */
    public Path resumeCheckpoint(Path dir, boolean resume) {
      return dir.resolve(
          unfreezeAfter != null && !inFullStage(dir, resume)
              ? HEAD_CHECKPOINT
              : TrainingRun.CHECKPOINT);
    }

    // A resumed run must start from the same weights, head and freezing as the checkpoint's.
    private String tag() {
      return String.format(Locale.ROOT, "init %s, %d classes, %s", initWeights, classes, mode());
    }
  }

  /**
   * What a call produced.
   *
   * @param history metrics of both stages so far
   * @param params the saved weights, or null if the run stopped before its end
   */
  public record Result(List<EpochMetrics> history, Path params) {

    /**
     * @return whether every epoch was trained and the weights saved
     */
    public boolean finished() {
      return params != null;
    }
  }

  /**
   * Trains (or resumes) the stages and saves {@code <target>.params}.
   *
   * @param model the model with the loaded weights and the new head
   * @param base the variant the weights are of (stochastic depth applied)
   * @param target {@code base} with the new number of classes
   * @param plan what is trained
   * @param config the recipe; each stage gets its share of the epochs and its own schedule
   * @param split the data, fitted to the variant
   * @param dir the run folder
   * @param device where to train
   * @param resume continue from the checkpoints in {@code dir}
   * @param stopAfter stop after this many epochs in this call, both stages counted (0: run to the
   *     end)
   * @param progress where progress goes
   * @return the metrics, and the weights once finished
   * @throws IOException if files cannot be read or written
   */
  public static Result run(
      Model model,
      Variant base,
      Variant target,
      Plan plan,
      TrainConfig config,
      Datasets.Split split,
      Path dir,
      Device device,
      boolean resume,
      int stopAfter,
      Progress progress)
      throws IOException {
    Integer head = plan.unfreezeAfter();
    boolean inFullStage = plan.inFullStage(dir, resume);
    if (plan.freezeBackbone()) {
      TransferLearning.freezeBackbone(model, base, true);
    }
    List<EpochMetrics> history = new ArrayList<>();
    int ran = 0;
    if (head != null) {
      if (inFullStage) {
        // The full stage's checkpoint holds every weight; the head stage only gives its rows.
        history.addAll(Checkpoint.load(dir.resolve(HEAD_CHECKPOINT)).meta().history());
      } else {
        TrainingRun.Stage stage =
            new TrainingRun.Stage(
                HEAD_STAGE,
                HEAD_CHECKPOINT,
                model,
                null,
                TrainingRun.Objective.CROSS_ENTROPY,
                plan.tag(),
                List.of());
        try (TrainingRun run =
            new TrainingRun(target, schedule(config, head), split, dir, device, stage)
                .progress(progress)) {
          history.addAll(run.run(resume, stopAfter));
          ran = run.ranInLastCall();
        }
        if (history.size() < head || (stopAfter > 0 && ran >= stopAfter)) {
          return new Result(history, null);
        }
      }
      TransferLearning.freezeBackbone(model, base, false);
      progress.log("backbone unfrozen: the whole model trains");
    }
    int rest = config.epochs() - (head != null ? head : 0);
    TrainingRun.Stage stage =
        new TrainingRun.Stage(
            EpochMetrics.TRAIN,
            TrainingRun.CHECKPOINT,
            model,
            null,
            TrainingRun.Objective.CROSS_ENTROPY,
            plan.tag(),
            history);
    List<EpochMetrics> trained;
    try (TrainingRun run =
        new TrainingRun(target, schedule(config, rest), split, dir, device, stage)
            .progress(progress)) {
      trained = run.run(head != null ? inFullStage : resume, stopAfter > 0 ? stopAfter - ran : 0);
    }
    history.addAll(trained);
    if (trained.size() < rest) {
      return new Result(history, null);
    }
    EpochMetrics last = trained.get(trained.size() - 1);
    Path params =
        TrainedParams.save(
            model.getBlock(),
            target,
            dir,
            split.name(),
            config.epochs(),
            last.testAcc(),
            Map.of(
                "init_weights",
                plan.initWeights(),
                "num_classes",
                Integer.toString(plan.classes())));
    return new Result(history, params);
  }

  // A stage of `epochs` epochs: its own warm-up (at most the run's) and cosine.
  private static TrainConfig schedule(TrainConfig config, int epochs) {
    return config.withSchedule(epochs, config.batchSize(), Math.min(config.warmupEpochs(), epochs));
  }
}
