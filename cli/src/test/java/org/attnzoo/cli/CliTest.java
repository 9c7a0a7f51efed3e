package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Map;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.ParamsFile;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  @TempDir Path tmp;

  @Test
  void listPrintsEveryVariant() {
    CliRun r = CliRun.of("list");
    assertEquals(0, r.code());
    for (Variant v : Variants.ALL) {
      assertTrue(r.out().contains(v.name()), v.name());
    }
  }

  @Test
  void infoPrintsExactParameterCount() {
    CliRun r = CliRun.of("info", "vit_tiny_patch16_224");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("params: 5717416"), r.out()); // timm's count
  }

  @Test
  void infoPrintsTimmsTestSize() {
    CliRun r = CliRun.of("info", "edgenext_xx_small");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out().contains("test_input_size [3, 288, 288], test_crop_pct 1.0"), r.out()); // timm's
  }

  @Test
  void unknownVariantIsAUsageError() {
    CliRun r = CliRun.of("info", "vit_nope");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Known variants:"), r.err());
  }

  @Test
  void runWritesTheModelOutputForParamsAndSafetensors() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    try (NDManager manager = NDManager.newBaseManager();
        Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      ParamsFile.save(
          model.getBlock(), v.name(), v.config().inputShape(1), Map.of(), tmp.resolve("w.params"));
      SafeTensors.write(
          WeightImporter.export(model.getBlock(), CheckpointMappers.forFamily(v.family())),
          tmp.resolve("w.safetensors"));
      NDArray x = manager.randomNormal(new Shape(2, 1, 32, 32));
      Npy.write(Tensor.of(x), tmp.resolve("in.npy"));
      NDArray expected =
          model.getBlock().forward(new ParameterStore(manager, false), new NDList(x), false).head();
      for (String w : new String[] {"w.params", "w.safetensors"}) {
        CliRun r =
            CliRun.of(
                "run",
                "--variant",
                v.name(),
                "--weights",
                tmp.resolve(w).toString(),
                "--input",
                tmp.resolve("in.npy").toString(),
                "--output",
                tmp.resolve("out.npy").toString());
        assertEquals(0, r.code(), r.err());
        NDArray y = Npy.read(tmp.resolve("out.npy")).toNDArray(manager);
        assertTrue(y.allClose(expected, 1e-6, 1e-6, false), w);
      }
    }
  }

  @Test
  void runRejectsAWrongInputShape() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    try (NDManager manager = NDManager.newBaseManager();
        Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      ParamsFile.save(
          model.getBlock(), v.name(), v.config().inputShape(1), Map.of(), tmp.resolve("w.params"));
      Npy.write(Tensor.of(manager.zeros(new Shape(1, 3, 32, 32))), tmp.resolve("in.npy"));
    }
    CliRun r =
        CliRun.of(
            "run",
            "--variant",
            v.name(),
            "--weights",
            tmp.resolve("w.params").toString(),
            "--input",
            tmp.resolve("in.npy").toString(),
            "--output",
            tmp.resolve("out.npy").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("expects 1 channels"), r.err());
  }
}
