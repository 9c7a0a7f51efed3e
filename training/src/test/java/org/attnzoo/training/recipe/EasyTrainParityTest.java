package org.attnzoo.training.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.training.EpochMetrics;
import org.attnzoo.training.Progress;
import org.attnzoo.training.TrainConfig;
import org.attnzoo.training.TrainingRun;
import org.attnzoo.training.data.Augment;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.FashionMnistDataset;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attnzoo's own loop ({@link TrainingRun}) and plain {@code EasyTrain.fit} with the DJL pieces give
 * bit-identical losses: same initial weights, same images in the same order, no augmentation, no
 * EMA, no clipping.
 *
 * <p>Each epoch is one step of 16 images, so {@code TrainingRun}'s per-epoch mean loss is the
 * step's loss (times 16 over 16, exact) and the comparison is step by step. Learning rate and
 * weight decay are powers of two and the warm-up is 4 steps, so every learning rate of the schedule
 * (2^-12, 2^-11, 3 2^-12, 2^-10, 2^-10) is exact in float, the precision of DJL's {@code Tracker}:
 * the two paths then compute the same floats, and a learning rate taken one step off (DJL counts
 * updates from 1) would show as a mismatch from the first step on.
 */
class EasyTrainParityTest {

  private static final String VARIANT = "vit_micro_patch4_32";
  private static final int BATCH = 16;
  private static final int STEPS = 5;
  private static final double LR = 0x1p-10;
  private static final double WEIGHT_DECAY = 0x1p-4;
  private static final long SEED = 11;

  @TempDir Path dir;

  @Test
  void trainingRunAndEasyTrainGiveTheSameLosses() throws Exception {
    Variant v = Variants.get(VARIANT);
    TrainConfig recipe =
        new TrainConfig(
            STEPS,
            BATCH,
            LR,
            0x1p-20,
            STEPS - 1,
            WEIGHT_DECAY,
            0.9,
            0.999,
            1e-8,
            0.1,
            0,
            0,
            null,
            Augment.NONE,
            SEED,
            BATCH);
    int channels = (int) v.config().inputShape().get(0);
    int side = (int) v.config().inputShape().get(1);
    Datasets.Split full = Datasets.fashionMnistSubset();
    Datasets.Split data =
        new Datasets.Split("subset", full.train().head(BATCH), full.test().head(BATCH))
            .fit(channels, side);

    Map<String, Tensor> initial = new LinkedHashMap<>();
    List<Double> loopLosses = new ArrayList<>();
    try (TrainingRun run = new TrainingRun(v, recipe, data, dir, Device.cpu())) {
      run.parameters().forEach((k, p) -> initial.put(k, Tensor.of(p.getArray())));
      for (EpochMetrics m : run.progress(new Progress(System.err, false)).run(false, 0)) {
        loopLosses.add(m.trainLoss());
      }
    }

    // TrainingRun shuffles each epoch with Batches.order(seed, epoch); EasyTrain draws the same.
    Batches order = new Batches(data.train(), v.data(), v.config().numClasses());
    FashionMnistDataset train =
        FashionMnistDataset.builder()
            .optShippedSubset()
            .optVariant(v)
            .optLimit(BATCH)
            .setSampling(new EpochOrder(order, SEED))
            .build();
    StepRecorder recorder = new StepRecorder();
    try (Model model = Model.newInstance(VARIANT, Device.cpu(), "PyTorch")) {
      model.setBlock(v.config().newBlock());
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(new LabelSmoothingLoss(recipe.labelSmoothing()))
              .optOptimizer(
                  GroupedAdamW.builder()
                      .setParameters(model.getBlock())
                      .optLearningRateTracker(
                          WarmupCosineTracker.builder()
                              .setBaseValue(recipe.lr())
                              .optFinalValue(recipe.minLr())
                              .optWarmUpSteps(STEPS - 1)
                              .setMaxUpdates(STEPS)
                              .build())
                      .optWeightDecays((float) WEIGHT_DECAY)
                      .optBeta1(recipe.beta1())
                      .optBeta2(recipe.beta2())
                      .optEpsilon(recipe.eps())
                      .build())
              .addTrainingListeners(recorder);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1).addAll(v.config().inputShape()));
        Map<String, Parameter> params = ParameterPaths.of(model.getBlock());
        assertEquals(initial.keySet(), params.keySet());
        params.forEach((k, p) -> HostCopy.into(p.getArray(), initial.get(k).data()));
        EasyTrain.fit(trainer, STEPS, train, null);
      }
    }

    assertEquals(STEPS, loopLosses.size());
    assertEquals(STEPS, recorder.losses.size());
    for (int i = 0; i < STEPS; i++) {
      assertEquals(
          loopLosses.get(i),
          (double) recorder.losses.get(i),
          0.0,
          "loss of step "
              + (i + 1)
              + ": TrainingRun "
              + loopLosses
              + ", EasyTrain "
              + recorder.losses);
    }
  }

  /** Batches of {@link Batches#order} for epoch 0, 1, 2, ... on successive iterations. */
  private static final class EpochOrder implements Sampler {

    private final Batches batches;
    private final long seed;
    private int epoch;

    EpochOrder(Batches batches, long seed) {
      this.batches = batches;
      this.seed = seed;
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
      List<Long> indices = new ArrayList<>();
      Arrays.stream(batches.order(seed, epoch++)).forEach(i -> indices.add((long) i));
      return List.of(indices).iterator();
    }

    @Override
    public int getBatchSize() {
      return BATCH;
    }
  }
}
