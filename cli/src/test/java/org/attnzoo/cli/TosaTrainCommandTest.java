package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.attnzoo.training.TosaRecipe;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.ParamsFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnzoo train --recipe tosa} end to end on a few synthetic images. */
class TosaTrainCommandTest {

  @TempDir static Path tmp;

  private static Path teacher;

  private static final String[] SMALL = {
    "--data",
    "synthetic",
    "--max-train",
    "64",
    "--batch-size",
    "32",
    "--eval-batch-size",
    "250",
    "--quiet"
  };

  private static String[] args(String[] common, String... more) {
    String[] all = new String[more.length + common.length];
    System.arraycopy(more, 0, all, 0, more.length);
    System.arraycopy(common, 0, all, more.length, common.length);
    return all;
  }

  @BeforeAll
  static void denseTeacher() {
    CliRun r =
        CliRun.of(
            args(
                SMALL,
                "train",
                "--variant",
                "vit_micro_patch4_32",
                "--epochs",
                "1",
                "--out",
                tmp.resolve("dense").toString()));
    assertEquals(0, r.code(), r.err());
    teacher = tmp.resolve("dense").resolve("vit_micro_patch4_32.params");
    assertTrue(Files.isRegularFile(teacher));
  }

  @Test
  void allStagesEndToEnd() throws Exception {
    Path out = tmp.resolve("tosa07");
    CliRun r =
        CliRun.of(
            args(
                SMALL,
                "train",
                "--recipe",
                "tosa",
                "--variant",
                "vit_micro_patch4_32_tosa",
                "--teacher",
                teacher.toString(),
                "--keep-ratio",
                "0.7",
                "--selector-epochs",
                "1",
                "--epochs",
                "1",
                "--latency-iters",
                "2",
                "--out",
                out.toString()));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("stage 2 epoch 1: selector KL"), r.out());
    assertTrue(r.out().contains("stage 3 epoch 1: train loss"), r.out());
    assertTrue(r.out().contains("ToSA keep 0.70"), r.out());
    for (String f :
        new String[] {
          "stage2.ckpt", "stage3.ckpt", "metrics.csv", "curves.png", "tosa-summary.csv"
        }) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(3, metrics.size(), metrics.toString());
    int stage = java.util.Arrays.asList(metrics.get(0).split(",")).indexOf("stage");
    assertTrue(stage >= 0, metrics.get(0));
    assertEquals("stage2", metrics.get(1).split(",")[stage], metrics.get(1));
    assertEquals("stage3", metrics.get(2).split(",")[stage], metrics.get(2));

    // Attention MACs from the paper's cost model, independently: 2 n^2 C per layer, 65 tokens
    // (64 patches + class token), C = 64, 4 layers; layers 1 and 3 keep 1 + round(0.7 * 64) = 46.
    long dense = 4 * 2L * 65 * 65 * 64;
    long tosa = 2 * 2L * 65 * 65 * 64 + 2 * 2L * 46 * 46 * 64;
    List<String> summary = Files.readAllLines(out.resolve("tosa-summary.csv"));
    assertEquals(TosaRecipe.SUMMARY_HEADER, summary.get(0));
    String[] d = summary.get(1).split(",");
    String[] t = summary.get(2).split(",");
    assertEquals("dense", d[0]);
    assertEquals("vit_micro_patch4_32", d[1]);
    assertEquals(dense, Long.parseLong(d[4]));
    assertEquals("tosa", t[0]);
    assertEquals("vit_micro_patch4_32_tosa", t[1]);
    assertEquals(0.7, Double.parseDouble(t[2]));
    assertEquals(tosa, Long.parseLong(t[4]));
    for (String[] row : new String[][] {d, t}) {
      assertTrue(Double.parseDouble(row[6]) > 0, "batch-1 latency " + summary);
      assertEquals(250, Integer.parseInt(row[7]));
      assertTrue(Double.parseDouble(row[8]) > 0, "batch latency " + summary);
    }
    String[] lastEpoch = metrics.get(2).split(",");
    assertEquals(Double.parseDouble(lastEpoch[6]), Double.parseDouble(t[3]), 1e-6);

    // The weights load through `attnzoo run` and Criteria as trained: at keep ratio 0.7.
    Variant v = Variants.get("vit_micro_patch4_32_tosa");
    Path params = out.resolve("vit_micro_patch4_32_tosa.params");
    try (NDManager manager = NDManager.newBaseManager();
        Model keep07 = AttnZoo.newModel(TosaRecipe.withKeepRatio(v, 0.7), Device.cpu(), null);
        Model keep05 = AttnZoo.newModel(v, Device.cpu(), null)) {
      for (Model m : new Model[] {keep07, keep05}) {
        try (InputStream in = Files.newInputStream(params)) {
          ParamsFile.load(m.getNDManager(), m.getBlock(), v.name(), in, params.toString());
        }
      }
      NDArray x = manager.randomNormal(new Shape(3, 1, 32, 32));
      Npy.write(Tensor.of(x), tmp.resolve("in.npy"));
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray expected = keep07.getBlock().forward(ps, new NDList(x), false).head();
      NDArray at05 = keep05.getBlock().forward(ps, new NDList(x), false).head();
      assertFalse(expected.allClose(at05, 1e-4, 1e-4, false), "keep ratio changes the output");
      CliRun ran =
          CliRun.of(
              "run",
              "--variant",
              v.name(),
              "--weights",
              params.toString(),
              "--input",
              tmp.resolve("in.npy").toString(),
              "--output",
              tmp.resolve("out.npy").toString());
      assertEquals(0, ran.code(), ran.err());
      NDArray y = Npy.read(tmp.resolve("out.npy")).toNDArray(manager);
      assertTrue(y.allClose(expected, 1e-5, 1e-5, false), "attnzoo run");
      Criteria<NDList, NDList> criteria =
          Criteria.builder()
              .setTypes(NDList.class, NDList.class)
              .optGroupId(AttnZoo.GROUP_ID)
              .optArtifactId(v.name())
              .optArgument("weights", params.toString())
              .build();
      try (ZooModel<NDList, NDList> model = criteria.loadModel();
          Predictor<NDList, NDList> predictor = model.newPredictor();
          NDManager scope = model.getNDManager().newSubManager()) {
        NDArray z =
            predictor
                .predict(new NDList(scope.create(Tensor.of(x).toFloats(), x.getShape())))
                .head();
        float[] got = z.toFloatArray();
        float[] want = expected.toFloatArray();
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-5f, "Criteria output " + i);
        }
      }
    }
  }

  @Test
  void badKeepRatioAndWrongTeacherExitWithUsageErrors() {
    for (String bad : new String[] {"0", "1.5", "-1"}) {
      CliRun r =
          CliRun.of(
              args(
                  SMALL,
                  "train",
                  "--recipe",
                  "tosa",
                  "--teacher",
                  teacher.toString(),
                  "--keep-ratio",
                  bad,
                  "--out",
                  tmp.resolve("bad").toString()));
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains("keep ratio must be in (0, 1]"), r.err());
    }
    // A teacher of another variant: the ToSA variant's own weights.
    Path wrong = tmp.resolve("wrong.params");
    Variant v = Variants.get("vit_micro_patch4_32_tosa");
    try (Model m = AttnZoo.newModel(v, Device.cpu(), null)) {
      ParamsFile.save(m.getBlock(), v.name(), v.config().inputShape(1), java.util.Map.of(), wrong);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    CliRun r =
        CliRun.of(
            args(
                SMALL,
                "train",
                "--recipe",
                "tosa",
                "--teacher",
                wrong.toString(),
                "--out",
                tmp.resolve("bad").toString()));
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err().contains("does not fit the dense variant vit_micro_patch4_32")
            && r.err().contains("holds weights of variant 'vit_micro_patch4_32_tosa'"),
        r.err());
    r = CliRun.of("train", "--recipe", "tosa", "--out", tmp.resolve("bad").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("needs a dense teacher (--teacher FILE)"), r.err());
    r =
        CliRun.of(
            "train",
            "--recipe",
            "tosa",
            "--variant",
            "vit_micro_patch4_32",
            "--teacher",
            teacher.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("needs a ToSA variant"), r.err());
    r =
        CliRun.of(
            args(
                SMALL,
                "train",
                "--recipe",
                "tosa",
                "--teacher",
                teacher.toString(),
                "--resume",
                "--out",
                tmp.resolve("empty").toString()));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("nothing to resume"), r.err());
    r = CliRun.of("train", "--keep-ratio", "0.5");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("belong to --recipe tosa"), r.err());
  }
}
