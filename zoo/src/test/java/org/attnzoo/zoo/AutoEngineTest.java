package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.attnzoo.zoo.AutoEngine.Choice;
import org.attnzoo.zoo.AutoEngine.Row;
import org.attnzoo.zoo.runtime.Engines;
import org.junit.jupiter.api.Test;

class AutoEngineTest {

  private static final Variant VIT_TINY = Variants.get("vit_tiny_patch16_224");
  private static final Variant VIT_SMALL = Variants.get("vit_small_patch16_224");
  private static final Variant SWIN = Variants.get("swin_tiny_patch4_window7_224");

  // ONNX Runtime faster at batch 1, PyTorch faster at batch 8, for vit_tiny only.
  private static final List<Row> ROWS =
      List.of(
          new Row("vit_tiny_patch16_224", "vit", 1, 20.0, 10.0, "run A"),
          new Row("vit_tiny_patch16_224", "vit", 8, 50.0, 60.0, "run A"));

  private static Choice choose(Variant v, int batch, Device device, boolean ort, boolean noPt) {
    return AutoEngine.choose(v, batch, device, ort, noPt, ROWS);
  }

  @Test
  void takesTheFasterEngineAtTheNearestMeasuredBatch() {
    assertEquals(Engines.ONNX_RUNTIME, choose(VIT_TINY, 1, Device.cpu(), true, false).engine());
    assertEquals(Engines.ONNX_RUNTIME, choose(VIT_TINY, 2, Device.cpu(), true, false).engine());
    assertEquals(Engines.PYTORCH, choose(VIT_TINY, 8, Device.cpu(), true, false).engine());
    assertEquals(Engines.PYTORCH, choose(VIT_TINY, 64, Device.cpu(), true, false).engine());
    Choice c = choose(VIT_TINY, 1, Device.cpu(), true, false);
    assertTrue(c.reason().contains("10.0 ms on ONNX Runtime vs 20.0 ms on PyTorch"), c.reason());
    assertTrue(c.reason().contains("run A"), c.reason());
  }

  @Test
  void anUnmeasuredVariantStaysOnPyTorchEvenIfItsFamilyWasMeasured() {
    Choice none = choose(VIT_SMALL, 1, Device.cpu(), true, false);
    assertEquals(Engines.PYTORCH, none.engine());
    assertTrue(none.reason().contains("no latency measured for vit_small"), none.reason());
  }

  @Test
  void pyTorchWithoutOnnxRuntimeOrOnAGpuAndOnnxRuntimeWherePyTorchCannotRun() {
    Choice noOrt = choose(VIT_TINY, 1, Device.cpu(), false, false);
    assertEquals(Engines.PYTORCH, noOrt.engine());
    assertTrue(noOrt.reason().contains("onnxruntime-engine"), noOrt.reason());
    assertEquals(Engines.PYTORCH, choose(VIT_TINY, 1, Device.gpu(), true, false).engine());
    assertEquals(Engines.ONNX_RUNTIME, choose(SWIN, 8, Device.cpu(), true, true).engine());
  }

  @Test
  void readsTheTableAndRejectsAMalformedOne() {
    String csv =
        "variant,family,batch,pytorch_ms,onnxruntime_ms,source\n"
            + "# a comment\n"
            + "edgenext_xx_small,edgenext,8,77.5,40.25,results/bench-x/paths.csv\n";
    List<Row> rows =
        AutoEngine.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)));
    assertEquals(
        List.of(
            new Row("edgenext_xx_small", "edgenext", 8, 77.5, 40.25, "results/bench-x/paths.csv")),
        rows);
    String bad = "variant,family,batch,pytorch_ms,onnxruntime_ms,source\nvit,vit,1,2\n";
    assertThrows(
        IllegalStateException.class,
        () -> AutoEngine.read(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void theShippedTableNamesKnownVariantsAndFamilies() {
    for (Row r : AutoEngine.measurements()) {
      Variant v = Variants.get(r.variant());
      assertEquals(v.family(), r.family(), r.toString());
      assertTrue(r.pytorchMs() > 0 && r.onnxRuntimeMs() > 0 && r.batch() > 0, r.toString());
    }
  }
}
