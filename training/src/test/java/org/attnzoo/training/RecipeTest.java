package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Map;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.training.recipe.AdamW;
import org.attnzoo.training.recipe.CosineSchedule;
import org.attnzoo.training.recipe.Gradients;
import org.attnzoo.training.recipe.Losses;
import org.attnzoo.training.recipe.ParameterGroups;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;

/** The recipe's pieces against their defining formulas, computed independently in doubles. */
class RecipeTest {

  @Test
  void noDecayGroupsFollowTimm() {
    try (Model model = AttnZoo.newModel(Variants.get("vit_micro_patch4_32"), Device.cpu(), null)) {
      Map<String, Boolean> decays = ParameterGroups.of(ParameterPaths.of(model.getBlock()));
      for (String p : List.of("pos_embed", "cls_token", "blocks.0.attn.qkv.bias", "norm.weight")) {
        assertFalse(decays.get(p), p);
      }
      for (String p :
          List.of(
              "patch_embed.proj.weight",
              "blocks.0.attn.qkv.weight",
              "blocks.3.mlp.fc2.weight",
              "head.weight")) {
        assertTrue(decays.get(p), p);
      }
      // timm: every ndim <= 1 tensor is exempt; here that is everything but weights of rank >= 2.
      decays.forEach(
          (path, d) ->
              assertEquals(
                  path.endsWith(".weight") && !path.contains("norm"), d, path + " decays=" + d));
    }
    assertFalse(ParameterGroups.decays("layers.0.attn.relative_position_bias_table", 2));
    assertFalse(ParameterGroups.decays("blocks.1.attn.temperature", 3));
  }

  @Test
  void cosineScheduleWithWarmup() {
    CosineSchedule s = new CosineSchedule(1e-3, 1e-5, 10, 110);
    assertEquals(1e-4, s.at(0), 1e-15);
    assertEquals(5e-4, s.at(4), 1e-15);
    assertEquals(1e-3, s.at(9), 1e-15);
    assertEquals(1e-3, s.at(10), 1e-15);
    assertEquals((1e-3 + 1e-5) / 2, s.at(60), 1e-15);
    assertEquals(1e-5, s.at(110), 1e-15);
    double quarter = 1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI / 4));
    assertEquals(quarter, s.at(35), 1e-15);
    for (int t = 11; t <= 110; t++) {
      assertTrue(s.at(t) <= s.at(t - 1), "monotone after warm-up at " + t);
    }
  }

  @Test
  void labelSmoothingLossMatchesFormula() {
    double[][] z = {{2.0, -1.0, 0.5, 0.0}, {-0.3, 0.1, 3.0, -2.0}};
    int[] y = {0, 2};
    double eps = 0.1;
    int k = 4;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double lse = 0;
      for (double v : z[i]) {
        lse += Math.exp(v);
      }
      lse = Math.log(lse);
      // (1 - eps) * CE(y) + eps * mean_k CE(k): Szegedy et al., 2016, eq. for q' = (1-eps) q +
      // eps/K
      double ce = lse - z[i][y[i]];
      double uniform = 0;
      for (double v : z[i]) {
        uniform += (lse - v) / k;
      }
      expected += ((1 - eps) * ce + eps * uniform) / 2;
    }
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] flat = new float[8];
      float[] t = new float[8];
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < k; j++) {
          flat[i * k + j] = (float) z[i][j];
          t[i * k + j] = (float) ((j == y[i] ? 1 - eps : 0) + eps / k);
        }
      }
      NDArray logits = m.create(flat, new Shape(2, k));
      NDArray targets = m.create(t, new Shape(2, k));
      assertEquals(expected, Losses.softTargetCrossEntropy(logits, targets).getFloat(), 1e-5);
    }
  }

  @Test
  void softDistillationIsTheKlOfTheTeachersDistribution() {
    try (NDManager m = NDManager.newBaseManager()) {
      // Teacher p = (1/4, 3/4), student q = (1/2, 1/2): KL = 1/4 ln(1/2) + 3/4 ln(3/2).
      NDArray teacher = m.create(new float[] {0f, (float) Math.log(3), 2f, 2f}, new Shape(2, 2));
      NDArray student = m.create(new float[] {5f, 5f, 1f, 1f}, new Shape(2, 2));
      double first = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
      assertEquals(first / 2, Losses.softDistillation(student, teacher).getFloat(), 1e-6);
      assertEquals(0f, Losses.softDistillation(teacher, teacher).getFloat(), 1e-7);
    }
  }

  @Test
  void globalNormClippingMatchesManualNorm() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] a = {3f, -4f, 1f};
      float[] b = {2f, 0.5f, -1f, 7f};
      double manual = 0;
      for (float v : a) {
        manual += v * v;
      }
      for (float v : b) {
        manual += v * v;
      }
      manual = Math.sqrt(manual);
      NDArray ga = m.create(a);
      NDArray gb = m.create(b, new Shape(2, 2));
      double norm = Gradients.clipGlobalNorm(List.of(ga, gb), 2.0);
      assertEquals(manual, norm, 1e-5);
      double scale = 2.0 / (manual + 1e-6);
      float[] clipped = ga.toFloatArray();
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i] * scale, clipped[i], 1e-6);
      }
      double after = 0;
      for (float v : ga.toFloatArray()) {
        after += v * v;
      }
      for (float v : gb.toFloatArray()) {
        after += v * v;
      }
      assertEquals(2.0, Math.sqrt(after), 1e-5);
      // Below the bound nothing changes.
      assertEquals(2.0, Gradients.clipGlobalNorm(List.of(ga, gb), 5.0), 1e-5);
      assertEquals(a[0] * scale, ga.toFloatArray()[0], 1e-6);
    }
  }

  @Test
  void adamWStepMatchesPytorchFormula() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Parameter w = Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build();
      Parameter bias = Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).build();
      w.setArray(m.create(new float[] {1f, -2f, 0.5f, 3f}, new Shape(2, 2)));
      bias.setArray(m.create(new float[] {0.5f, -0.5f}));
      AdamW opt =
          new AdamW(
              new java.util.LinkedHashMap<>(Map.of("fc.weight", w, "fc.bias", bias)),
              m,
              0.9,
              0.999,
              1e-8,
              0.1);
      float[] g1 = {0.1f, -0.2f, 0.3f, 0.0f};
      float[] g2 = {-0.05f, 0.4f, 0.1f, 1.0f};
      double lr1 = 0.01;
      double lr2 = 0.02;
      opt.step(
          Map.of(
              "fc.weight",
              m.create(g1, new Shape(2, 2)),
              "fc.bias",
              m.create(new float[] {1f, 1f})),
          lr1);
      opt.step(
          Map.of(
              "fc.weight",
              m.create(g2, new Shape(2, 2)),
              "fc.bias",
              m.create(new float[] {1f, 1f})),
          lr2);
      // torch.optim.AdamW, by hand: p *= 1 - lr wd; m, v moments; p -= lr/bc1 * m /
      // (sqrt(v)/sqrt(bc2) + eps)
      double[] p = {1, -2, 0.5, 3};
      double[] mm = new double[4];
      double[] vv = new double[4];
      float[][] gs = {g1, g2};
      double[] lrs = {lr1, lr2};
      for (int t = 1; t <= 2; t++) {
        for (int i = 0; i < 4; i++) {
          double g = gs[t - 1][i];
          p[i] *= 1 - lrs[t - 1] * 0.1;
          mm[i] = 0.9 * mm[i] + 0.1 * g;
          vv[i] = 0.999 * vv[i] + 0.001 * g * g;
          double bc1 = 1 - Math.pow(0.9, t);
          double bc2 = 1 - Math.pow(0.999, t);
          p[i] -= lrs[t - 1] / bc1 * mm[i] / (Math.sqrt(vv[i]) / Math.sqrt(bc2) + 1e-8);
        }
      }
      float[] got = w.getArray().toFloatArray();
      for (int i = 0; i < 4; i++) {
        assertEquals(p[i], got[i], 1e-6, "weight " + i);
      }
      // The bias is in the no-decay group: constant gradient 1 moves it by exactly lr1 + lr2.
      float[] b = bias.getArray().toFloatArray();
      assertEquals(0.5 - lr1 - lr2, b[0], 1e-6);
      assertEquals(-0.5 - lr1 - lr2, b[1], 1e-6);
    }
  }
}
