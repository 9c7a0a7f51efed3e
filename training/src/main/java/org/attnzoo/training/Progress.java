package org.attnzoo.training;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: step, loss, accuracy, throughput and ETA of the epoch. On a
 * terminal it redraws in place a few times a second; otherwise (logs, CI) it prints a line every
 * ten seconds.
 */
public final class Progress {

  private static final int WIDTH = 24;

  private final PrintStream out;
  private final boolean enabled;
  private final boolean terminal;
  private long lastDraw;

  /**
   * @param out where to draw (stderr)
   * @param enabled false to stay silent (tests)
   */
  public Progress(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
    this.terminal = System.console() != null;
  }

  /**
   * Redraws the bar if enough time has passed.
   *
   * @param epoch one-based epoch
   * @param epochs total epochs
   * @param step step within the epoch (one-based)
   * @param steps steps per epoch
   * @param loss running mean loss
   * @param acc running accuracy
   * @param imagesPerSecond running throughput
   * @param secondsLeft estimated seconds to the end of the epoch
   */
  public void update(
      int epoch,
      int epochs,
      int step,
      int steps,
      double loss,
      double acc,
      double imagesPerSecond,
      double secondsLeft) {
    long now = System.nanoTime();
    long interval = terminal ? 200_000_000L : 10_000_000_000L;
    if (!enabled || (now - lastDraw < interval && step != steps)) {
      return;
    }
    lastDraw = now;
    int filled = (int) ((long) WIDTH * step / steps);
    String bar =
        "=".repeat(filled)
            + (filled < WIDTH ? ">" : "")
            + " ".repeat(WIDTH - filled - (filled < WIDTH ? 1 : 0));
    String line =
        String.format(
            Locale.ROOT,
            "epoch %d/%d [%s] %d/%d loss %.4f acc %s %6.0f img/s ETA %s",
            epoch,
            epochs,
            bar,
            step,
            steps,
            loss,
            Double.isNaN(acc) ? "  -   " : String.format(Locale.ROOT, "%5.1f%%", 100 * acc),
            imagesPerSecond,
            clock(secondsLeft));
    out.print(terminal ? "\r" + line : line + "\n");
    out.flush();
  }

  /**
   * Ends the epoch's line with its evaluation.
   *
   * @param m the epoch's metrics
   */
  public void epochDone(EpochMetrics m) {
    if (!enabled) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "%s%sepoch %d: train loss %.4f acc %s | test loss %.4f acc %.2f%% | %.0f img/s, %s |"
            + " %d skipped steps%n",
        terminal ? "\r\033[K" : "",
        m.stage() == null || EpochMetrics.TRAIN.equals(m.stage()) ? "" : m.stage() + " ",
        m.epoch(),
        m.trainLoss(),
        Double.isNaN(m.trainAcc()) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * m.trainAcc()),
        m.testLoss(),
        100 * m.testAcc(),
        m.imagesPerSecond(),
        clock(m.seconds()),
        m.skippedSteps());
    out.flush();
    lastDraw = 0;
  }

  /**
   * @param message a line to print (not part of the bar)
   */
  public void log(String message) {
    if (enabled) {
      out.println(message);
      out.flush();
    }
  }

  static String clock(double seconds) {
    long s = Math.max(0, Math.round(seconds));
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
