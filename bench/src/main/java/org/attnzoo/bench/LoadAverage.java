package org.attnzoo.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's load average as {@code uptime} prints it, read from {@code /proc/loadavg}: every
 * benchmark row records it, because on a shared machine a latency means little without it.
 */
public final class LoadAverage {

  private static final Path PROC = Path.of("/proc/loadavg");

  private LoadAverage() {}

  /**
   * @return the one-minute load average, or NaN where {@code /proc/loadavg} does not exist
   */
  public static double oneMinute() {
    try {
      return Double.parseDouble(Files.readString(PROC).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
