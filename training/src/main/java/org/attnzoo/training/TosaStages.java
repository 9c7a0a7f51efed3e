package org.attnzoo.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.attnzoo.backbones.tosa.TosaTraining;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.Seeds;
import org.attnzoo.training.recipe.Losses;
import org.attnzoo.zoo.TosaVariants;
import org.attnzoo.zoo.Variant;

/**
 * Stages 2 and 3 of the ToSA recipe on one ToSA model and its teacher, each a {@link TrainingRun}
 * stage with its own checkpoint, tag and loss from {@link TosaTraining}: the selectors alone learn
 * the teacher's attention, then the whole model fine-tunes with selection active.
 */
final class TosaStages {

  private final Variant tosa;
  private final Variant denseVariant;
  private final Model model;
  private final VisionTransformer student;
  private final VisionTransformer dense;
  private final TrainConfig config;
  private final TosaRecipe.Options options;
  private final Datasets.Split data;
  private final Path out;
  private final Device device;
  private final Progress progress;
  private int ranInLastCall;

  /**
   * @param tosa the ToSA variant (keep ratio and stochastic depth applied)
   * @param denseVariant the teacher's variant
   * @param teacher the loaded teacher
   * @param model the ToSA model with the teacher's backbone
   * @param config the stage-3 recipe
   * @param options the ToSA options
   * @param data the data, fitted to the variant
   * @param out the run folder
   * @param device where to train
   * @param progress where progress goes
   */
  TosaStages(
      Variant tosa,
      Variant denseVariant,
      Model teacher,
      Model model,
      TrainConfig config,
      TosaRecipe.Options options,
      Datasets.Split data,
      Path out,
      Device device,
      Progress progress) {
    this.tosa = tosa;
    this.denseVariant = denseVariant;
    this.model = model;
    this.student = (VisionTransformer) model.getBlock();
    this.dense = (VisionTransformer) teacher.getBlock();
    this.config = config;
    this.options = options;
    this.data = data;
    this.out = out;
    this.device = device;
    this.progress = progress;
  }

  /**
   * The stage-2 recipe: {@code config}'s batch size, weight decay, betas, clipping, augmentation
   * (without mixup/cutmix: the targets are attention maps, not labels), no EMA, no label smoothing,
   * the selector epochs and learning rate, cosine to 1% without warm-up, and a seed of its own.
   *
   * @param config the stage-3 recipe
   * @param o the ToSA options
   * @return the stage-2 recipe
   */
  static TrainConfig stage2Config(TrainConfig config, TosaRecipe.Options o) {
    Augment a = config.augment();
    return config.toBuilder()
        .optEpochs(o.selectorEpochs())
        .optLr(o.selectorLr())
        .optMinLr(o.selectorLr() * 0.01)
        .optWarmupEpochs(0)
        .optLabelSmoothing(0)
        .optEmaDecay(0)
        .optAugment(new Augment(a.crop(), a.padding(), a.minScale(), a.flip(), 0, 0, 0))
        .optSeed(Seeds.mix(config.seed(), Seeds.TOSA_STAGE2_STREAM))
        .build();
  }

  /**
   * Stage 2: the selectors learn to predict the teacher's next-layer attention, backbone frozen.
   *
   * @param resume continue from {@code stage2.ckpt}
   * @param stopAfter stop after this many epochs (0: run to the end)
   * @return the stage's metrics so far (their train loss is the selector KL)
   * @throws IOException if files cannot be read or written
   */
  List<EpochMetrics> selectors(boolean resume, int stopAfter) throws IOException {
    TrainingRun.Stage stage =
        new TrainingRun.Stage(
            TosaRecipe.STAGE2,
            TosaRecipe.STAGE2_CHECKPOINT,
            model,
            TosaTraining.selectorParameters(student),
            (block, ps, x, t) ->
                new TrainingRun.Objective.Output(
                    TosaTraining.selectorLoss(student, dense, ps, x, true), null),
            String.format(
                Locale.ROOT, "tosa stage2 teacher=%s keep=%s", denseVariant.name(), keep()),
            List.of());
    progress.log(
        String.format(
            Locale.ROOT,
            "ToSA stage 2: selectors of %s (keep %s) learn the attention of %s, backbone frozen",
            tosa.name(),
            keep(),
            denseVariant.name()));
    return run(stage2Config(config, options), stage, resume, stopAfter);
  }

  /**
   * Stage 3: the whole model fine-tunes with selection active, on the recipe's soft targets, plus
   * the teacher's terms of {@link TosaTraining#stage3Loss} when their weights are positive.
   *
   * @param stage2 the stage-2 rows, written before this stage's
   * @param resume continue from {@code stage3.ckpt}
   * @param stopAfter stop after this many epochs (0: run to the end)
   * @return the stage's metrics so far
   * @throws IOException if files cannot be read or written
   */
  List<EpochMetrics> fineTune(List<EpochMetrics> stage2, boolean resume, int stopAfter)
      throws IOException {
    float distill = (float) options.distill();
    float selectorWeight = (float) options.selectorWeight();
    TrainingRun.Stage stage =
        new TrainingRun.Stage(
            TosaRecipe.STAGE3,
            TosaRecipe.STAGE3_CHECKPOINT,
            model,
            null,
            (block, ps, x, t) -> {
              NDArray logits = block.forward(ps, new NDList(x), true).singletonOrThrow();
              NDArray task = Losses.softTargetCrossEntropy(logits, t);
              return new TrainingRun.Objective.Output(
                  TosaTraining.stage3Loss(
                      task, logits, student, dense, ps, x, distill, selectorWeight),
                  logits);
            },
            String.format(
                Locale.ROOT,
                "tosa stage3 teacher=%s keep=%s selector-epochs=%d selector-lr=%s distill=%s"
                    + " selector-weight=%s",
                denseVariant.name(),
                keep(),
                options.selectorEpochs(),
                options.selectorLr(),
                options.distill(),
                options.selectorWeight()),
            stage2);
    progress.log("ToSA stage 3: fine-tuning with selection active");
    return run(config, stage, resume, stopAfter);
  }

  /**
   * @return epochs trained by the last stage call (resumed ones not included)
   */
  int ranInLastCall() {
    return ranInLastCall;
  }

  private double keep() {
    return TosaVariants.layers(tosa).keepRatio();
  }

  private List<EpochMetrics> run(
      TrainConfig recipe, TrainingRun.Stage stage, boolean resume, int stopAfter)
      throws IOException {
    try (TrainingRun run =
        new TrainingRun(tosa, recipe, data, out, device, stage).progress(progress)) {
      List<EpochMetrics> history = run.run(resume, stopAfter);
      ranInLastCall = run.ranInLastCall();
      return history;
    }
  }
}
