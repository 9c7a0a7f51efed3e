package org.attnzoo.bench;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * The bar chart of {@code scripts/bench_paths.sh}: one group per (variant, batch), one bar per
 * side, each bar the median over the passes, on a log axis (the paths differ by up to 10x). Not a
 * test.
 *
 * <p>Usage: {@code PathsPlot PATHS.csv OUT.png}
 */
public final class PathsPlot {

  private static final List<String> SIDES =
      List.of("timm", "torch_ort", "attnzoo_pytorch", "attnzoo_ort", "attnzoo_int8");
  private static final Color[] COLORS = {
    new Color(0x4C72B0),
    new Color(0x55A868),
    new Color(0xC44E52),
    new Color(0x8172B2),
    new Color(0xCCB974)
  };

  private PathsPlot() {}

  /**
   * @param args the CSV and the PNG to write
   * @throws IOException if reading or writing fails
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException(
          "usage: PathsPlot PATHS.csv OUT.png; got " + args.length + " arguments");
    }
    plot(read(Path.of(args[0])), Path.of(args[1]));
  }

  /** Median over the passes, by "variant b=batch", then by side. */
  static Map<String, Map<String, Double>> read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(","));
    int side = header.indexOf("side");
    int variant = header.indexOf("variant");
    int batch = header.indexOf("batch");
    int median = header.indexOf("median_ms");
    if (side < 0 || variant < 0 || batch < 0 || median < 0) {
      throw new IllegalArgumentException(
          csv + ": expected columns side, variant, batch, median_ms; got " + lines.get(0));
    }
    Map<String, Map<String, List<Double>>> all = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      all.computeIfAbsent(f[variant] + " b=" + f[batch], k -> new LinkedHashMap<>())
          .computeIfAbsent(f[side], k -> new ArrayList<>())
          .add(Double.parseDouble(f[median]));
    }
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    all.forEach(
        (group, sides) -> {
          Map<String, Double> m = new LinkedHashMap<>();
          sides.forEach(
              (s, v) -> m.put(s, ForwardTiming.median(v.stream().mapToDouble(d -> d).toArray())));
          out.put(group, m);
        });
    return out;
  }

  static void plot(Map<String, Map<String, Double>> groups, Path png) throws IOException {
    int left = 70;
    int top = 40;
    int plotH = 360;
    int groupW = Math.max(150, 40 + 18 * SIDES.size());
    int width = left + 20 + groupW * Math.max(1, groups.size()) + 170;
    int height = top + plotH + 90;
    double lo = Double.MAX_VALUE;
    double hi = 0;
    for (Map<String, Double> g : groups.values()) {
      for (double v : g.values()) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    double decLo = Math.floor(Math.log10(lo));
    double decHi = Math.ceil(Math.log10(hi));
    if (decHi <= decLo) {
      decHi = decLo + 1;
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.setColor(Color.BLACK);
    g.drawString("forward latency, ms (log scale; median over passes)", left, 20);
    int bottom = top + plotH;
    for (double d = decLo; d <= decHi; d++) {
      int y = bottom - (int) Math.round((d - decLo) / (decHi - decLo) * plotH);
      g.setColor(new Color(0xDDDDDD));
      g.drawLine(left, y, width - 170, y);
      g.setColor(Color.BLACK);
      double tick = Math.pow(10, d);
      String label = String.format(Locale.ROOT, tick >= 1 ? "%.0f" : "%.3f", tick);
      g.drawString(label, 8, y + 4);
    }
    int x = left + 20;
    for (Map.Entry<String, Map<String, Double>> e : groups.entrySet()) {
      for (int s = 0; s < SIDES.size(); s++) {
        Double v = e.getValue().get(SIDES.get(s));
        if (v == null) {
          continue;
        }
        int h = (int) Math.round((Math.log10(v) - decLo) / (decHi - decLo) * plotH);
        g.setColor(COLORS[s]);
        g.fillRect(x + 18 * s, bottom - h, 15, h);
      }
      g.setColor(Color.BLACK);
      // Variant on one line, batch under it: the names are wider than their bar groups.
      String[] label = e.getKey().split(" (?=b=)");
      for (int l = 0; l < label.length; l++) {
        g.drawString(label[l], x, bottom + 16 + 14 * l);
      }
      x += groupW;
    }
    g.setStroke(new BasicStroke(1));
    g.drawLine(left, bottom, width - 170, bottom);
    for (int s = 0; s < SIDES.size(); s++) {
      g.setColor(COLORS[s]);
      g.fillRect(width - 160, top + 18 * s, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(SIDES.get(s), width - 142, top + 18 * s + 11);
    }
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }
}
