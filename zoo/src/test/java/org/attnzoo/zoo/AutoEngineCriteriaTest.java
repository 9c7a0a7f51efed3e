package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.weights.ParamsFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Criteria} without {@code optEngine}: classification of a variant measured faster on ONNX
 * Runtime runs there, from an export cached in DJL's cache folder, and classifies as PyTorch does.
 */
class AutoEngineCriteriaTest {

  @TempDir Path tmp;
  private String previousCache;

  @BeforeEach
  void privateCache() {
    previousCache = System.getProperty("DJL_CACHE_DIR");
    System.setProperty("DJL_CACHE_DIR", tmp.resolve("djl-cache").toString());
  }

  @AfterEach
  void restoreCache() {
    if (previousCache == null) {
      System.clearProperty("DJL_CACHE_DIR");
    } else {
      System.setProperty("DJL_CACHE_DIR", previousCache);
    }
  }

  @Test
  void classificationRunsOnTheMeasuredFasterEngineFromACachedExport() throws Exception {
    // The smallest measured variant where ONNX Runtime won at batch 1 (the shipped table decides).
    AutoEngine.Row row =
        AutoEngine.measurements().stream()
            .filter(r -> r.batch() == 1 && r.onnxRuntimeMs() < r.pytorchMs())
            .min(
                java.util.Comparator.comparingLong(
                    r -> Variants.get(r.variant()).reference().params()))
            .orElseThrow(() -> new AssertionError("no variant measured faster on ONNX Runtime"));
    Variant v = Variants.get(row.variant());
    Path weights = tmp.resolve("w.params");
    try (Model source = AttnZoo.newModel(v, Device.cpu(), null)) {
      ParamsFile.save(source.getBlock(), v.name(), v.config().inputShape(), Map.of(), weights);
    }
    Image image;
    try (NDManager manager = NDManager.newBaseManager()) {
      image =
          ImageFactory.getInstance()
              .fromNDArray(
                  manager
                      .randomUniform(0, 255, new Shape(300, 260, 3))
                      .toType(DataType.UINT8, false));
      image = ImageFactory.getInstance().fromImage(image.getWrappedImage());
    }

    Classifications auto = classify(v, weights, null, image, Engines.ONNX_RUNTIME);
    Path cached;
    try (Stream<Path> files = Files.walk(tmp.resolve("djl-cache"))) {
      List<Path> onnx = files.filter(f -> f.toString().endsWith(".onnx")).toList();
      assertEquals(1, onnx.size(), onnx.toString());
      cached = onnx.get(0);
    }
    FileTime written = Files.getLastModifiedTime(cached);
    Classifications again = classify(v, weights, null, image, Engines.ONNX_RUNTIME);
    assertEquals(written, Files.getLastModifiedTime(cached), "the second load reuses the export");
    Classifications pytorch = classify(v, weights, "PyTorch", image, Engines.PYTORCH);

    assertEquals(pytorch.best().getClassName(), auto.best().getClassName());
    for (int i = 0; i < 5; i++) {
      var a = auto.topK(5).get(i);
      var p = pytorch.topK(5).get(i);
      assertEquals(p.getClassName(), a.getClassName());
      assertEquals(p.getProbability(), a.getProbability(), 1e-4);
      assertEquals(a.getProbability(), again.topK(5).get(i).getProbability(), 0.0);
    }
  }

  private static Classifications classify(
      Variant v, Path weights, String engine, Image image, String expectedEngine) throws Exception {
    Criteria.Builder<Image, Classifications> b =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(v.name())
            .optArgument("weights", weights.toString());
    if (engine != null) {
      b.optEngine(engine);
    }
    try (ZooModel<Image, Classifications> model = b.build().loadModel();
        Predictor<Image, Classifications> p = model.newPredictor()) {
      assertEquals(expectedEngine, model.getNDManager().getEngine().getEngineName());
      Classifications c = p.predict(image);
      assertTrue(c.items().size() >= 5);
      return c;
    }
  }
}
