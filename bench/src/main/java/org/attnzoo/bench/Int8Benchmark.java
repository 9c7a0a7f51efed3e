package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * Float32 against dynamic int8 ({@code attnzoo export --quantize int8}) for every shipped
 * Fashion-MNIST model, on ONNX Runtime through DJL: top-1 accuracy on the test set, top-1
 * agreement, file size, and median latency at batch 1 and 8 (float and int8 calls alternate, so
 * that load changes hit both alike). Records the load average before and after each model. Not a
 * test.
 *
 * <p>Usage: {@code Int8Benchmark OUT_DIR [--limit N] [--iters 40]}; writes {@code
 * OUT_DIR/int8.csv}.
 */
public final class Int8Benchmark {

  private Int8Benchmark() {}

  /**
   * @param args output folder and options
   * @throws Exception if a model fails to export or run
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      throw new IllegalArgumentException(
          "usage: Int8Benchmark OUT_DIR [--limit N] [--iters N]; got no arguments");
    }
    Path out = Path.of(args[0]);
    long limit = Long.MAX_VALUE;
    int iters = 40;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--limit" -> limit = Long.parseLong(args[++i]);
        case "--iters" -> iters = Integer.parseInt(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "; expected --limit N or --iters N");
      }
    }
    Files.createDirectories(out);
    Path work = Files.createTempDirectory("attnzoo-int8-");
    List<String> rows = new ArrayList<>();
    rows.add(
        "variant,images,float_acc,int8_acc,delta_points,top1_agreement,float_bytes,int8_bytes,"
            + "float_ms_b1,int8_ms_b1,float_ms_b8,int8_ms_b8,load1_before,load1_after");
    for (ShippedModels.Shipped s : ShippedModels.all()) {
      double before = LoadAverage.oneMinute();
      Int8Comparison.Exports files = Int8Comparison.export(s, work);
      Int8Comparison c = Int8Comparison.evaluate(files, limit);
      double[] b1 = latency(files, 1, iters);
      double[] b8 = latency(files, 8, iters);
      double after = LoadAverage.oneMinute();
      String row =
          String.format(
              Locale.ROOT,
              "%s,%d,%.2f,%.2f,%+.2f,%.2f,%d,%d,%.3f,%.3f,%.3f,%.3f,%.2f,%.2f",
              c.variant(),
              c.images(),
              c.floatAccuracy(),
              c.int8Accuracy(),
              c.int8Accuracy() - c.floatAccuracy(),
              c.agreement(),
              c.floatBytes(),
              c.int8Bytes(),
              b1[0],
              b1[1],
              b8[0],
              b8[1],
              before,
              after);
      System.out.println(row);
      rows.add(row);
      Files.delete(files.floatFile());
      Files.delete(files.int8File());
    }
    Files.delete(work);
    Files.write(out.resolve("int8.csv"), rows);
    System.out.println("wrote " + out.resolve("int8.csv"));
  }

  /** Median ms of the float and the int8 file at one batch size, calls alternating. */
  private static double[] latency(Int8Comparison.Exports files, int batch, int iters)
      throws IOException, TranslateException {
    double[][] ms = new double[2][iters];
    Path[] paths = {files.floatFile(), files.int8File()};
    Model[] models = new Model[2];
    List<Predictor<NDList, NDList>> predictors = new ArrayList<>();
    try (NDManager nd = NDManager.newBaseManager(Device.cpu(), "OnnxRuntime")) {
      for (int k = 0; k < 2; k++) {
        models[k] = AttnZoo.loadOnnxRuntime(files.variant(), paths[k].toString(), Device.cpu());
        predictors.add(models[k].newPredictor(new NoopTranslator()));
      }
      // ORT's NDManager makes no random arrays: the input comes from Java's generator.
      ai.djl.ndarray.types.Shape shape = files.variant().config().inputShape(batch);
      java.util.Random r = new java.util.Random(batch);
      float[] values = new float[(int) shape.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) r.nextGaussian();
      }
      NDList x = new NDList(nd.create(values, shape));
      int warmup = Math.max(5, iters / 4);
      for (int i = -warmup; i < iters; i++) {
        for (int k = 0; k < 2; k++) {
          long t0 = System.nanoTime();
          predictors.get(k).predict(x).close();
          if (i >= 0) {
            ms[k][i] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
    } finally {
      predictors.forEach(Predictor::close);
      for (Model m : models) {
        if (m != null) {
          m.close();
        }
      }
    }
    return new double[] {ForwardTiming.median(ms[0]), ForwardTiming.median(ms[1])};
  }
}
