package org.attnzoo.training.recipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.attnzoo.nn.ParameterPaths;
import org.junit.jupiter.api.Test;

/**
 * The DJL-facing recipe pieces against the reference math: {@code torch.optim.AdamW} by hand,
 * timm's warm-up + cosine per step, label-smoothing cross-entropy and its gradient, the EMA of the
 * weights after each step.
 */
class DjlRecipePiecesTest {

  private static Linear linear(NDManager m, int in, int out) {
    Linear fc = Linear.builder().setUnits(out).build();
    fc.initialize(m, DataType.FLOAT32, new Shape(1, in));
    return fc;
  }

  @Test
  void groupedAdamWIsTorchAdamWWithTimmGroups() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Linear fc = linear(m, 2, 2);
      Map<String, Parameter> params = ParameterPaths.of(fc);
      Parameter w = params.get("weight");
      Parameter b = params.get("bias");
      w.getArray().set(new float[] {1f, -2f, 0.5f, 3f});
      b.getArray().set(new float[] {0.5f, -0.5f});
      List<Integer> asked = new ArrayList<>();
      GroupedAdamW opt =
          GroupedAdamW.builder()
              .setParameters(fc)
              .optLearningRateTracker(
                  (id, n) -> {
                    asked.add(n);
                    return n == 1 ? 0.01f : 0.02f;
                  })
              .optWeightDecays(0.1f)
              .build();
      float[][] gs = {{0.1f, -0.2f, 0.3f, 0.0f}, {-0.05f, 0.4f, 0.1f, 1.0f}};
      for (float[] g : gs) {
        // A backward pass leaves a gradient on the weight, which the optimizer must zero.
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          gc.backward(w.getArray().sum().add(b.getArray().sum()));
        }
        opt.update(w.getId(), w.getArray(), m.create(g, new Shape(2, 2)));
        opt.update(b.getId(), b.getArray(), m.create(new float[] {1f, 1f}));
        assertArrayEquals(new float[4], w.getArray().getGradient().toFloatArray());
      }
      assertEquals(List.of(1, 1, 2, 2), asked, "DJL's update count starts at 1");
      assertEquals(true, opt.decays(w.getId()));
      assertEquals(false, opt.decays(b.getId()));

      // torch.optim.AdamW by hand, in double: p *= 1 - lr wd; m, v moments; p -= lr / bc1 * m /
      // (sqrt(v) / sqrt(bc2) + eps).
      double[] p = {1, -2, 0.5, 3};
      double[] mm = new double[4];
      double[] vv = new double[4];
      double[] lrs = {0.01f, 0.02f};
      for (int t = 1; t <= 2; t++) {
        double lr = lrs[t - 1];
        for (int i = 0; i < 4; i++) {
          double g = gs[t - 1][i];
          p[i] *= 1 - lr * 0.1f;
          mm[i] = 0.9 * mm[i] + 0.1 * g;
          vv[i] = 0.999 * vv[i] + 0.001 * g * g;
          double bc1 = 1 - Math.pow(0.9, t);
          double bc2 = 1 - Math.pow(0.999, t);
          p[i] -= lr / bc1 * mm[i] / (Math.sqrt(vv[i]) / Math.sqrt(bc2) + 1e-8);
        }
      }
      float[] got = w.getArray().toFloatArray();
      for (int i = 0; i < 4; i++) {
        assertEquals(p[i], got[i], 1e-6, "weight " + i);
      }
      // No decay on the bias; a constant gradient moves Adam by exactly lr per step.
      float[] bias = b.getArray().toFloatArray();
      assertEquals(0.5 - lrs[0] - lrs[1], bias[0], 1e-6);
      assertEquals(-0.5 - lrs[0] - lrs[1], bias[1], 1e-6);
    }
  }

  @Test
  void rescaleAndClipActOnTheGradientAsInDjl() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] w0 = {1f, -2f, 0.5f, 3f};
      float[][] gs = {{0.1f, -0.2f, 0.3f, 0.0f}, {-0.05f, 0.4f, 0.1f, 1.0f}};
      // DJL's order: g * rescale, then clip to [-c, c]; here rescale 0.5, c 0.1.
      float[][] prepared = {{0.05f, -0.1f, 0.1f, 0.0f}, {-0.025f, 0.1f, 0.05f, 0.1f}};
      Linear a = linear(m, 2, 2);
      Linear b = linear(m, 2, 2);
      Parameter wa = a.getParameters().get("weight");
      Parameter wb = b.getParameters().get("weight");
      wa.getArray().set(w0);
      wb.getArray().set(w0);
      GroupedAdamW scaled =
          GroupedAdamW.builder().setParameters(a).setRescaleGrad(0.5f).optClipGrad(0.1f).build();
      GroupedAdamW plain = GroupedAdamW.builder().setParameters(b).build();
      for (int t = 0; t < 2; t++) {
        scaled.update(wa.getId(), wa.getArray(), m.create(gs[t], new Shape(2, 2)));
        plain.update(wb.getId(), wb.getArray(), m.create(prepared[t], new Shape(2, 2)));
      }
      assertArrayEquals(wb.getArray().toFloatArray(), wa.getArray().toFloatArray(), 1e-7f);
    }
  }

  @Test
  void groupedAdamWRejectsBadSettingsAndForeignParameters() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GroupedAdamW.builder().build());
    assertTrue(e.getMessage().contains("setParameters"), e.getMessage());
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Linear fc = linear(m, 2, 2);
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> GroupedAdamW.builder().setParameters(fc).optBeta1(1.0).build());
      assertTrue(e.getMessage().contains("beta1 1.0"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> GroupedAdamW.builder().setParameters(fc).optEpsilon(0).build());
      assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> GroupedAdamW.builder().setParameters(fc).optWeightDecays(-1f).build());
      assertTrue(e.getMessage().contains("weight decay"), e.getMessage());

      GroupedAdamW opt = GroupedAdamW.builder().setParameters(fc).build();
      Linear other = linear(m, 2, 2);
      Parameter foreign = other.getParameters().get("weight");
      NDArray w = foreign.getArray();
      e =
          assertThrows(
              IllegalArgumentException.class, () -> opt.update(foreign.getId(), w, w.zerosLike()));
      assertTrue(e.getMessage().contains("not a parameter of the block"), e.getMessage());
      assertNull(opt.decays(foreign.getId()));
    }
  }

  @Test
  void trackerIsWarmupThenCosinePerStepFromUpdateOne() {
    WarmupCosineTracker lr =
        WarmupCosineTracker.builder()
            .setBaseValue(1e-3)
            .optFinalValue(1e-5)
            .optWarmUpSteps(4)
            .setMaxUpdates(14)
            .build();
    // Update n (DJL's count from 1) is step n - 1: warm-up base * n / 4 for n = 1..4.
    for (int n = 1; n <= 4; n++) {
      assertEquals((float) (1e-3 * n / 4), lr.getNewValue(n), "update " + n);
    }
    // Then min + (base - min) / 2 * (1 + cos(pi * (n - 1 - 4) / 10)).
    for (int n = 5; n <= 14; n++) {
      double t = (n - 1 - 4) / 10.0;
      double expected = 1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * t));
      assertEquals((float) expected, lr.getNewValue(n), "update " + n);
    }
    assertEquals(1e-3f, lr.getNewValue(5));
    assertEquals((float) 1e-5, lr.getNewValue(15), "past the end the final value stays");
    assertEquals(lr.getNewValue(1), lr.getNewValue("any parameter", 1));
  }

  @Test
  void trackerValidation() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WarmupCosineTracker.builder().setMaxUpdates(10).build());
    assertTrue(e.getMessage().contains("setBaseValue"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WarmupCosineTracker.builder().setBaseValue(1e-3).build());
    assertTrue(e.getMessage().contains("setMaxUpdates"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WarmupCosineTracker.builder()
                    .setBaseValue(1e-3)
                    .setMaxUpdates(10)
                    .optWarmUpSteps(11)
                    .build());
    assertTrue(e.getMessage().contains("warm-up steps"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WarmupCosineTracker.builder()
                    .setBaseValue(1e-3)
                    .setMaxUpdates(10)
                    .optFinalValue(1e-2)
                    .build());
    assertTrue(e.getMessage().contains("final value"), e.getMessage());
  }

  @Test
  void labelSmoothingLossAndGradientMatchTheFormula() {
    float[] z = {1.0f, -0.5f, 2.0f, 0.3f, 0.0f, 0.7f, -1.2f, 0.4f, 3.0f, -2.0f, 0.5f, 0.1f};
    int[] y = {2, 0, 3};
    double eps = 0.2;
    int k = 4;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.create(z, new Shape(3, k));
      logits.setRequiresGradient(true);
      NDArray labels = m.create(new float[] {2, 0, 3});
      NDArray loss;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        loss = new LabelSmoothingLoss(eps).evaluate(new NDList(labels), new NDList(logits));
        gc.backward(loss);
      }
      // Reference: targets 1 - eps + eps/K on the label, eps/K elsewhere; loss = mean_i sum_k
      // -t_ik log softmax(z_i)_k; d loss / d z_ik = (softmax(z_i)_k - t_ik) / B.
      double expected = 0;
      double[] grad = new double[z.length];
      for (int i = 0; i < 3; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
          max = Math.max(max, z[i * k + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
          sum += Math.exp(z[i * k + c] - max);
        }
        for (int c = 0; c < k; c++) {
          double logp = z[i * k + c] - max - Math.log(sum);
          double t = (c == y[i] ? 1 - eps : 0) + eps / k;
          expected -= t * logp / 3;
          grad[i * k + c] = (Math.exp(logp) - t) / 3;
        }
      }
      assertEquals(expected, loss.getFloat(), 1e-6);
      float[] got = logits.getGradient().toFloatArray();
      for (int i = 0; i < got.length; i++) {
        assertEquals(grad[i], got[i], 1e-6, "gradient " + i);
      }
      // Without smoothing it is DJL's softmax cross-entropy with sparse labels.
      NDArray plain = new LabelSmoothingLoss(0).evaluate(new NDList(labels), new NDList(logits));
      NDArray djl = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(labels), new NDList(logits));
      assertEquals(djl.getFloat(), plain.getFloat(), 1e-6);
    }
    assertThrows(IllegalArgumentException.class, () -> new LabelSmoothingLoss(1.0));
  }

  /** Records the weight before each step, i.e. the weight the previous step left. */
  private static final class WeightRecorder extends TrainingListenerAdapter {
    final List<float[]> before = new ArrayList<>();

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
      before.add(
          trainer.getModel().getBlock().getParameters().get("weight").getArray().toFloatArray());
    }
  }

  @Test
  void emaListenerAveragesTheWeightsAfterEachStepAndProgressPrintsEpochs() throws Exception {
    double decay = 0.5;
    EmaListener ema = new EmaListener(decay);
    WeightRecorder recorder = new WeightRecorder();
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    float[] finalWeight;
    float[] got;
    try (Model model = Model.newInstance("ema", Device.cpu(), "PyTorch")) {
      NDManager m = model.getNDManager();
      Block block = Linear.builder().setUnits(3).build();
      model.setBlock(block);
      float[] x = new float[8 * 4];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.sin(i);
      }
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(m.create(x, new Shape(8, 4)))
              .optLabels(m.create(new float[] {0, 1, 2, 0, 1, 2, 0, 1}))
              .setSampling(4, false)
              .build();
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(new LabelSmoothingLoss(0.1))
              .optOptimizer(
                  GroupedAdamW.builder()
                      .setParameters(block)
                      .optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(0.1f))
                      .build())
              .addTrainingListeners(
                  recorder,
                  ema,
                  new ProgressListener(new PrintStream(shown, true, StandardCharsets.UTF_8), 2));
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1, 4));
        EasyTrain.fit(trainer, 2, data, null);
      }
      finalWeight = block.getParameters().get("weight").getArray().toFloatArray();
      // The averages live in the model's manager: read them before the model closes.
      got = ema.averages().get("weight").toFloats();
    }
    // 4 steps: weights w0 (initial) .. w4 (final); the EMA starts at w0 and folds in w1 .. w4.
    assertEquals(4, recorder.before.size());
    List<float[]> w = new ArrayList<>(recorder.before);
    w.add(finalWeight);
    assertFalse(java.util.Arrays.equals(w.get(3), w.get(4)), "the last step moved the weights");
    double[] e = new double[finalWeight.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = w.get(0)[i];
      for (int s = 1; s <= 4; s++) {
        e[i] = decay * e[i] + (1 - decay) * w.get(s)[i];
      }
    }
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], got[i], 1e-6, "average " + i);
    }
    String out = shown.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("epoch 2/2 [") && out.contains("] 2/2 loss"), out);
    assertTrue(out.contains("epoch 1: train loss") && out.contains("epoch 2: train loss"), out);
  }
}
