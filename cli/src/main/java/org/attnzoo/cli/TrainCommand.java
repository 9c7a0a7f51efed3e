package org.attnzoo.cli;

import ai.djl.Device;
import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.attnzoo.training.EpochMetrics;
import org.attnzoo.training.FineTuning;
import org.attnzoo.training.Progress;
import org.attnzoo.training.TosaRecipe;
import org.attnzoo.training.TosaReport;
import org.attnzoo.training.TrainConfig;
import org.attnzoo.training.TrainConfig.Defaults;
import org.attnzoo.training.Training;
import org.attnzoo.training.TrainingRun;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Pretrained;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.runtime.Devices;
import org.attnzoo.zoo.runtime.Platforms;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo train}: trains a variant with the DeiT/timm-style recipe of {@link TrainConfig},
 * writing checkpoints, metrics, a plot and the final {@code .params} into {@code --out}.
 */
@Command(
    name = "train",
    description = {
      "Train a variant (default: the small ViT on Fashion-MNIST).",
      "Writes OUT/last.ckpt (every epoch), OUT/metrics.csv, OUT/curves.png and OUT/<variant>.params.",
      "--recipe tosa: ToSA stages 2 (selectors, OUT/stage2.ckpt) and 3 (fine-tuning,"
          + " OUT/stage3.ckpt) from a dense --teacher; also writes OUT/tosa-summary.csv.",
      "--init-weights: fine-tune trained weights (a file, or zoo:<variant>[-<dataset>] shipped"
          + " with attnzoo), with a new --num-classes head and an optionally frozen backbone."
    })
final class TrainCommand implements Callable<Integer> {

  /** Checkpoint of the head-only stage of {@code --unfreeze-after}. */
  static final String HEAD_CHECKPOINT = FineTuning.HEAD_CHECKPOINT;

  /** Stage name of the head-only epochs in metrics.csv. */
  static final String HEAD_STAGE = FineTuning.HEAD_STAGE;

  @Option(
      names = "--variant",
      description =
          "variant name (default: vit_micro_patch4_32, with --recipe tosa vit_micro_patch4_32_tosa)")
  String variant;

  @Option(
      names = "--recipe",
      defaultValue = "default",
      description = "default (one stage) or tosa (ToSA stages 2 and 3 from a dense --teacher)")
  String recipe;

  @ArgGroup(validate = false, heading = "%nTransfer learning (--init-weights):%n")
  TransferOptions transfer = new TransferOptions();

  @ArgGroup(validate = false, heading = "%nToSA recipe (--recipe tosa):%n")
  TosaOptions tosaOptions = new TosaOptions();

  @Option(
      names = "--eval-batch-size",
      defaultValue = "" + Defaults.EVAL_BATCH_SIZE,
      description = "images per evaluation batch (also the larger timed batch of --recipe tosa)")
  int evalBatchSize;

  @Option(
      names = "--data",
      defaultValue = "fashion-mnist",
      description =
          "fashion-mnist (the Debian package's files if installed, else the shipped subset),"
              + " subset, synthetic, or a folder (IDX files, or one sub-folder of images per"
              + " class)")
  String data;

  @Option(names = "--max-train", defaultValue = "0", description = "use the first N images only")
  int maxTrain;

  @Option(names = "--out", description = "output folder (default: runs/<variant>)")
  Path out;

  @Option(
      names = "--resume",
      description = "continue from OUT/last.ckpt (--recipe tosa: stage3.ckpt, else stage2.ckpt)")
  boolean resume;

  @Option(
      names = "--overwrite",
      description =
          "start a new run in an --out folder that holds one, replacing its checkpoints, metrics"
              + " and weights")
  boolean overwrite;

  @Option(
      names = "--stop-after",
      defaultValue = "0",
      description = "stop after N epochs (resumable)")
  int stopAfter;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Option(names = "--epochs", defaultValue = "" + Defaults.EPOCHS)
  int epochs;

  @Option(names = "--batch-size", defaultValue = "" + Defaults.BATCH_SIZE)
  int batchSize;

  @Option(names = "--lr", defaultValue = "" + Defaults.LR, description = "peak learning rate")
  double lr;

  @Option(names = "--min-lr", defaultValue = "" + Defaults.MIN_LR)
  double minLr;

  @Option(names = "--warmup-epochs", defaultValue = "" + Defaults.WARMUP_EPOCHS)
  double warmupEpochs;

  @Option(names = "--weight-decay", defaultValue = "" + Defaults.WEIGHT_DECAY)
  double weightDecay;

  @Option(
      names = "--smoothing",
      defaultValue = "" + Defaults.LABEL_SMOOTHING,
      description = "label smoothing")
  double smoothing;

  @Option(
      names = "--clip-grad",
      defaultValue = "" + Defaults.CLIP_GRAD,
      description = "global norm bound (0: off)")
  double clipGrad;

  @Option(
      names = "--ema",
      defaultValue = "" + Defaults.EMA_DECAY,
      description = "weight EMA decay (0: off)")
  double ema;

  @Option(names = "--drop-path", description = "stochastic depth rate (default: the variant's)")
  Float dropPath;

  @Option(names = "--crop", defaultValue = Defaults.CROP, description = "pad-crop, rrc or none")
  String crop;

  @Option(
      names = "--padding",
      defaultValue = "" + Defaults.PADDING,
      description = "pad-crop padding")
  int padding;

  @Option(
      names = "--min-scale",
      defaultValue = "" + Defaults.MIN_SCALE,
      description = "rrc smallest area")
  double minScale;

  @Option(names = "--no-flip", description = "no horizontal flips")
  boolean noFlip;

  @Option(
      names = "--mixup",
      defaultValue = "" + Defaults.MIXUP,
      description = "mixup alpha (0: off)")
  double mixup;

  @Option(
      names = "--cutmix",
      defaultValue = "" + Defaults.CUTMIX,
      description = "cutmix alpha (0: off)")
  double cutmix;

  @Option(names = "--seed", defaultValue = "" + Defaults.SEED)
  long seed;

  @Option(names = "--quiet", description = "no progress bar")
  boolean quiet;

  TrainConfig config() {
    return TrainConfig.builder()
        .optEpochs(epochs)
        .optBatchSize(batchSize)
        .optLr(lr)
        .optMinLr(minLr)
        .optWarmupEpochs(warmupEpochs)
        .optWeightDecay(weightDecay)
        .optLabelSmoothing(smoothing)
        .optClipGrad(clipGrad)
        .optEmaDecay(ema)
        .optDropPath(dropPath)
        .optAugment(Defaults.augment(crop, padding, minScale, !noFlip, mixup, cutmix))
        .optSeed(seed)
        .optEvalBatchSize(evalBatchSize)
        .build();
  }

  @Override
  public Integer call() throws Exception {
    boolean tosa =
        switch (recipe) {
          case "default" -> false;
          case "tosa" -> true;
          default ->
              throw new IllegalArgumentException("--recipe must be default or tosa, got " + recipe);
        };
    if (transfer.pretrained) {
      // The variant's published weights, as if named by their Hub id.
      transfer.initWeights =
          ZooWeights.resolve(variant, transfer.initWeights, null, true, "--init-weights").weights();
    }
    if (transfer.initWeights == null && transfer.anyGiven()) {
      throw new IllegalArgumentException(
          "--num-classes, --freeze-backbone and --unfreeze-after fine-tune trained weights: give"
              + " --init-weights FILE or --init-weights zoo:<variant>[-<dataset>]");
    }
    if (tosa && transfer.initWeights != null) {
      throw new IllegalArgumentException(
          "--init-weights belongs to the default recipe; --recipe tosa starts from --teacher");
    }
    String name =
        variant != null
            ? variant
            : ShippedModels.isReference(transfer.initWeights)
                ? ShippedModels.parseReference(transfer.initWeights).variant()
                : Pretrained.variantOf(transfer.initWeights) // hf-hub:timm/<variant>.<tag>
                    .orElse(tosa ? "vit_micro_patch4_32_tosa" : "vit_micro_patch4_32");
    Variant v = Variants.get(name);
    Path dir = out != null ? out : Path.of("runs", name);
    guardRunFolder(dir, v, tosa);
    if (tosa) {
      return trainTosa(v, dir);
    }
    if (tosaOptions.anyGiven()) {
      throw new IllegalArgumentException(
          "--teacher, --teacher-variant and --keep-ratio belong to --recipe tosa");
    }
    if (transfer.initWeights != null) {
      return fineTune(v, dir);
    }
    Platforms.requireBundledNatives();
    Datasets.Split split = Training.data(v, data, maxTrain);
    Device dev = Devices.resolve(device, AttnZoo.DEFAULT_ENGINE);
    System.out.println(
        Training.train(v, config(), split, dir, resume, stopAfter, dev, progress()).summary());
    return 0;
  }

  /**
   * Fine-tuning from trained weights ({@link FineTuning}): the options checked against each other
   * and the data, the weights loaded with a new head ({@link TransferLearning}), then the stages.
   */
  private int fineTune(Variant published, Path dir) throws Exception {
    TrainConfig config = config();
    Integer unfreezeAfter = transfer.unfreezeAfter;
    if (unfreezeAfter != null) {
      if (!transfer.freezeBackbone) {
        throw new IllegalArgumentException(
            "--unfreeze-after ends a frozen backbone: give it with --freeze-backbone");
      }
      if (unfreezeAfter < 1 || unfreezeAfter >= config.epochs()) {
        throw new IllegalArgumentException(
            "--unfreeze-after "
                + unfreezeAfter
                + " must be between 1 and --epochs - 1 ("
                + (config.epochs() - 1)
                + "), so that both the head alone and the whole model train");
      }
    }
    ZooWeights.Resolved init =
        ZooWeights.resolve(published.name(), transfer.initWeights, null, "--init-weights");
    Variant base = TrainingRun.withDropPath(published, config.dropPath());
    int classes = transfer.numClasses != null ? transfer.numClasses : base.config().numClasses();
    Variant target = TransferLearning.withNumClasses(base, classes);
    Datasets.Split split = Training.data(target, data, maxTrain);
    int dataClasses = split.train().classes().size();
    if (dataClasses != classes) {
      throw new IllegalArgumentException(
          "--data "
              + data
              + " has "
              + dataClasses
              + " classes "
              + split.train().classes()
              + " but the model would have "
              + classes
              + (transfer.numClasses == null ? " (the variant's)" : "")
              + "; give --num-classes "
              + dataClasses);
    }
    FineTuning.Plan plan =
        new FineTuning.Plan(transfer.initWeights, classes, transfer.freezeBackbone, unfreezeAfter);
    if (resume) {
      Training.checkResumedDataset(plan.resumeCheckpoint(dir, resume), split.name());
    }
    Platforms.requireBundledNatives();
    Device dev = Devices.resolve(device, AttnZoo.DEFAULT_ENGINE);
    try (Model model = TransferLearning.load(base, init.weights(), classes, dev)) {
      Object report = model.getProperty(TransferLearning.REPORT);
      System.err.println(
          "init weights " + transfer.initWeights + (report != null ? ": " + report : ""));
      FineTuning.Result r =
          FineTuning.run(
              model, base, target, plan, config, split, dir, dev, resume, stopAfter, progress());
      if (!r.finished()) {
        System.out.println("stopped; continue with --resume (same options)");
        return 0;
      }
      System.out.printf(
          Locale.ROOT,
          "fine-tuned %s from %s to %d classes, %d epochs on %s (%s): test accuracy %.2f%%;"
              + " weights %s%n",
          target.name(),
          transfer.initWeights,
          classes,
          config.epochs(),
          split.name(),
          plan.mode(),
          100 * r.history().get(r.history().size() - 1).testAcc(),
          r.params());
      return 0;
    }
  }

  private int trainTosa(Variant v, Path dir) throws Exception {
    TosaRecipe.Options options = tosaOptions.toRecipeOptions();
    Variant tosa = TosaRecipe.withKeepRatio(v, options.keepRatio());
    Variant dense = TosaRecipe.denseVariant(v.name(), tosaOptions.teacherVariant);
    TrainConfig config = config();
    Platforms.requireBundledNatives();
    Device dev = Devices.resolve(device, AttnZoo.DEFAULT_ENGINE);
    // Fail on a teacher that does not fit before the data is loaded.
    TosaRecipe.loadTeacher(tosa, dense, options.teacher(), dev).close();
    Datasets.Split split = Training.data(v, data, maxTrain);
    if (resume) {
      Path stage3 = dir.resolve(TosaRecipe.STAGE3_CHECKPOINT);
      Training.checkResumedDataset(
          Files.exists(stage3) ? stage3 : dir.resolve(TosaRecipe.STAGE2_CHECKPOINT), split.name());
    }
    TosaRecipe.Result r =
        TosaRecipe.run(v, dense, config, options, split, dir, dev, resume, stopAfter, progress());
    for (EpochMetrics m : r.stage2()) {
      System.out.printf(
          Locale.ROOT,
          "stage 2 epoch %d: selector KL %.4f, test accuracy with selection %.2f%%%n",
          m.epoch(),
          m.trainLoss(),
          100 * m.testAcc());
    }
    for (EpochMetrics m : r.stage3()) {
      System.out.printf(
          Locale.ROOT,
          "stage 3 epoch %d: train loss %.4f, test accuracy %.2f%%%n",
          m.epoch(),
          m.trainLoss(),
          100 * m.testAcc());
    }
    if (!r.finished()) {
      System.out.println("stopped; continue with --resume (same options)");
      return 0;
    }
    System.out.println(TosaReport.table(r.dense(), r.tosa()));
    System.out.println("weights " + r.params() + "; summary " + dir.resolve(TosaRecipe.SUMMARY));
    return 0;
  }

  /**
   * A run folder is never replaced by accident: without {@code --resume} or {@code --overwrite} a
   * folder holding a run is refused (before, a 1-epoch run silently replaced an 8-epoch one). Also
   * removes the temporary files that writes interrupted by a crash left there.
   */
  private void guardRunFolder(Path dir, Variant v, boolean tosa) throws IOException {
    if (resume && overwrite) {
      throw new IllegalArgumentException("give --resume or --overwrite, not both");
    }
    for (Path stale : AtomicFiles.deleteStaleTemporaries(dir)) {
      System.err.println("removed " + stale + " (left by an interrupted write)");
    }
    List<Path> run = new ArrayList<>();
    for (String f :
        List.of(
            TrainingRun.CHECKPOINT,
            HEAD_CHECKPOINT,
            TosaRecipe.STAGE2_CHECKPOINT,
            TosaRecipe.STAGE3_CHECKPOINT,
            TrainingRun.METRICS,
            TosaRecipe.SUMMARY,
            v.name() + ".params")) {
      if (Files.exists(dir.resolve(f))) {
        run.add(dir.resolve(f));
      }
    }
    if (run.isEmpty() || resume) {
      return;
    }
    if (!overwrite) {
      throw new IllegalArgumentException(
          "--out "
              + dir
              + " already holds a run ("
              + run.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "))
              + "); continue it with --resume (same options), replace it with --overwrite, or"
              + " give another --out folder");
    }
    for (Path p : run) {
      Files.delete(p);
    }
    Files.deleteIfExists(dir.resolve(TrainingRun.PLOT));
  }

  private Progress progress() {
    return new Progress(System.err, !quiet);
  }

  /** The options of fine-tuning from trained weights ({@link TransferLearning}). */
  static final class TransferOptions {

    @Option(
        names = "--init-weights",
        paramLabel = "FILE|zoo:REF",
        description =
            "start from these weights instead of a random initialisation: a .safetensors (timm)"
                + " or .params file, a URL, hf-hub:ORG/NAME (a Hugging Face Hub repository), or"
                + " zoo:<variant>[-<dataset>] for weights shipped with attnzoo (e.g."
                + " zoo:vit_micro_patch4_32-fashion-mnist; the variant is then theirs)")
    String initWeights;

    @Option(names = "--pretrained", description = ZooWeights.PRETRAINED_HELP)
    boolean pretrained;

    @Option(
        names = "--num-classes",
        paramLabel = "N",
        description =
            "with --init-weights: a new classifier of N outputs (timm's num_classes), every other"
                + " weight loaded; must equal the classes of --data (default: the variant's)")
    Integer numClasses;

    @Option(
        names = "--freeze-backbone",
        description = "with --init-weights: train the classifier alone (default: every weight)")
    boolean freezeBackbone;

    @Option(
        names = "--unfreeze-after",
        paramLabel = "EPOCHS",
        description =
            "with --freeze-backbone: train the head alone for EPOCHS epochs (OUT/head.ckpt),"
                + " then the whole model for the rest of --epochs, each with its own schedule")
    Integer unfreezeAfter;

    /**
     * @return whether an option that only fine-tuning reads was given
     */
    boolean anyGiven() {
      return numClasses != null || freezeBackbone || unfreezeAfter != null;
    }
  }

  /** The options that only {@code --recipe tosa} reads; {@link TosaRecipe.Options} holds them. */
  static final class TosaOptions {

    @Option(
        names = "--teacher",
        description =
            "tosa: the dense teacher's .params (stage 1), e.g. runs/fm/vit_micro_patch4_32.params")
    Path teacher;

    @Option(
        names = "--teacher-variant",
        description =
            "tosa: the teacher's variant (default: the ToSA variant's name without _tosa)")
    String teacherVariant;

    @Option(
        names = "--keep-ratio",
        description =
            "tosa: share of patch tokens kept in selective layers, in (0, 1] (default: the"
                + " variant's)")
    Double keepRatio;

    @Option(
        names = "--selector-epochs",
        defaultValue = "" + TosaRecipe.Options.SELECTOR_EPOCHS,
        description = "tosa: stage-2 epochs (selectors only)")
    int selectorEpochs;

    @Option(
        names = "--selector-lr",
        defaultValue = "" + TosaRecipe.Options.SELECTOR_LR,
        description = "tosa: stage-2 peak learning rate (cosine, no warm-up)")
    double selectorLr;

    @Option(
        names = "--distill",
        defaultValue = "" + TosaRecipe.Options.DISTILL,
        description = "tosa: weight of soft distillation from the teacher in stage 3 (0: off)")
    double distill;

    @Option(
        names = "--selector-weight",
        defaultValue = "" + TosaRecipe.Options.SELECTOR_WEIGHT,
        description = "tosa: weight of the selector KL in stage 3 (0: off)")
    double selectorWeight;

    @Option(
        names = "--latency-iters",
        defaultValue = "" + TosaRecipe.Options.LATENCY_ITERS,
        description = "tosa: timed forward calls per model and batch size for the summary")
    int latencyIters;

    /**
     * @return whether an option that only the ToSA recipe reads was given
     */
    boolean anyGiven() {
      return teacher != null || teacherVariant != null || keepRatio != null;
    }

    TosaRecipe.Options toRecipeOptions() {
      return new TosaRecipe.Options(
          teacher, keepRatio, selectorEpochs, selectorLr, distill, selectorWeight, latencyIters);
    }
  }
}
