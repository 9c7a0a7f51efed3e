package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.weights.ParamsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code <variant>.params} that plain training and fine-tuning leave in their folder. */
class TrainedParamsTest {

  private static final Progress QUIET = new Progress(System.err, false);

  @TempDir Path dir;

  @Test
  void headerHoldsTheRunThenTheRecipesPropertiesInAFixedOrder() throws Exception {
    Variant v = TinySetup.variant(4);
    Locale locale = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY); // a decimal comma must not reach the file
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      Path file =
          TrainedParams.save(
              model.getBlock(), v, dir, "synthetic", 7, 0.123456, Map.of("b", "2", "a", "1"));
      assertEquals(dir.resolve("vit_test_tiny.params"), file);
      Map<String, String> props = ParamsFile.properties(file);
      assertEquals(
          List.of(
              "dataset",
              "epochs",
              "test_accuracy",
              "a",
              "b",
              ParamsFile.VARIANT,
              ParamsFile.CHECKSUM),
          List.copyOf(props.keySet()));
      assertEquals("synthetic", props.get("dataset"));
      assertEquals("7", props.get("epochs"));
      assertEquals("0.1235", props.get("test_accuracy"));
      assertEquals("vit_test_tiny", props.get(ParamsFile.VARIANT));
      try (Model back = AttnZoo.load(v, file.toString(), Device.cpu(), null)) {
        float[] want =
            ParameterPaths.of(model.getBlock()).get("head.weight").getArray().toFloatArray();
        float[] got =
            ParameterPaths.of(back.getBlock()).get("head.weight").getArray().toFloatArray();
        assertArrayEquals(want, got);
      }
    } finally {
      Locale.setDefault(locale);
    }
  }

  @Test
  void trainingAndFineTuningRecordTheirRun() throws Exception {
    Variant v = TinySetup.variant(4);
    Datasets.Split data = Datasets.synthetic(64, 32, 4, 1, 16, 3);
    TrainConfig recipe = TinySetup.recipe(1, 32, false);

    Training.Result trained =
        Training.train(v, recipe, data, dir.resolve("train"), false, 0, Device.cpu(), QUIET);
    assertEquals(dir.resolve("train").resolve("vit_test_tiny.params"), trained.params());
    Map<String, String> props = ParamsFile.properties(trained.params());
    assertEquals(data.name(), props.get("dataset"));
    assertEquals("1", props.get("epochs"));
    double acc = trained.history().get(0).testAcc();
    assertEquals(String.format(Locale.ROOT, "%.4f", acc), props.get("test_accuracy"));

    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      FineTuning.Plan plan = new FineTuning.Plan("random", 4, true, null);
      FineTuning.Result tuned =
          FineTuning.run(
              model, v, v, plan, recipe, data, dir.resolve("tune"), Device.cpu(), false, 0, QUIET);
      assertTrue(tuned.finished());
      Map<String, String> p = ParamsFile.properties(tuned.params());
      assertEquals(data.name(), p.get("dataset"));
      assertEquals("1", p.get("epochs"));
      assertEquals("random", p.get("init_weights"));
      assertEquals("4", p.get("num_classes"));
      assertEquals(
          String.format(Locale.ROOT, "%.4f", tuned.history().get(0).testAcc()),
          p.get("test_accuracy"));
    }
  }
}
