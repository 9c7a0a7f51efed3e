package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Map;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Reference;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.parity.Fixture;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export --format safetensors}: a timm state dict that round-trips. */
class SafetensorsExportTest {

  @TempDir Path tmp;

  @Test
  void exportedStateDictEqualsTimmCheckpointAndReloads() throws Exception {
    // models/vit_micro holds a timm state dict: importing it and exporting again must give back
    // exactly timm's keys, shapes and values.
    VitConfig config =
        VitConfig.builder().setImage(32, 4).setSize(64, 2, 2).optNumClasses(10).build();
    Variant v =
        new Variant(
            "vit_micro_fixture",
            config,
            DataConfig.IMAGENET,
            new Reference(0, null, null, "fixture"));
    Map<String, Tensor> timm = Fixture.of("models/vit_micro").weights();
    Path file = tmp.resolve("exported.safetensors");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      WeightImporter.load(model.getBlock(), timm, CheckpointMapper.IDENTITY);
      AttnZoo.exportSafetensors(model, v, file);
      Map<String, Tensor> exported = SafeTensors.read(file);
      assertEquals(
          new java.util.TreeSet<>(timm.keySet()), new java.util.TreeSet<>(exported.keySet()));
      for (var e : timm.entrySet()) {
        Tensor t = exported.get(e.getKey());
        assertEquals(e.getValue().shape(), t.shape(), e.getKey());
        assertArrayEquals(e.getValue().toFloats(), t.toFloats(), e.getKey());
      }
      // Round trip through the loader: the reloaded model computes the same output.
      try (Model again = AttnZoo.load(v, file.toString(), Device.cpu(), null);
          NDManager m = NDManager.newBaseManager()) {
        var x = Fixture.of("models/vit_micro").array(m, "input.npy");
        float[] a =
            model
                .getBlock()
                .forward(new ParameterStore(m, false), new NDList(x), false)
                .head()
                .toFloatArray();
        float[] b =
            again
                .getBlock()
                .forward(new ParameterStore(m, false), new NDList(x), false)
                .head()
                .toFloatArray();
        assertArrayEquals(a, b);
      }
    }
  }
}
