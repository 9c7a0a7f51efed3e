package org.attnzoo.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.tosa.TosaTraining;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.Seeds;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.TosaVariants;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
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
 *
 * <p>This class is stage 1 (teacher, ToSA model) and the order of the stages; {@code TosaStages}
 * runs stages 2 and 3, {@link TosaReport} measures and writes the summary.
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
  public static final String SUMMARY_HEADER = TosaReport.Measure.CSV_HEADER;

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
        TosaVariants.checkKeepRatio(keepRatio);
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
   * What a call produced.
   *
   * @param history metrics of both stages so far ({@link EpochMetrics#stage})
   * @param finished whether stage 3 ran to its end (false after {@code stopAfter})
   * @param params the saved ToSA weights (null if not finished)
   * @param dense the teacher's summary row (null if not finished)
   * @param tosa the ToSA model's summary row (null if not finished)
   */
  public record Result(
      List<EpochMetrics> history,
      boolean finished,
      Path params,
      TosaReport.Measure dense,
      TosaReport.Measure tosa) {

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
   * @param variant a ToSA variant
   * @return its layout ({@link TosaVariants#layers})
   * @throws IllegalArgumentException if it is not a ViT with {@link TosaLayers}
   */
  public static TosaLayers layers(Variant variant) {
    return TosaVariants.layers(variant);
  }

  /**
   * @param variant a ToSA variant
   * @param keepRatio a keep ratio in (0, 1], or null for the variant's
   * @return the variant with that keep ratio ({@link TosaVariants#withKeepRatio})
   */
  public static Variant withKeepRatio(Variant variant, Double keepRatio) {
    return TosaVariants.withKeepRatio(variant, keepRatio);
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
    Engine.getEngine(AttnZoo.DEFAULT_ENGINE)
        .setRandomSeed(Seeds.engineSeed(Seeds.mix(seed, Seeds.INIT_STREAM)));
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
   * Runs (or resumes) stages 2 and 3 ({@link TosaStages}), then saves the weights and writes the
   * summary ({@link TosaReport}).
   *
   * @param tosaVariant the ToSA variant (with {@code o.keepRatio()} still to apply)
   * @param denseVariant the teacher's variant
   * @param config the stage-3 recipe (stage 2 derives its own from it)
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
    Path stage2File = out.resolve(STAGE2_CHECKPOINT);
    boolean inStage3 = resume && Files.isRegularFile(out.resolve(STAGE3_CHECKPOINT));
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
    try (Model teacher = loadTeacher(tosa, denseVariant, o.teacher(), device);
        Model model = newTosaModel(tosa, teacher, config.seed(), device)) {
      TosaStages stages =
          new TosaStages(
              tosa, denseVariant, teacher, model, config, o, data, out, device, progress);
      List<EpochMetrics> stage2;
      int ran = 0;
      if (inStage3) {
        // Stage 3's checkpoint holds every weight; stage 2 only contributes its metrics rows.
        stage2 = Checkpoint.load(stage2File).meta().history();
      } else {
        stage2 = stages.selectors(resume, stopAfter);
        ran = stages.ranInLastCall();
        if (stage2.size() < o.selectorEpochs() || (stopAfter > 0 && ran >= stopAfter)) {
          return new Result(stage2, false, null, null, null);
        }
      }
      List<EpochMetrics> stage3 =
          stages.fineTune(stage2, inStage3, stopAfter > 0 ? stopAfter - ran : 0);
      List<EpochMetrics> all = new ArrayList<>(stage2);
      all.addAll(stage3);
      if (stage3.size() < config.epochs()) {
        return new Result(all, false, null, null, null);
      }
      EpochMetrics last = stage3.get(stage3.size() - 1);
      Batches test = new Batches(data.test(), tosa.data(), tosa.config().numClasses());
      // With EMA the epoch's test accuracy is the averaged weights'; the saved weights are these.
      double tosaAcc =
          config.emaDecay() > 0
              ? TrainingRun.evaluate(model, test, config.evalBatchSize())[1]
              : last.testAcc();
      Path params = saveWeights(model, tosa, denseVariant, data.name(), last.epoch(), tosaAcc, out);
      progress.log("ToSA: evaluating the teacher and timing both models");
      List<TosaReport.Measure> rows =
          TosaReport.compare(
              teacher,
              denseVariant,
              model,
              tosa,
              tosaAcc,
              test,
              config.evalBatchSize(),
              o.latencyIters(),
              out.resolve(SUMMARY));
      return new Result(all, true, params, rows.get(0), rows.get(1));
    }
  }

  // The keep ratio goes into the header, so that AttnZoo.load builds the model as it was trained.
  private static Path saveWeights(
      Model model,
      Variant tosa,
      Variant dense,
      String dataset,
      int epochs,
      double testAcc,
      Path out)
      throws IOException {
    Map<String, String> props =
        Map.of(
            "recipe",
            "tosa",
            "teacher",
            dense.name(),
            ParamsFile.TOSA_KEEP_RATIO,
            Double.toString(TosaVariants.layers(tosa).keepRatio()));
    return TrainedParams.save(model.getBlock(), tosa, out, dataset, epochs, testAcc, props);
  }
}
