package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attnzoo.training.data.FashionMnistDataset;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.export.OnnxQuantizer;

/**
 * A shipped Fashion-MNIST model exported to ONNX twice, float32 and dynamically quantised int8
 * ({@link OnnxQuantizer}), both run on ONNX Runtime through DJL over the same test images.
 *
 * @param variant the variant
 * @param images test images evaluated
 * @param floatCorrect images the float model classifies right
 * @param int8Correct images the int8 model classifies right
 * @param agree images on which both models give the same top-1
 * @param floatBytes size of the float {@code .onnx} file
 * @param int8Bytes size of the int8 {@code .onnx} file
 */
public record Int8Comparison(
    String variant,
    int images,
    int floatCorrect,
    int int8Correct,
    int agree,
    long floatBytes,
    long int8Bytes) {

  /**
   * @return float top-1 accuracy in percent
   */
  public double floatAccuracy() {
    return 100.0 * floatCorrect / images;
  }

  /**
   * @return int8 top-1 accuracy in percent
   */
  public double int8Accuracy() {
    return 100.0 * int8Correct / images;
  }

  /**
   * @return share of images with the same top-1 from both models, in percent
   */
  public double agreement() {
    return 100.0 * agree / images;
  }

  /**
   * The two {@code .onnx} files of a shipped model.
   *
   * @param variant the variant
   * @param floatFile the float export
   * @param int8File its int8 quantisation
   */
  public record Exports(Variant variant, Path floatFile, Path int8File) {}

  /**
   * Exports a shipped model to {@code dir/<variant>.onnx} and {@code dir/<variant>-int8.onnx}.
   *
   * @param shipped the shipped model
   * @param dir an existing folder
   * @return the two files
   * @throws IOException if reading or writing fails
   */
  public static Exports export(ShippedModels.Shipped shipped, Path dir) throws IOException {
    Variant v = Variants.get(shipped.variant());
    Path params = dir.resolve(v.name() + "-" + shipped.dataset() + ".params");
    try (InputStream in = Int8Comparison.class.getResourceAsStream(shipped.resource())) {
      if (in == null) {
        throw new IllegalStateException("no resource " + shipped.resource() + " on the class path");
      }
      Files.copy(in, params, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Path f32 = dir.resolve(v.name() + ".onnx");
    Path i8 = dir.resolve(v.name() + "-int8.onnx");
    try (Model m = AttnZoo.load(v, params.toString(), Device.cpu(), AttnZoo.DEFAULT_ENGINE)) {
      AttnZoo.exportOnnx(m, v, f32);
    }
    OnnxQuantizer.quantizeFile(f32, i8);
    Files.delete(params);
    return new Exports(v, f32, i8);
  }

  /**
   * Runs both files over the first {@code limit} Fashion-MNIST test images (the Debian package's
   * 10,000 when installed, else the 500 shipped in the jar), preprocessed as in training.
   *
   * @param files the two exports
   * @param limit images at most
   * @return the counts
   * @throws IOException if the data or a model cannot be read
   * @throws TranslateException if ONNX Runtime fails
   */
  public static Int8Comparison evaluate(Exports files, long limit)
      throws IOException, TranslateException {
    Variant v = files.variant();
    FashionMnistDataset test =
        FashionMnistDataset.builder()
            .optVariant(v)
            .optUsage(Dataset.Usage.TEST)
            .optLimit(limit)
            .setSampling(250, false)
            .build();
    int images = 0;
    int floatCorrect = 0;
    int int8Correct = 0;
    int agree = 0;
    try (Model f32 = AttnZoo.loadOnnxRuntime(v, files.floatFile().toString(), Device.cpu());
        Model i8 = AttnZoo.loadOnnxRuntime(v, files.int8File().toString(), Device.cpu());
        Predictor<NDList, NDList> pf = f32.newPredictor(new NoopTranslator());
        Predictor<NDList, NDList> pq = i8.newPredictor(new NoopTranslator());
        NDManager data = NDManager.newBaseManager(Device.cpu());
        NDManager ort = NDManager.newBaseManager(Device.cpu(), "OnnxRuntime")) {
      for (Batch batch : test.getData(data)) {
        try (batch) {
          float[] x = batch.getData().head().toFloatArray();
          float[] labels = batch.getLabels().head().toFloatArray();
          Shape shape = batch.getData().head().getShape();
          try (NDManager step = ort.newSubManager()) {
            NDList in = new NDList(step.create(x, shape));
            int[] a = argmax(pf.predict(in).head().toFloatArray(), labels.length);
            int[] b = argmax(pq.predict(in).head().toFloatArray(), labels.length);
            for (int i = 0; i < labels.length; i++) {
              floatCorrect += a[i] == (int) labels[i] ? 1 : 0;
              int8Correct += b[i] == (int) labels[i] ? 1 : 0;
              agree += a[i] == b[i] ? 1 : 0;
            }
          }
          images += labels.length;
        }
      }
    }
    return new Int8Comparison(
        v.name(),
        images,
        floatCorrect,
        int8Correct,
        agree,
        Files.size(files.floatFile()),
        Files.size(files.int8File()));
  }

  private static int[] argmax(float[] logits, int rows) {
    int classes = logits.length / rows;
    int[] out = new int[rows];
    for (int r = 0; r < rows; r++) {
      for (int c = 1; c < classes; c++) {
        if (logits[r * classes + c] > logits[r * classes + out[r]]) {
          out[r] = c;
        }
      }
    }
    return out;
  }
}
