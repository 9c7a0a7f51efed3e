package org.attnzoo.training;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.attnzoo.backbones.tosa.TosaCost;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.training.data.Batches;
import org.attnzoo.zoo.TosaVariants;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * What the ToSA recipe reports at its end: the dense teacher and the ToSA model side by side (test
 * accuracy, attention and layer MACs, latency at batch 1 and at the evaluation batch), as the rows
 * of {@code tosa-summary.csv} and as a table for the console.
 */
public final class TosaReport {

  private TosaReport() {}

  /**
   * One row of the summary.
   *
   * @param model {@code dense} or {@code tosa}
   * @param variant the variant name
   * @param keepRatio 1 for the dense model
   * @param testAcc test accuracy
   * @param attentionMacs {@link TosaCost#attentionMacs} per image
   * @param layerMacs {@link TosaCost#layerMacs} per image
   * @param latencyBatch1Ms median forward time at batch 1 (NaN: not measured)
   * @param evalBatch the larger batch size timed
   * @param latencyEvalBatchMs median forward time of the whole batch of {@code evalBatch} images
   */
  public record Measure(
      String model,
      String variant,
      double keepRatio,
      double testAcc,
      long attentionMacs,
      long layerMacs,
      double latencyBatch1Ms,
      int evalBatch,
      double latencyEvalBatchMs) {

    /** CSV header matching {@link #csv()}. */
    public static final String CSV_HEADER =
        "model,variant,keep_ratio,test_acc,attention_macs,layer_macs,latency_b1_ms,eval_batch,"
            + "latency_eval_batch_ms";

    /**
     * @return the row as CSV
     */
    public String csv() {
      return String.format(
          Locale.ROOT,
          "%s,%s,%s,%.6f,%d,%d,%.4f,%d,%.4f",
          model,
          variant,
          keepRatio,
          testAcc,
          attentionMacs,
          layerMacs,
          latencyBatch1Ms,
          evalBatch,
          latencyEvalBatchMs);
    }
  }

  /**
   * Evaluates the teacher, times both models and writes the two rows into {@code file}.
   *
   * @param teacher the dense teacher
   * @param dense its variant
   * @param model the trained ToSA model
   * @param tosa its variant (keep ratio applied)
   * @param tosaAcc the ToSA model's test accuracy
   * @param test the test batches
   * @param evalBatchSize images per evaluation batch, also the larger batch timed (at most the test
   *     set)
   * @param latencyIters timed calls per model and batch size (0: none)
   * @param file the summary CSV
   * @return the dense row and the ToSA row
   * @throws IOException if the file cannot be written
   */
  public static List<Measure> compare(
      Model teacher,
      Variant dense,
      Model model,
      Variant tosa,
      double tosaAcc,
      Batches test,
      int evalBatchSize,
      int latencyIters,
      Path file)
      throws IOException {
    double teacherAcc = TrainingRun.evaluate(teacher, test, evalBatchSize)[1];
    int evalBatch = Math.min(evalBatchSize, test.set().size());
    double[][] ms = latency(teacher, model, tosa, evalBatch, latencyIters);
    List<Measure> rows =
        List.of(
            measure("dense", dense, 1.0, teacherAcc, ms[0], evalBatch),
            measure(
                "tosa", tosa, TosaVariants.layers(tosa).keepRatio(), tosaAcc, ms[1], evalBatch));
    Reports.writeCsv(file, Measure.CSV_HEADER, rows.stream().map(Measure::csv).toList());
    return rows;
  }

  private static Measure measure(
      String model, Variant v, double keep, double acc, double[] ms, int evalBatch) {
    VitConfig c = (VitConfig) v.config();
    return new Measure(
        model,
        v.name(),
        keep,
        acc,
        TosaCost.attentionMacs(c),
        TosaCost.layerMacs(c),
        ms[0],
        evalBatch,
        ms[1]);
  }

  /**
   * Median forward times of two models, interleaved call by call in one process (so that load
   * changes hit both alike), each call in its own sub-NDManager, at batch 1 and at {@code batch}.
   *
   * @param a the first model
   * @param b the second model (same input shape)
   * @param variant either variant (for the input shape)
   * @param batch the larger batch size
   * @param iters timed calls per model and batch size (after {@code max(2, iters / 5)} warm-up
   *     calls); 0 gives NaN
   * @return {@code [model][batch-1 ms, batch ms]}
   */
  public static double[][] latency(Model a, Model b, Variant variant, int batch, int iters) {
    double[][] out = new double[2][2];
    int[] sizes = {1, batch};
    for (int k = 0; k < 2; k++) {
      if (iters == 0) {
        out[0][k] = Double.NaN;
        out[1][k] = Double.NaN;
        continue;
      }
      Shape shape = variant.config().inputShape(sizes[k]);
      double[][] ms = new double[2][iters];
      int warmup = Math.max(2, iters / 5);
      Model[] models = {a, b};
      for (int i = -warmup; i < iters; i++) {
        for (int j = 0; j < 2; j++) {
          // Alternate which model goes first, so neither always runs on a cache the other warmed.
          int m = (i & 1) == 0 ? j : 1 - j;
          Model model = models[m];
          ParameterStore ps = new ParameterStore(model.getNDManager(), false);
          double t = ForwardTiming.forwardMs(model.getBlock(), ps, model.getNDManager(), shape);
          if (i >= 0) {
            ms[m][i] = t;
          }
        }
      }
      for (int m = 0; m < 2; m++) {
        out[m][k] = ForwardTiming.median(ms[m]);
      }
    }
    return out;
  }

  /**
   * @param d the dense row
   * @param t the ToSA row
   * @return both side by side with their ratio, one line per measure
   */
  public static String table(Measure d, Measure t) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-28s %16s %16s %8s%n",
            "",
            "dense",
            String.format(Locale.ROOT, "ToSA keep %.2f", t.keepRatio()),
            "ratio"));
    b.append(row("test accuracy (%)", 100 * d.testAcc(), 100 * t.testAcc(), "%.2f"));
    b.append(
        row(
            "attention MACs / image (M)",
            d.attentionMacs() / 1e6,
            t.attentionMacs() / 1e6,
            "%.3f"));
    b.append(row("layer MACs / image (M)", d.layerMacs() / 1e6, t.layerMacs() / 1e6, "%.3f"));
    b.append(row("latency batch 1 (ms)", d.latencyBatch1Ms(), t.latencyBatch1Ms(), "%.3f"));
    b.append(
        row(
            "latency batch " + d.evalBatch() + " (ms/image)",
            d.latencyEvalBatchMs() / d.evalBatch(),
            t.latencyEvalBatchMs() / t.evalBatch(),
            "%.4f"));
    return b.toString().stripTrailing();
  }

  private static String row(String name, double dense, double tosa, String format) {
    return String.format(
        Locale.ROOT,
        "%-28s %16s %16s %8.3f%n",
        name,
        String.format(Locale.ROOT, format, dense),
        String.format(Locale.ROOT, format, tosa),
        tosa / dense);
  }
}
