package org.attnzoo.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.backbones.tosa.TosaCost;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.tosa.TosaTraining;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.nn.Scalars;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.Seeds;
import org.attnzoo.training.recipe.Losses;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.runtime.ForwardTiming;
import org.attnzoo.zoo.weights.ParamsFile;

/**
 * The ToSA multi-stage recipe (Singh et al., 2024, Sec. 3.2) on top of {@link TrainingRun}:
 *
 * <ol>
 *   <li>stage 1 is a given dense teacher ({@code .params} of the dense variant); its weights are
 *       copied into a ToSA model of the same size ({@link TosaTraining#copyBackbone});
 *   <li>stage 2 trains only the selectors, backbone frozen, to predict the teacher's next-layer
 *       attention ({@link TosaTraining#selectorLoss}, a KL divergence) with AdamW and a cosine
 *       schedule of their own ({@code stage2.ckpt});
 *   <li>stage 3 fine-tunes the whole ToSA model with selection active with the normal recipe
 *       (cross-entropy on the smoothed/mixed targets), optionally plus soft distillation from the
 *       teacher and the selector KL ({@code stage3.ckpt}).
 * </ol>
 *
 * <p>Both stages write rows into one {@code metrics.csv} (column {@code stage}); a stopped run
 * resumes in the stage it stopped in. At the end the ToSA weights go to {@code <variant>.params}
 * (with the keep ratio as a header property) and the comparison with the teacher to {@code
 * tosa-summary.csv}. {@code AttnZoo.load} (hence {@code Criteria}, {@code attnzoo run} and {@code
 * predict}) builds the model with the keep ratio stored in the file.
 */
public final class TosaRecipe {

  /** Stage name of the selector training. */
  public static final String STAGE2 = "stage2";

  /** Stage name of the fine-tuning. */
  public static final String STAGE3 = "stage3";

  /** Checkpoint of stage 2 inside the output folder. */
  public static final String STAGE2_CHECKPOINT = "stage2.ckpt";

  /** Checkpoint of stage 3 inside the output folder. */
  public static final String STAGE3_CHECKPOINT = "stage3.ckpt";

  /** Summary file inside the output folder. */
  public static final String SUMMARY = "tosa-summary.csv";

  /** Header of {@link #SUMMARY}. */
  public static final String SUMMARY_HEADER =
      "model,variant,keep_ratio,test_acc,attention_macs,layer_macs,latency_b1_ms,eval_batch,"
          + "latency_eval_batch_ms";

  private static final long INIT_STREAM = 0x1_0000_0000L;
  private static final long STAGE2_STREAM = 0x7_0000_0000L;

  private TosaRecipe() {}

  /**
   * What the recipe adds to a {@link TrainConfig} (which is the stage-3 recipe).
   *
   * @param teacher the dense teacher's {@code .params} (or timm {@code .safetensors}) file
   * @param keepRatio the keep ratio of the selective layers, or null for the variant's
   * @param selectorEpochs stage-2 epochs (at least 1)
   * @param selectorLr stage-2 peak learning rate (cosine to 1% of it, no warm-up)
   * @param distill weight of the soft distillation from the teacher in stage 3 (0: off)
   * @param selectorWeight weight of the selector KL in stage 3 (0: off)
   * @param latencyIters timed forward calls per model and batch size for the summary (0: none)
   */
  public record Options(
      Path teacher,
      Double keepRatio,
      int selectorEpochs,
      double selectorLr,
      double distill,
      double selectorWeight,
      int latencyIters) {

    /** Default stage-2 epochs. */
    public static final int SELECTOR_EPOCHS = 1;

    /** Default stage-2 peak learning rate. */
    public static final double SELECTOR_LR = 1e-3;

    /** Default weight of the soft distillation in stage 3 (off). */
    public static final double DISTILL = 0;

    /** Default weight of the selector KL in stage 3 (off). */
    public static final double SELECTOR_WEIGHT = 0;

    /** Default timed forward calls per model and batch size. */
    public static final int LATENCY_ITERS = 20;

    /** Checks the values. */
    public Options {
      if (teacher == null) {
        throw new IllegalArgumentException(
            "the ToSA recipe needs a dense teacher (--teacher FILE)");
      }
      if (keepRatio != null) {
        checkKeepRatio(keepRatio);
      }
      if (selectorEpochs < 1) {
        throw new IllegalArgumentException("selectorEpochs must be >= 1, got " + selectorEpochs);
      }
      if (!(selectorLr > 0)) {
        throw new IllegalArgumentException("selectorLr must be > 0, got " + selectorLr);
      }
      if (!(distill >= 0) || !(selectorWeight >= 0)) {
        throw new IllegalArgumentException(
            "distill and selectorWeight must be >= 0, got " + distill + ", " + selectorWeight);
      }
      if (latencyIters < 0) {
        throw new IllegalArgumentException("latencyIters must be >= 0, got " + latencyIters);
      }
    }

    /**
     * @param teacher the dense teacher's weights
     * @return the documented defaults: the variant's keep ratio, 1 selector epoch at lr 1e-3, no
     *     distillation, no selector KL in stage 3, 20 timed calls
     */
    public static Options defaults(Path teacher) {
      return new Options(
          teacher, null, SELECTOR_EPOCHS, SELECTOR_LR, DISTILL, SELECTOR_WEIGHT, LATENCY_ITERS);
    }
  }

  /**
   * One row of the summary.
   *
   * @param model {@code dense} or {@code tosa}
   * @param variant the variant name
   * @param keepRatio 1 for the dense model
   * @param testAcc test accuracy
   * @param attentionMacs {@link TosaCost#attentionMacs} per image
   * @param layerMacs {@link TosaCost#layerMacs} per image
   * @param latencyBatch1Ms median forward time at batch 1 (NaN: not measured)
   * @param evalBatch the larger batch size timed
   * @param latencyEvalBatchMs median forward time of the whole batch of {@code evalBatch} images
   */
  public record Measure(
      String model,
      String variant,
      double keepRatio,
      double testAcc,
      long attentionMacs,
      long layerMacs,
      double latencyBatch1Ms,
      int evalBatch,
      double latencyEvalBatchMs) {

    /**
     * @return the row as CSV
     */
    public String csv() {
      return String.format(
          Locale.ROOT,
          "%s,%s,%s,%.6f,%d,%d,%.4f,%d,%.4f",
          model,
          variant,
          keepRatio,
          testAcc,
          attentionMacs,
          layerMacs,
          latencyBatch1Ms,
          evalBatch,
          latencyEvalBatchMs);
    }
  }

  /**
   * What a call produced.
   *
   * @param history metrics of both stages so far ({@link EpochMetrics#stage})
   * @param finished whether stage 3 ran to its end (false after {@code stopAfter})
   * @param params the saved ToSA weights (null if not finished)
   * @param dense the teacher's summary row (null if not finished)
   * @param tosa the ToSA model's summary row (null if not finished)
   */
  public record Result(
      List<EpochMetrics> history, boolean finished, Path params, Measure dense, Measure tosa) {

    /**
     * @return the stage-2 rows (their train loss is the selector KL)
     */
    public List<EpochMetrics> stage2() {
      return history.stream().filter(m -> STAGE2.equals(m.stage())).toList();
    }

    /**
     * @return the stage-3 rows
     */
    public List<EpochMetrics> stage3() {
      return history.stream().filter(m -> STAGE3.equals(m.stage())).toList();
    }
  }

  /**
   * @param keepRatio a keep ratio
   * @throws IllegalArgumentException unless it is in (0, 1]
   */
  public static void checkKeepRatio(double keepRatio) {
    if (!(keepRatio > 0 && keepRatio <= 1)) {
      throw new IllegalArgumentException(
          "ToSA keep ratio must be in (0, 1] (share of patch tokens a selective layer keeps), got "
              + keepRatio);
    }
  }

  /**
   * @param variant a ToSA variant
   * @return its layout
   * @throws IllegalArgumentException if it is not a ViT with {@link TosaLayers}
   */
  public static TosaLayers layers(Variant variant) {
    if (variant.config() instanceof VitConfig vit && vit.layers() instanceof TosaLayers t) {
      return t;
    }
    throw new IllegalArgumentException(
        "the ToSA recipe needs a ToSA variant (a ViT with TosaLayers, e.g. vit_micro_patch4_32_tosa),"
            + " got "
            + variant.name());
  }

  /**
   * @param variant a ToSA variant
   * @param keepRatio a keep ratio in (0, 1], or null for the variant's
   * @return the variant with that keep ratio (same name and parameters)
   */
  public static Variant withKeepRatio(Variant variant, Double keepRatio) {
    TosaLayers t = layers(variant);
    if (keepRatio == null) {
      return variant;
    }
    checkKeepRatio(keepRatio);
    VitConfig vit = (VitConfig) variant.config();
    TosaLayers layers =
        new TosaLayers(keepRatio, t.selectiveLayers(), t.selectorHidden(), t.selectorKernel());
    return new Variant(
        variant.name(),
        vit.toBuilder().optLayers(layers).build(),
        variant.data(),
        variant.reference());
  }

  /**
   * The dense variant a ToSA variant is trained from: {@code teacherVariant} if given, else the
   * name without {@code _tosa}.
   *
   * @param tosa the ToSA variant's name
   * @param teacherVariant an explicit dense variant name, or null
   * @return the dense variant of the table
   * @throws IllegalArgumentException if there is none
   */
  public static Variant denseVariant(String tosa, String teacherVariant) {
    if (teacherVariant != null) {
      return Variants.get(teacherVariant);
    }
    if (!tosa.endsWith("_tosa")) {
      throw new IllegalArgumentException(
          "cannot derive the dense teacher variant of "
              + tosa
              + " (no _tosa suffix): give --teacher-variant");
    }
    return Variants.get(tosa.substring(0, tosa.length() - "_tosa".length()));
  }

  /**
   * Loads the teacher: its weights must be of {@code dense}, and {@code dense} must be {@code
   * tosa}'s architecture without the ToSA layers.
   *
   * @param tosa the ToSA variant
   * @param dense the dense variant
   * @param file the teacher's weights
   * @param device where to run
   * @return the teacher, its parameters frozen
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file if it does not fit
   */
  public static Model loadTeacher(Variant tosa, Variant dense, Path file, Device device)
      throws IOException {
    layers(tosa);
    if (!(dense.config() instanceof VitConfig d) || d.layers() instanceof TosaLayers) {
      throw new IllegalArgumentException(
          "the teacher variant must be a dense ViT, got " + dense.name());
    }
    VitConfig t = (VitConfig) tosa.config();
    VitConfig expected =
        t.toBuilder().optLayers(d.layers()).optDropPathRate(d.dropPathRate()).build();
    if (!expected.equals(d)) {
      throw new IllegalArgumentException(
          "teacher variant "
              + dense.name()
              + " is not the dense architecture of "
              + tosa.name()
              + ":\n  teacher: "
              + d
              + "\n  ToSA:    "
              + t);
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("teacher weights not found: " + file);
    }
    Model teacher;
    try {
      teacher = AttnZoo.load(dense, file.toString(), device, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "teacher "
              + file
              + " does not fit the dense variant "
              + dense.name()
              + " of "
              + tosa.name()
              + ": "
              + e.getMessage(),
          e);
    }
    teacher.getBlock().freezeParameters(true);
    return teacher;
  }

  /**
   * Stage 1 to 2: a ToSA model (seeded initialisation of the selectors) with the teacher's weights.
   *
   * @param tosa the ToSA variant (keep ratio and stochastic depth applied)
   * @param teacher the loaded teacher
   * @param seed the run seed
   * @param device where to run
   * @return the model
   */
  public static Model newTosaModel(Variant tosa, Model teacher, long seed, Device device) {
    long s = Seeds.mix(seed, INIT_STREAM);
    Engine.getEngine(AttnZoo.DEFAULT_ENGINE)
        .setRandomSeed((int) (s ^ (s >>> 32)) & Integer.MAX_VALUE);
    Model model = AttnZoo.newModel(tosa, device, null);
    try {
      TosaTraining.copyBackbone(teacher.getBlock(), (VisionTransformer) model.getBlock());
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
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
  public static TrainConfig stage2Config(TrainConfig config, Options o) {
    Augment a = config.augment();
    return config.toBuilder()
        .optEpochs(o.selectorEpochs())
        .optLr(o.selectorLr())
        .optMinLr(o.selectorLr() * 0.01)
        .optWarmupEpochs(0)
        .optLabelSmoothing(0)
        .optEmaDecay(0)
        .optAugment(new Augment(a.crop(), a.padding(), a.minScale(), a.flip(), 0, 0, 0))
        .optSeed(Seeds.mix(config.seed(), STAGE2_STREAM))
        .build();
  }

  /**
   * Runs (or resumes) stages 2 and 3, then saves the weights and writes the summary.
   *
   * @param tosaVariant the ToSA variant (with {@code o.keepRatio()} still to apply)
   * @param denseVariant the teacher's variant
   * @param config the stage-3 recipe (see {@link #stage2Config} for stage 2)
   * @param o the ToSA options
   * @param data the data, fitted to the variant's input
   * @param out the output folder
   * @param device where to train
   * @param resume continue from {@code stage3.ckpt} if present, else from {@code stage2.ckpt}
   * @param stopAfter stop after this many epochs in this call, both stages counted (0: run to the
   *     end)
   * @param progress where progress goes
   * @return what was trained and measured
   * @throws IOException if files cannot be read or written
   */
  public static Result run(
      Variant tosaVariant,
      Variant denseVariant,
      TrainConfig config,
      Options o,
      Datasets.Split data,
      Path out,
      Device device,
      boolean resume,
      int stopAfter,
      Progress progress)
      throws IOException {
    Variant tosa =
        TrainingRun.withDropPath(withKeepRatio(tosaVariant, o.keepRatio()), config.dropPath());
    double keep = layers(tosa).keepRatio();
    Path stage2File = out.resolve(STAGE2_CHECKPOINT);
    Path stage3File = out.resolve(STAGE3_CHECKPOINT);
    boolean inStage3 = resume && Files.isRegularFile(stage3File);
    if (resume && !inStage3 && !Files.isRegularFile(stage2File)) {
      throw new IllegalArgumentException(
          "nothing to resume: "
              + out
              + " has neither "
              + STAGE2_CHECKPOINT
              + " nor "
              + STAGE3_CHECKPOINT);
    }
    Files.createDirectories(out);
    String tag2 =
        String.format(Locale.ROOT, "tosa stage2 teacher=%s keep=%s", denseVariant.name(), keep);
    String tag3 =
        String.format(
            Locale.ROOT,
            "tosa stage3 teacher=%s keep=%s selector-epochs=%d selector-lr=%s distill=%s"
                + " selector-weight=%s",
            denseVariant.name(),
            keep,
            o.selectorEpochs(),
            o.selectorLr(),
            o.distill(),
            o.selectorWeight());
    try (Model teacher = loadTeacher(tosa, denseVariant, o.teacher(), device);
        Model model = newTosaModel(tosa, teacher, config.seed(), device)) {
      VisionTransformer student = (VisionTransformer) model.getBlock();
      VisionTransformer dense = (VisionTransformer) teacher.getBlock();
      List<EpochMetrics> stage2;
      int ran = 0;
      if (inStage3) {
        // Stage 3's checkpoint holds every weight; stage 2 only contributes its metrics rows.
        stage2 = Checkpoint.load(stage2File).meta().history();
      } else {
        TrainingRun.Stage s2 =
            new TrainingRun.Stage(
                STAGE2,
                STAGE2_CHECKPOINT,
                model,
                TosaTraining.selectorParameters(student),
                (block, ps, x, t) ->
                    new TrainingRun.Objective.Output(
                        TosaTraining.selectorLoss(student, dense, ps, x, true), null),
                tag2,
                List.of());
        progress.log(
            String.format(
                Locale.ROOT,
                "ToSA stage 2: selectors of %s (keep %s) learn the attention of %s, backbone frozen",
                tosa.name(),
                keep,
                denseVariant.name()));
        try (TrainingRun run =
            new TrainingRun(tosa, stage2Config(config, o), data, out, device, s2)
                .progress(progress)) {
          stage2 = run.run(resume, stopAfter);
          ran = run.ranInLastCall();
        }
        if (stage2.size() < o.selectorEpochs() || (stopAfter > 0 && ran >= stopAfter)) {
          return new Result(stage2, false, null, null, null);
        }
      }
      float distill = (float) o.distill();
      float selectorWeight = (float) o.selectorWeight();
      TrainingRun.Stage s3 =
          new TrainingRun.Stage(
              STAGE3,
              STAGE3_CHECKPOINT,
              model,
              null,
              (block, ps, x, t) -> {
                NDArray logits = block.forward(ps, new NDList(x), true).singletonOrThrow();
                NDArray loss = Losses.softTargetCrossEntropy(logits, t);
                if (distill > 0) {
                  NDArray teacherLogits =
                      dense.forward(ps, new NDList(x), false).singletonOrThrow().stopGradient();
                  loss =
                      loss.add(
                          Scalars.mul(Losses.softDistillation(logits, teacherLogits), distill));
                }
                if (selectorWeight > 0) {
                  loss =
                      loss.add(
                          Scalars.mul(
                              TosaTraining.selectorLoss(student, dense, ps, x, true),
                              selectorWeight));
                }
                return new TrainingRun.Objective.Output(loss, logits);
              },
              tag3,
              stage2);
      progress.log("ToSA stage 3: fine-tuning with selection active");
      List<EpochMetrics> stage3;
      try (TrainingRun run =
          new TrainingRun(tosa, config, data, out, device, s3).progress(progress)) {
        stage3 = run.run(inStage3, stopAfter > 0 ? stopAfter - ran : 0);
      }
      List<EpochMetrics> all = new ArrayList<>(stage2);
      all.addAll(stage3);
      if (stage3.size() < config.epochs()) {
        return new Result(all, false, null, null, null);
      }
      EpochMetrics last = stage3.get(stage3.size() - 1);
      Batches test = new Batches(data.test(), tosa.data(), tosa.config().numClasses());
      double tosaAcc =
          config.emaDecay() > 0
              ? TrainingRun.evaluate(model, test, config.evalBatchSize())[1]
              : last.testAcc();
      Path params = out.resolve(tosa.name() + ".params");
      Map<String, String> props = new LinkedHashMap<>();
      props.put("dataset", data.name());
      props.put("epochs", Integer.toString(last.epoch()));
      props.put("test_accuracy", String.format(Locale.ROOT, "%.4f", tosaAcc));
      props.put("recipe", "tosa");
      props.put("teacher", denseVariant.name());
      props.put(ParamsFile.TOSA_KEEP_RATIO, Double.toString(keep));
      ParamsFile.save(model.getBlock(), tosa.name(), tosa.config().inputShape(1), props, params);
      progress.log("ToSA: evaluating the teacher and timing both models");
      double teacherAcc = TrainingRun.evaluate(teacher, test, config.evalBatchSize())[1];
      int evalBatch = Math.min(config.evalBatchSize(), data.test().size());
      double[][] ms = latency(teacher, model, tosa, evalBatch, o.latencyIters());
      VitConfig dc = (VitConfig) denseVariant.config();
      VitConfig tc = (VitConfig) tosa.config();
      Measure d =
          new Measure(
              "dense",
              denseVariant.name(),
              1.0,
              teacherAcc,
              TosaCost.attentionMacs(dc),
              TosaCost.layerMacs(dc),
              ms[0][0],
              evalBatch,
              ms[0][1]);
      Measure s =
          new Measure(
              "tosa",
              tosa.name(),
              keep,
              tosaAcc,
              TosaCost.attentionMacs(tc),
              TosaCost.layerMacs(tc),
              ms[1][0],
              evalBatch,
              ms[1][1]);
      writeSummary(List.of(d, s), out.resolve(SUMMARY));
      return new Result(all, true, params, d, s);
    }
  }

  /**
   * Median forward times of two models, interleaved call by call in one process (so that load
   * changes hit both alike), each call in its own sub-NDManager, at batch 1 and at {@code batch}.
   *
   * @param a the first model
   * @param b the second model (same input shape)
   * @param variant either variant (for the input shape)
   * @param batch the larger batch size
   * @param iters timed calls per model and batch size (after {@code max(2, iters / 5)} warm-up
   *     calls); 0 gives NaN
   * @return {@code [model][batch-1 ms, batch ms]}
   */
  public static double[][] latency(Model a, Model b, Variant variant, int batch, int iters) {
    double[][] out = new double[2][2];
    int[] sizes = {1, batch};
    for (int k = 0; k < 2; k++) {
      if (iters == 0) {
        out[0][k] = Double.NaN;
        out[1][k] = Double.NaN;
        continue;
      }
      Shape shape = variant.config().inputShape(sizes[k]);
      double[][] ms = new double[2][iters];
      int warmup = Math.max(2, iters / 5);
      Model[] models = {a, b};
      for (int i = -warmup; i < iters; i++) {
        for (int j = 0; j < 2; j++) {
          // Alternate which model goes first, so neither always runs on a cache the other warmed.
          int m = (i & 1) == 0 ? j : 1 - j;
          Model model = models[m];
          ParameterStore ps = new ParameterStore(model.getNDManager(), false);
          double t = ForwardTiming.forwardMs(model.getBlock(), ps, model.getNDManager(), shape);
          if (i >= 0) {
            ms[m][i] = t;
          }
        }
      }
      for (int m = 0; m < 2; m++) {
        out[m][k] = ForwardTiming.median(ms[m]);
      }
    }
    return out;
  }

  private static void writeSummary(List<Measure> rows, Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(SUMMARY_HEADER);
    rows.forEach(r -> lines.add(r.csv()));
    AtomicFiles.writeLines(file, lines);
  }
}
