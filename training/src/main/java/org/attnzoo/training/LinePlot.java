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
import javax.imageio.ImageIO;

/**
 * Line charts as PNG, drawn with AWT in headless mode (no plotting library): one or more panels
 * side by side, each with its series as lines through dots, linear or log-log axes, and a legend.
 * The training curves ({@link Reports#plot}) and the benchmarks' scaling plots both draw with it.
 */
public final class LinePlot {

  /** Series colours, in order (matplotlib's first ones). */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xd62728),
    new Color(0x2ca02c),
    new Color(0xff7f0e),
    new Color(0x9467bd),
    Color.BLACK
  };

  private static final int PANEL_WIDTH = 480;
  private static final int HEIGHT = 460;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 60;
  private static final int BOTTOM = 110;
  private static final Color GRID = new Color(225, 225, 225);

  private LinePlot() {}

  /**
   * One line. Points with a non-finite coordinate (or, on a log panel, one not above 0) are gaps.
   *
   * @param name the legend entry
   * @param x the x values
   * @param y the y values, as many
   */
  public record Series(String name, double[] x, double[] y) {

    /** Checks the values. */
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException(
            "series " + name + " has " + x.length + " x values but " + y.length + " y values");
      }
    }
  }

  /**
   * One chart.
   *
   * @param title above the frame
   * @param xLabel below the frame
   * @param yUnit appended to the y tick labels (e.g. {@code " ms"}), or empty
   * @param log whether both axes are log10 (ticks at the decades)
   * @param series the lines, coloured in order
   */
  public record Panel(
      String title, String xLabel, String yUnit, boolean log, List<Series> series) {}

  /**
   * Draws the panels side by side under a title line and writes the PNG.
   *
   * @param file the PNG file (its folder is created)
   * @param title the title line
   * @param panels the charts
   * @throws IOException if writing fails
   */
  public static void write(Path file, String title, List<Panel> panels) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int w = PANEL_WIDTH * panels.size();
    BufferedImage img = new BufferedImage(w, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, HEIGHT);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    g.drawString(title, 20, 22);
    for (int i = 0; i < panels.size(); i++) {
      draw(g, panels.get(i), i * PANEL_WIDTH);
    }
    g.dispose();
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  private static void draw(Graphics2D g, Panel p, int x0) {
    int x = x0 + LEFT;
    int w = PANEL_WIDTH - LEFT - RIGHT;
    int h = HEIGHT - TOP - BOTTOM;
    double[] xr = range(p, true);
    double[] yr = range(p, false);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (double t : ticks(yr, p.log())) {
      int py = TOP + h - scale(t, yr, h);
      g.setColor(GRID);
      g.drawLine(x, py, x + w, py);
      g.setColor(Color.DARK_GRAY);
      g.drawString(label(p.log() ? Math.pow(10, t) : t) + p.yUnit(), x0 + 4, py + 5);
    }
    for (double t : ticks(xr, p.log())) {
      int px = x + scale(t, xr, w);
      g.setColor(GRID);
      g.drawLine(px, TOP, px, TOP + h);
      g.setColor(Color.DARK_GRAY);
      g.drawString(label(p.log() ? Math.pow(10, t) : t), px - 10, TOP + h + 16);
    }
    g.setColor(Color.BLACK);
    g.drawRect(x, TOP, w, h);
    g.drawString(p.title(), x, TOP - 8);
    g.drawString(p.xLabel(), x + w / 2 - 30, TOP + h + 34);
    g.setStroke(new BasicStroke(2f));
    for (int s = 0; s < p.series().size(); s++) {
      Series series = p.series().get(s);
      g.setColor(PALETTE[s % PALETTE.length]);
      int prevX = Integer.MIN_VALUE;
      int prevY = 0;
      for (int i = 0; i < series.x().length; i++) {
        double vx = value(series.x()[i], p.log());
        double vy = value(series.y()[i], p.log());
        if (!Double.isFinite(vx) || !Double.isFinite(vy)) {
          prevX = Integer.MIN_VALUE;
          continue;
        }
        int px = x + scale(vx, xr, w);
        int py = TOP + h - scale(vy, yr, h);
        g.fillOval(px - 3, py - 3, 6, 6);
        if (prevX != Integer.MIN_VALUE) {
          g.drawLine(prevX, prevY, px, py);
        }
        prevX = px;
        prevY = py;
      }
      g.drawString(series.name(), x + (s % 2) * (w / 2), TOP + h + 56 + (s / 2) * 18);
    }
    g.setStroke(new BasicStroke(1f));
  }

  // The axis range over every drawable point; a flat or empty one is widened to a unit span.
  private static double[] range(Panel p, boolean xAxis) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (Series s : p.series()) {
      double[] values = xAxis ? s.x() : s.y();
      for (int i = 0; i < values.length; i++) {
        double v = value(values[i], p.log());
        double other = value(xAxis ? s.y()[i] : s.x()[i], p.log());
        if (Double.isFinite(v) && Double.isFinite(other)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      return new double[] {0, 1};
    }
    if (p.log() && !xAxis) {
      // Whole decades on a log y axis, so that every tick is a labelled power of ten.
      lo = Math.floor(lo);
      hi = Math.ceil(hi);
    }
    return hi - lo < 1e-9 ? new double[] {lo, lo + 1} : new double[] {lo, hi};
  }

  private static List<Double> ticks(double[] range, boolean log) {
    List<Double> out = new ArrayList<>();
    if (log) {
      for (double t = Math.ceil(range[0] - 1e-9); t <= range[1] + 1e-9; t++) {
        out.add(t);
      }
    } else {
      out.add(range[0]);
      out.add((range[0] + range[1]) / 2);
      out.add(range[1]);
    }
    return out;
  }

  private static double value(double v, boolean log) {
    return log ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
  }

  private static int scale(double v, double[] range, int pixels) {
    return (int) Math.round((v - range[0]) / (range[1] - range[0]) * pixels);
  }

  private static String label(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e7) {
      return String.format(Locale.ROOT, "%d", (long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 0.01 ? "%.3f" : "%.2g", v);
  }
}
