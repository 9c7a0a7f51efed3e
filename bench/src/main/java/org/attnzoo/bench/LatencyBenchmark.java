package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * Forward latency of attnzoo variants on the PyTorch engine (median over timed calls after a
 * warm-up), and resident memory over many calls. Each call runs in its own sub-NDManager, as
 * applications should. Prints one CSV line per (variant, batch): {@code
 * variant,batch,median_ms,p10_ms,p90_ms}; with {@code --memory-calls N}, a line {@code
 * memory,variant,calls,rss_before_mb,rss_after_mb}.
 *
 * <p>Usage: {@code LatencyBenchmark [--iters 30] [--warmup 10] [--memory-calls 0] VARIANT:BATCH...}
 * Threads: set {@code -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1}.
 */
public final class LatencyBenchmark {

  private LatencyBenchmark() {}

  /**
   * @param args options and VARIANT:BATCH pairs
   * @throws IOException if /proc cannot be read
   */
  public static void main(String[] args) throws IOException {
    int iters = 30;
    int warmup = 10;
    int memoryCalls = 0;
    java.util.List<String> jobs = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--iters" -> iters = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--memory-calls" -> memoryCalls = Integer.parseInt(args[++i]);
        default -> jobs.add(args[i]);
      }
    }
    for (String job : jobs) {
      String[] parts = job.split(":");
      Variant v = Variants.get(parts[0]);
      int batch = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
      try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
        double[] ms = time(model, v, batch, warmup, iters);
        System.out.printf(
            Locale.ROOT,
            "%s,%d,%.3f,%.3f,%.3f%n",
            v.name(),
            batch,
            ForwardTiming.median(ms),
            ForwardTiming.quantile(ms, 0.1),
            ForwardTiming.quantile(ms, 0.9));
        if (memoryCalls > 0) {
          double before = rssMb();
          time(model, v, batch, 0, memoryCalls);
          System.out.printf(
              Locale.ROOT, "memory,%s,%d,%.1f,%.1f%n", v.name(), memoryCalls, before, rssMb());
        }
      }
    }
  }

  private static double[] time(Model model, Variant v, int batch, int warmup, int iters) {
    double[] ms = new double[iters];
    ParameterStore ps = new ParameterStore(model.getNDManager(), false);
    Shape shape = v.config().inputShape(batch);
    for (int i = -warmup; i < iters; i++) {
      double t = ForwardTiming.forwardMs(model.getBlock(), ps, model.getNDManager(), shape);
      if (i >= 0) {
        ms[i] = t;
      }
    }
    return ms;
  }

  private static double rssMb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }
}
