package org.attnzoo.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.attnzoo.zoo.io.AtomicFiles;

/** The per-epoch metrics CSV and the PNG plot of the loss and accuracy curves. */
public final class Reports {

  private static final Color TRAIN = new Color(0x1f77b4);
  private static final Color TEST = new Color(0xd62728);

  private Reports() {}

  /**
   * Writes the metrics CSV (replaced atomically, so it is always complete).
   *
   * @param history rows so far
   * @param file the CSV file
   * @throws IOException if writing fails
   */
  public static void writeCsv(List<EpochMetrics> history, Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(EpochMetrics.CSV_HEADER);
    history.forEach(m -> lines.add(m.csv()));
    AtomicFiles.writeLines(file, lines);
  }

  /**
   * Draws loss (left) and accuracy (right) per epoch, training and test, into a PNG. Works
   * headless.
   *
   * @param history rows
   * @param title a title line
   * @param file the PNG file
   * @throws IOException if writing fails
   */
  public static void plot(List<EpochMetrics> history, String title, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int w = 960;
    int h = 420;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    g.drawString(title, 20, 22);
    panel(g, history, "loss", 60, 50, 390, 320, EpochMetrics::trainLoss, EpochMetrics::testLoss);
    panel(g, history, "accuracy", 540, 50, 390, 320, EpochMetrics::trainAcc, EpochMetrics::testAcc);
    g.setColor(TRAIN);
    g.drawString("train", 60, 405);
    g.setColor(TEST);
    g.drawString("test", 120, 405);
    g.dispose();
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  private static void panel(
      Graphics2D g,
      List<EpochMetrics> history,
      String name,
      int x,
      int y,
      int w,
      int h,
      ToDoubleFunction<EpochMetrics> train,
      ToDoubleFunction<EpochMetrics> test) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (EpochMetrics m : history) {
      for (double v : new double[] {train.applyAsDouble(m), test.applyAsDouble(m)}) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-9) {
      hi = lo + 1;
    }
    g.setColor(Color.BLACK);
    g.drawRect(x, y, w, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(name, x + w / 2 - 20, y - 6);
    g.drawString(String.format(Locale.ROOT, "%.3f", hi), x - 50, y + 10);
    g.drawString(String.format(Locale.ROOT, "%.3f", lo), x - 50, y + h);
    g.drawString("1", x, y + h + 15);
    g.drawString("epoch " + history.size(), x + w - 60, y + h + 15);
    line(g, history, train, x, y, w, h, lo, hi, TRAIN);
    line(g, history, test, x, y, w, h, lo, hi, TEST);
  }

  private static void line(
      Graphics2D g,
      List<EpochMetrics> history,
      ToDoubleFunction<EpochMetrics> f,
      int x,
      int y,
      int w,
      int h,
      double lo,
      double hi,
      Color color) {
    g.setColor(color);
    g.setStroke(new BasicStroke(2f));
    int n = history.size();
    int px = -1;
    int py = -1;
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(f.applyAsDouble(history.get(i)))) {
        px = -1;
        continue;
      }
      int cx = x + (n == 1 ? w / 2 : (int) ((long) i * w / (n - 1)));
      int cy = y + h - (int) ((f.applyAsDouble(history.get(i)) - lo) / (hi - lo) * h);
      g.fillOval(cx - 3, cy - 3, 6, 6);
      if (px >= 0) {
        g.drawLine(px, py, cx, cy);
      }
      px = cx;
      py = cy;
    }
  }
}
