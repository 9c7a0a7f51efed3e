package org.attnzoo.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;
import org.attnzoo.training.data.Seeds;
import org.attnzoo.training.recipe.AdamW;
import org.attnzoo.training.recipe.CosineSchedule;
import org.attnzoo.training.recipe.Ema;
import org.attnzoo.training.recipe.Gradients;
import org.attnzoo.training.recipe.HostCopy;
import org.attnzoo.training.recipe.Losses;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.io.Tensor;

/**
 * Trains one variant on one data split with one recipe, writing into an output folder: {@code
 * last.ckpt} after every epoch (see {@link Checkpoint}), {@code metrics.csv} and, at the end,
 * {@code curves.png}. A run can be stopped after any epoch and resumed from its checkpoint with the
 * same result as an uninterrupted run: every random stream is derived from the seed and the epoch
 * or step counter.
 *
 * <pre>{@code
 * try (TrainingRun run = new TrainingRun(variant, TrainConfig.defaults(), data, out, Device.cpu())) {
 *   run.run(false, 0);
 *   ParamsFile.save(run.model().getBlock(), ...);
 * }
 * }</pre>
 *
 * <p>A {@link Stage} makes the run one stage of a multi-stage recipe: a model built by the caller,
 * a subset of trainable parameters, another loss, its own checkpoint file and a stage name in the
 * metrics (see {@code TosaRecipe}). The loop, schedule, optimizer, augmentation, clipping, EMA,
 * checkpoints and metrics stay the same.
 */
public final class TrainingRun implements AutoCloseable {

  /** What a training step minimises. It runs inside the gradient collector, in training mode. */
  @FunctionalInterface
  public interface Objective {

    /** Soft-target cross-entropy of the model's logits (the one-stage recipe). */
    Objective CROSS_ENTROPY =
        (block, ps, images, targets) -> {
          NDArray logits = block.forward(ps, new NDList(images), true).singletonOrThrow();
          return new Output(Losses.softTargetCrossEntropy(logits, targets), logits);
        };

    /**
     * @param block the model's block
     * @param ps the parameter store
     * @param images the augmented batch {@code [B, C, H, W]}
     * @param targets soft targets {@code [B, classes]} (smoothed, mixed)
     * @return the loss and the logits
     */
    Output apply(Block block, ParameterStore ps, NDArray images, NDArray targets);

    /**
     * @param loss the scalar loss
     * @param logits the class scores for the training accuracy, or null when the objective has none
     *     (the accuracy is then NaN)
     */
    record Output(NDArray loss, NDArray logits) {}
  }

  /**
   * How a run differs from a plain one-stage run.
   *
   * @param name the stage name written into every metrics row
   * @param checkpoint the checkpoint file name inside the output folder
   * @param model a model built (and initialised) by the caller, which keeps owning it; null to
   *     build a seeded, timm-initialised model of the variant
   * @param trainable the parameters to train by dotted path (a subset of the model's, same
   *     objects); the others get no gradient. Null: every parameter with a gradient
   * @param objective the loss
   * @param tag what else a checkpoint must match on resume (null: nothing)
   * @param earlier metrics rows of earlier stages, written before this stage's rows
   */
  public record Stage(
      String name,
      String checkpoint,
      Model model,
      Map<String, Parameter> trainable,
      Objective objective,
      String tag,
      List<EpochMetrics> earlier) {

    /** Checks the values. */
    public Stage {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(checkpoint, "checkpoint");
      Objects.requireNonNull(objective, "objective");
      earlier = List.copyOf(earlier);
    }

    /**
     * @return the plain run: its own model, every parameter, cross-entropy, {@code last.ckpt}
     */
    public static Stage plain() {
      return new Stage(
          EpochMetrics.TRAIN, CHECKPOINT, null, null, Objective.CROSS_ENTROPY, null, List.of());
    }
  }

  /** Checkpoint file name inside the output folder. */
  public static final String CHECKPOINT = "last.ckpt";

  /** Metrics file name inside the output folder. */
  public static final String METRICS = "metrics.csv";

  /** Plot file name inside the output folder. */
  public static final String PLOT = "curves.png";

  private static final NDIndex ALL = new NDIndex("...");
  private static final boolean TRACE = System.getenv("ATTNZOO_TRACE") != null;

  private final Variant variant;
  private final TrainConfig config;
  private final Datasets.Split data;
  private final Path outDir;
  private final Model model;
  private final Map<String, Parameter> params;
  // Parameters the optimizer updates: the stage's, else every parameter with a gradient
  // (BatchNorm running statistics are parameters without gradients, updated by the forward pass).
  private final Map<String, Parameter> trainable;
  private final Stage stage;
  private final boolean ownsModel;
  private final NDManager stateManager;
  private final AdamW optimizer;
  private final Ema ema;
  private final Batches train;
  private final Batches test;
  private final CosineSchedule schedule;
  private final int stepsPerEpoch;
  private final List<EpochMetrics> history = new ArrayList<>();
  private Progress progress = new Progress(System.err, true);
  private int epochsDone;
  private long steps;
  private long skipped;
  private int ranInLastCall;

  /**
   * Builds the model (seeded initialisation) and the optimizer.
   *
   * @param variant the variant to train
   * @param config the recipe
   * @param data the data, already fitted to the variant's input (see {@link Datasets.Split#fit})
   * @param outDir where checkpoints and reports go
   * @param device where to train
   */
  public TrainingRun(
      Variant variant, TrainConfig config, Datasets.Split data, Path outDir, Device device) {
    this(variant, config, data, outDir, device, Stage.plain());
  }

  /**
   * Sets up one stage of a multi-stage recipe.
   *
   * @param variant the variant to train (with a caller's model: the variant it was built from,
   *     stochastic depth included, see {@link #withDropPath})
   * @param config the recipe of this stage
   * @param data the data, already fitted to the variant's input
   * @param outDir where checkpoints and reports go
   * @param device where to train (ignored with a caller's model)
   * @param stage model, trainable parameters, loss, checkpoint name
   */
  public TrainingRun(
      Variant variant,
      TrainConfig config,
      Datasets.Split data,
      Path outDir,
      Device device,
      Stage stage) {
    this.variant = withDropPath(variant, config.dropPath());
    this.config = config;
    this.data = data;
    this.outDir = outDir;
    this.stage = stage;
    this.ownsModel = stage.model() == null;
    if (ownsModel) {
      Engine engine = Engine.getEngine(AttnZoo.DEFAULT_ENGINE);
      engine.setRandomSeed(Seeds.engineSeed(Seeds.mix(config.seed(), Seeds.INIT_STREAM)));
      this.model = AttnZoo.newModel(this.variant, device, null);
    } else {
      this.model = stage.model();
    }
    this.params = ParameterPaths.of(model.getBlock());
    Map<String, Parameter> withGradient = new LinkedHashMap<>();
    params.forEach(
        (path, p) -> {
          if (p.requiresGradient()) {
            withGradient.put(path, p);
          }
        });
    this.trainable = stage.trainable() == null ? withGradient : stage.trainable();
    trainable.forEach(
        (path, p) -> {
          if (withGradient.get(path) != p) {
            throw new IllegalArgumentException(
                "trainable parameter " + path + " is not a parameter of the model with a gradient");
          }
        });
    // Frozen here means no gradient on the array; the Parameter's own flag stays, so that a later
    // stage (a TrainingRun on the same model) can train it again.
    withGradient.forEach(
        (path, p) -> p.getArray().setRequiresGradient(trainable.containsKey(path)));
    this.stateManager = model.getNDManager().newSubManager();
    this.optimizer =
        new AdamW(
            trainable,
            stateManager,
            config.beta1(),
            config.beta2(),
            config.eps(),
            config.weightDecay());
    this.ema = config.emaDecay() > 0 ? new Ema(params, stateManager, config.emaDecay()) : null;
    int numClasses = this.variant.config().numClasses();
    this.train = new Batches(data.train(), this.variant.data(), numClasses);
    this.test = new Batches(data.test(), this.variant.data(), numClasses);
    this.stepsPerEpoch = (data.train().size() + config.batchSize() - 1) / config.batchSize();
    long total = (long) stepsPerEpoch * config.epochs();
    this.schedule =
        new CosineSchedule(
            config.lr(), config.minLr(), Math.round(config.warmupEpochs() * stepsPerEpoch), total);
  }

  // A fill, not a multiplication by zero: NaN * 0 would stay NaN.
  private static void zero(NDArray grad) {
    grad.set(ALL, 0f);
  }

  /**
   * @param v a variant
   * @param dropPath a stochastic depth rate, or null to keep the variant's
   * @return the variant with that rate (ViT family only)
   */
  public static Variant withDropPath(Variant v, Float dropPath) {
    if (dropPath == null) {
      return v;
    }
    return new Variant(v.name(), v.config().withDropPathRate(dropPath), v.data(), v.reference());
  }

  /**
   * @param progress where progress goes (use {@code new Progress(System.err, false)} to silence)
   * @return this
   */
  public TrainingRun progress(Progress progress) {
    this.progress = progress;
    return this;
  }

  /**
   * Trains up to the configured number of epochs.
   *
   * @param resume continue from {@code outDir/last.ckpt} (its recipe must equal this run's)
   * @param stopAfter stop after this many epochs in this call (0: run to the end); the checkpoint
   *     then allows resuming
   * @return the metrics of every completed epoch (resumed ones included)
   * @throws IOException if checkpoints or reports cannot be written
   */
  public List<EpochMetrics> run(boolean resume, int stopAfter) throws IOException {
    Files.createDirectories(outDir);
    if (resume) {
      restore(Checkpoint.load(outDir.resolve(stage.checkpoint())));
      progress.log(
          String.format(
              "resuming %s%s at epoch %d/%d (step %d)",
              variant.name(),
              ownsModel ? "" : " " + stage.name(),
              epochsDone + 1,
              config.epochs(),
              steps));
    }
    ranInLastCall = 0;
    while (epochsDone < config.epochs() && (stopAfter <= 0 || ranInLastCall < stopAfter)) {
      EpochMetrics m = epoch(epochsDone);
      history.add(m);
      epochsDone++;
      ranInLastCall++;
      checkpoint().save(outDir.resolve(stage.checkpoint()));
      List<EpochMetrics> rows = new ArrayList<>(stage.earlier());
      rows.addAll(history);
      Reports.writeCsv(rows, outDir.resolve(METRICS));
      progress.epochDone(m);
    }
    if (!history.isEmpty()) {
      String title = variant.name() + " on " + data.name();
      Reports.plot(
          history,
          EpochMetrics.TRAIN.equals(stage.name()) ? title : title + ", " + stage.name(),
          outDir.resolve(PLOT));
    }
    return List.copyOf(history);
  }

  /**
   * @return epochs trained by the last {@link #run} call (resumed ones not included)
   */
  public int ranInLastCall() {
    return ranInLastCall;
  }

  private EpochMetrics epoch(int epoch) {
    long start = System.nanoTime();
    int[] order = train.order(config.seed(), epoch);
    int n = order.length;
    Block block = model.getBlock();
    ParameterStore store = new ParameterStore(model.getNDManager(), false);
    Engine engine = model.getNDManager().getEngine();
    ImageSet set = train.set();
    Shape imageShape = new Shape(set.channels(), set.height(), set.width());
    int numClasses = variant.config().numClasses();
    double lossSum = 0;
    long correct = 0;
    boolean hasLogits = true;
    int seen = 0;
    double lr = 0;
    long skippedBefore = skipped;
    double maxGradNorm = 0;
    for (int s = 0; s < stepsPerEpoch; s++) {
      long step = steps++;
      int from = s * config.batchSize();
      int count = Math.min(config.batchSize(), n - from);
      Random r = new Random(Seeds.mix(config.seed(), Seeds.AUGMENT_STREAM + step));
      Batches.Batch b =
          train.batch(order, from, count, config.augment(), config.labelSmoothing(), r);
      engine.setRandomSeed(Seeds.engineSeed(Seeds.mix(config.seed(), Seeds.ENGINE_STREAM + step)));
      lr = schedule.at(step);
      try (NDManager sm = model.getNDManager().newSubManager()) {
        NDArray x = sm.create(b.x(), new Shape(count).addAll(imageShape));
        NDArray t = sm.create(b.targets(), new Shape(count, numClasses));
        NDArray logits;
        NDArray loss;
        try (GradientCollector gc = engine.newGradientCollector()) {
          Objective.Output out = stage.objective().apply(block, store, x, t);
          logits = out.logits();
          loss = out.loss();
          gc.backward(loss);
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
          NDArray g = e.getValue().getArray().getGradient();
          g.attach(sm);
          grads.put(e.getKey(), g);
        }
        double norm = Gradients.clipGlobalNorm(grads.values(), config.clipGrad());
        float lossValue = loss.getFloat();
        if (Double.isFinite(norm)) {
          maxGradNorm = Math.max(maxGradNorm, norm);
        }
        if (!Double.isFinite(norm) || !Float.isFinite(lossValue)) {
          // As PyTorch's GradScaler: a step with non-finite gradients is skipped rather than
          // spreading NaN into every weight (and into the checkpoint).
          skipped++;
          progress.log(
              String.format(
                  "warning: step %d skipped (loss %s, gradient norm %s); %d skipped so far",
                  step, lossValue, norm, skipped));
          grads.values().forEach(TrainingRun::zero);
          continue;
        }
        if (TRACE) {
          System.err.printf(
              "step %d lr %.4g loss %.5f grad-norm %.4f%n", step, lr, lossValue, norm);
        }
        optimizer.step(grads, lr);
        // PyTorch accumulates gradients across backward calls.
        grads.values().forEach(TrainingRun::zero);
        if (ema != null) {
          ema.update();
        }
        lossSum += lossValue * count;
        hasLogits = logits != null;
        if (hasLogits) {
          correct += Accuracy.correct(logits, b.labels());
        }
      }
      seen += count;
      double trainAcc = hasLogits ? (double) correct / seen : Double.NaN;
      double elapsed = (System.nanoTime() - start) / 1e9;
      double rate = seen / elapsed;
      progress.update(
          epoch + 1,
          config.epochs(),
          s + 1,
          stepsPerEpoch,
          lossSum / seen,
          trainAcc,
          rate,
          (n - seen) / rate);
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    if (ema != null) {
      ema.swap();
    }
    double[] eval = evaluate(model, test, config.evalBatchSize());
    if (ema != null) {
      ema.swap();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new EpochMetrics(
        epoch + 1,
        steps,
        lr,
        lossSum / seen,
        hasLogits ? (double) correct / seen : Double.NaN,
        eval[0],
        eval[1],
        seen / trainSeconds,
        seconds,
        stage.name(),
        skipped - skippedBefore,
        maxGradNorm);
  }

  /**
   * Evaluates a model on a set: mean cross-entropy against the hard labels, and accuracy.
   *
   * @param model the model
   * @param set batches of the test images
   * @param batchSize images per forward pass
   * @return {@code {loss, accuracy}}
   */
  public static double[] evaluate(Model model, Batches set, int batchSize) {
    ImageSet images = set.set();
    int n = images.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    ParameterStore store = new ParameterStore(model.getNDManager(), false);
    Shape imageShape = new Shape(images.channels(), images.height(), images.width());
    double lossSum = 0;
    long correct = 0;
    for (int from = 0; from < n; from += batchSize) {
      int count = Math.min(batchSize, n - from);
      Batches.Batch b = set.batch(order, from, count, Augment.NONE, 0, new Random(0));
      try (NDManager sm = model.getNDManager().newSubManager()) {
        NDArray x = sm.create(b.x(), new Shape(count).addAll(imageShape));
        NDArray logits = model.getBlock().forward(store, new NDList(x), false).singletonOrThrow();
        NDArray t = sm.create(b.targets(), logits.getShape());
        lossSum += Losses.softTargetCrossEntropy(logits, t).getFloat() * count;
        correct += Accuracy.correct(logits, b.labels());
      }
    }
    return new double[] {lossSum / n, (double) correct / n};
  }

  private Checkpoint checkpoint() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    params.forEach((k, p) -> tensors.put("model/" + k, Tensor.of(p.getArray())));
    optimizer.state().forEach((k, t) -> tensors.put("adamw/" + k, t));
    if (ema != null) {
      ema.state().forEach((k, t) -> tensors.put("ema/" + k, t));
    }
    return new Checkpoint(
        new Checkpoint.Meta(
            variant.name(),
            data.name(),
            config,
            epochsDone,
            steps,
            optimizer.steps(),
            new Checkpoint.RngState(config.seed(), epochsDone, steps),
            List.copyOf(history),
            stage.tag()),
        tensors);
  }

  // All checks first, then all copies: a checkpoint that does not fit changes nothing.
  private void restore(Checkpoint c) {
    Checkpoint.Meta meta = c.meta();
    if (!variant.name().equals(meta.variant())) {
      throw new IllegalArgumentException(
          "checkpoint is of variant " + meta.variant() + ", not " + variant.name());
    }
    if (!config.equals(meta.config())) {
      throw new IllegalArgumentException(
          "checkpoint was written with another recipe; resume with the same options.\n"
              + "  checkpoint: "
              + meta.config()
              + "\n  now:        "
              + config);
    }
    if (!Objects.equals(stage.tag(), meta.stage())) {
      throw new IllegalArgumentException(
          "checkpoint was written for another stage or recipe; resume with the same options.\n"
              + "  checkpoint: "
              + meta.stage()
              + "\n  now:        "
              + stage.tag());
    }
    Map<String, Tensor> model = new LinkedHashMap<>();
    Map<String, Tensor> adam = new LinkedHashMap<>();
    Map<String, Tensor> averages = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Shape shape = e.getValue().getArray().getShape();
      model.put(e.getKey(), expect(c, "model/" + e.getKey(), shape));
      if (trainable.containsKey(e.getKey())) {
        adam.put("m/" + e.getKey(), expect(c, "adamw/m/" + e.getKey(), shape));
        adam.put("v/" + e.getKey(), expect(c, "adamw/v/" + e.getKey(), shape));
      }
      if (ema != null) {
        averages.put(e.getKey(), expect(c, "ema/" + e.getKey(), shape));
      }
    }
    params.forEach((k, p) -> HostCopy.into(p.getArray(), model.get(k).data()));
    optimizer.restore(adam, meta.optimizerSteps());
    steps = meta.steps();
    if (ema != null) {
      ema.restore(averages);
    }
    epochsDone = meta.epochsDone();
    history.clear();
    history.addAll(meta.history());
  }

  private static Tensor expect(Checkpoint c, String key, Shape shape) {
    Tensor t = c.tensors().get(key);
    if (t == null) {
      throw new IllegalArgumentException("checkpoint has no tensor " + key);
    }
    if (!t.shape().equals(shape) || t.dataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "checkpoint tensor "
              + key
              + " is "
              + t.dataType()
              + " "
              + t.shape()
              + ", expected "
              + DataType.FLOAT32
              + " "
              + shape);
    }
    return t;
  }

  /**
   * @return the model being trained (weights as of the last completed step)
   */
  public Model model() {
    return model;
  }

  /**
   * @return the variant trained (with the recipe's stochastic depth)
   */
  public Variant variant() {
    return variant;
  }

  /**
   * @return the dotted parameter paths, for checks
   */
  public Map<String, Parameter> parameters() {
    return params;
  }

  /**
   * @return the trained parameters by dotted path (all of them in a plain run)
   */
  public Map<String, Parameter> trainable() {
    return trainable;
  }

  /**
   * @return the optimizer
   */
  public AdamW optimizer() {
    return optimizer;
  }

  @Override
  public void close() {
    if (ownsModel) {
      model.close();
    } else {
      stateManager.close();
    }
  }
}
