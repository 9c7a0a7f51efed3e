package org.attnzoo.training;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.attnzoo.zoo.io.AtomicFiles;

/**
 * The training reports: CSV files (the per-epoch metrics, the ToSA summary) and the PNG plot of the
 * loss and accuracy curves.
 */
public final class Reports {

  private Reports() {}

  /**
   * Writes the metrics CSV (replaced atomically, so it is always complete).
   *
   * @param history rows so far
   * @param file the CSV file
   * @throws IOException if writing fails
   */
  public static void writeCsv(List<EpochMetrics> history, Path file) throws IOException {
    writeCsv(file, EpochMetrics.CSV_HEADER, history.stream().map(EpochMetrics::csv).toList());
  }

  /**
   * Writes a CSV file, replaced atomically ({@link AtomicFiles}), so that a reader never sees half
   * of it.
   *
   * @param file the CSV file
   * @param header the header line
   * @param rows the data lines
   * @throws IOException if writing fails
   */
  public static void writeCsv(Path file, String header, List<String> rows) throws IOException {
    List<String> lines = new ArrayList<>(rows.size() + 1);
    lines.add(header);
    lines.addAll(rows);
    AtomicFiles.writeLines(file, lines);
  }

  /**
   * Draws loss (left) and accuracy (right) per epoch, training and test, into a PNG ({@link
   * LinePlot}). Works headless.
   *
   * @param history rows
   * @param title a title line
   * @param file the PNG file
   * @throws IOException if writing fails
   */
  public static void plot(List<EpochMetrics> history, String title, Path file) throws IOException {
    LinePlot.write(
        file,
        title,
        List.of(
            panel(history, "loss", EpochMetrics::trainLoss, EpochMetrics::testLoss),
            panel(history, "accuracy", EpochMetrics::trainAcc, EpochMetrics::testAcc)));
  }

  private static LinePlot.Panel panel(
      List<EpochMetrics> history,
      String name,
      ToDoubleFunction<EpochMetrics> train,
      ToDoubleFunction<EpochMetrics> test) {
    double[] epochs = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
    return new LinePlot.Panel(
        name,
        "epoch",
        "",
        false,
        List.of(
            new LinePlot.Series("train", epochs, history.stream().mapToDouble(train).toArray()),
            new LinePlot.Series("test", epochs, history.stream().mapToDouble(test).toArray())));
  }
}
