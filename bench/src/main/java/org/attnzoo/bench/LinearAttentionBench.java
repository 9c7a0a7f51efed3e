package org.attnzoo.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.training.LinePlot;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * Forward time and peak memory of one attention layer against the number of tokens, for MHSA and
 * the kernel-linear mechanisms: the empirical check that the linear ones scale as {@code N} and
 * MHSA as {@code N^2}, and where each linear mechanism overtakes MHSA.
 *
 * <p>Usage: {@code LinearAttentionBench [outDir] [N,N,...] [mech,mech,...]}. Defaults: {@code
 * results/linear_attention_bench}, N in {196, 784, 3136, 12544} (ViT at 224, 448, 896, 1792 px with
 * patch 16), all of mhsa, elu, cosformer, hydra, sima. Fixed: C = 192 with 3 heads (ViT-Tiny),
 * batch 1, inference mode. Set the thread count with {@code -Dai.djl.pytorch.num_threads} (the
 * wrapper script uses 2). Peak memory is the process's peak resident set during the timed forward
 * passes (Linux {@code VmHWM}, reset through {@code /proc/self/clear_refs} before each point) minus
 * the resident set before them; the wrapper sets {@code MALLOC_MMAP_THRESHOLD_} so that large
 * tensors are mapped and unmapped rather than recycled from a resident heap, which would hide them.
 * Time is reported as the minimum (the least disturbed by other load) and the median wall time of
 * the repetitions, and as the mean process CPU time per forward pass (the work of all threads,
 * which waiting for a core on a loaded machine does not inflate; the wrapper sets {@code
 * OMP_WAIT_POLICY=PASSIVE} so that idle threads sleep rather than spin). Slopes and crossovers are
 * printed for both. Writes {@code linear_attention_bench.csv} and {@code .png}; {@code --replot
 * DIR} re-reads a written CSV, prints the summary and redraws the plot without measuring.
 */
public final class LinearAttentionBench {

  private static final long DIM = 192;
  private static final int HEADS = 3;
  private static final double MIN_SECONDS = 3.0;
  private static final int MIN_REPS = 3;
  private static final int MAX_REPS = 30;
  private static final String POINT = "--point";
  private static final String REPLOT = "--replot";

  private LinearAttentionBench() {}

  /** One measured point. */
  private record Point(
      String mechanism,
      long n,
      int reps,
      double minMs,
      double medianMs,
      double cpuMs,
      double peakMb) {}

  /**
   * @param args optional output directory, token counts and mechanism names
   * @throws IOException if the results cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length == 3 && args[0].equals(POINT)) {
      Point p = measure(args[1], Long.parseLong(args[2]));
      System.out.printf(
          Locale.ROOT,
          "%s %s %d %d %.6f %.6f %.6f %.3f%n",
          POINT,
          p.mechanism(),
          p.n(),
          p.reps(),
          p.minMs(),
          p.medianMs(),
          p.cpuMs(),
          p.peakMb());
      return;
    }
    if (args.length == 2 && args[0].equals(REPLOT)) {
      replot(Path.of(args[1]));
      return;
    }
    Path out = Path.of(args.length > 0 ? args[0] : "results/linear_attention_bench");
    long[] ns =
        args.length > 1
            ? Arrays.stream(args[1].split(",")).mapToLong(Long::parseLong).toArray()
            : new long[] {196, 784, 3136, 12544};
    List<String> mechanisms =
        args.length > 2
            ? List.of(args[2].split(","))
            : List.of("mhsa", "elu", "cosformer", "hydra", "sima");
    Files.createDirectories(out);

    System.out.printf(
        "attention forward, C=%d, heads=%d, batch 1, threads=%s%n",
        DIM, HEADS, System.getProperty("ai.djl.pytorch.num_threads", "default"));
    System.out.println("load average at start: " + loadAverage());
    System.out.printf(
        "%-10s %7s %5s %12s %12s %12s %12s%n",
        "mechanism", "N", "reps", "min ms", "median ms", "cpu ms", "peak MB");
    List<Point> points = new ArrayList<>();
    // Mechanisms at the same N are measured back to back, so load drifts on a shared machine
    // bias the comparisons (and crossovers) as little as possible.
    for (long n : ns) {
      for (String mechanism : mechanisms) {
        Point p = inFreshJvm(mechanism, n);
        points.add(p);
        System.out.printf(
            Locale.ROOT,
            "%-10s %7d %5d %12.3f %12.3f %12.3f %12.1f%n",
            p.mechanism(),
            p.n(),
            p.reps(),
            p.minMs(),
            p.medianMs(),
            p.cpuMs(),
            p.peakMb());
      }
    }
    points.sort(
        Comparator.comparingInt((Point p) -> mechanisms.indexOf(p.mechanism()))
            .thenComparingLong(Point::n));
    writeCsv(out.resolve("linear_attention_bench.csv"), points);
    Map<String, double[]> fits = summarise(points, mechanisms, ns);
    plot(out.resolve("linear_attention_bench.png"), points, mechanisms, fits);
    System.out.println("load average at end: " + loadAverage());
    System.out.println("wrote " + out.resolve("linear_attention_bench.csv") + " and .png");
  }

  /** Re-reads a written CSV, prints its slopes and crossovers and redraws its plot. */
  private static void replot(Path dir) throws IOException {
    List<Point> points = new ArrayList<>();
    List<String> lines = Files.readAllLines(dir.resolve("linear_attention_bench.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      points.add(
          new Point(
              f[0],
              Long.parseLong(f[1]),
              Integer.parseInt(f[6]),
              Double.parseDouble(f[7]),
              Double.parseDouble(f[8]),
              Double.parseDouble(f[9]),
              Double.parseDouble(f[10])));
    }
    List<String> mechanisms = points.stream().map(Point::mechanism).distinct().toList();
    long[] ns = points.stream().mapToLong(Point::n).distinct().sorted().toArray();
    Map<String, double[]> fits = summarise(points, mechanisms, ns);
    plot(dir.resolve("linear_attention_bench.png"), points, mechanisms, fits);
  }

  /** Runs one point in a new JVM with this JVM's options and class path; parses its result. */
  private static Point inFreshJvm(String mechanism, long n) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            LinearAttentionBench.class.getName(),
            POINT,
            mechanism,
            Long.toString(n)));
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String result = null;
    try (var lines = child.inputReader(StandardCharsets.UTF_8)) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith(POINT + " ")) {
          result = line;
        }
      }
    }
    try {
      child.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (result == null) {
      throw new IOException(mechanism + " N=" + n + ": the measuring JVM printed no result");
    }
    String[] f = result.split(" ");
    return new Point(
        f[1],
        Long.parseLong(f[2]),
        Integer.parseInt(f[3]),
        Double.parseDouble(f[4]),
        Double.parseDouble(f[5]),
        Double.parseDouble(f[6]),
        Double.parseDouble(f[7]));
  }

  private static Point measure(String mechanism, long n) {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(0);
      Block block =
          AttentionMechanisms.get(mechanism).create(new AttentionSpec(DIM, HEADS, true, 0, 0, n));
      Shape shape = new Shape(1, n, DIM);
      block.initialize(manager, DataType.FLOAT32, shape);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(shape);
      long baseKb = status("VmRSS");
      resetPeak();
      // Warm-up (allocator, kernels, the JIT of this fresh JVM): 3 passes and at least 0.5 s.
      long warm = System.nanoTime();
      for (int i = 0; i < 3 || System.nanoTime() - warm < 500_000_000L; i++) {
        ForwardTiming.forwardMs(block, ps, x);
      }
      List<Double> times = new ArrayList<>();
      double total = 0;
      long cpu0 = cpuNanos();
      while (times.size() < MIN_REPS || (total < MIN_SECONDS && times.size() < MAX_REPS)) {
        double s = ForwardTiming.forwardMs(block, ps, x) / 1e3;
        times.add(s);
        total += s;
      }
      double cpuMs = (cpuNanos() - cpu0) / 1e6 / times.size();
      long peakKb = status("VmHWM");
      double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double median = ForwardTiming.median(sorted) * 1e3;
      double peakMb = baseKb < 0 || peakKb < 0 ? Double.NaN : (peakKb - baseKb) / 1024.0;
      return new Point(
          mechanism, n, sorted.length, sorted[0] * 1e3, median, cpuMs, Math.max(0, peakMb));
    }
  }

  private static void forward(Block block, ParameterStore ps, NDArray x) {
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray in = x.duplicate();
      in.attach(scope);
      NDArray y = block.forward(ps, new NDList(in), false).head();
      y.toFloatArray(); // forces the computation to finish
    }
  }

  /**
   * CPU time of all the process's threads (the native OpenMP workers too) in nanoseconds: the sum
   * of {@code /proc/self/task/<tid>/schedstat} on Linux, whose resolution is finer than the clock
   * ticks of {@code getProcessCpuTime}; that one elsewhere.
   */
  private static long cpuNanos() {
    Path tasks = Path.of("/proc/self/task");
    if (Files.isDirectory(tasks)) {
      long sum = 0;
      try (var dirs = Files.list(tasks)) {
        for (Path t : (Iterable<Path>) dirs::iterator) {
          try {
            sum += Long.parseLong(Files.readString(t.resolve("schedstat")).split(" ")[0]);
          } catch (IOException | RuntimeException e) {
            // the thread ended between listing and reading
          }
        }
        return sum;
      } catch (IOException e) {
        // fall through
      }
    }
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Resets the kernel's peak-RSS counter (Linux {@code clear_refs} value 5); no-op elsewhere. */
  private static void resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException e) {
      // not Linux or not permitted: the peak then covers the whole process lifetime
    }
  }

  /** A {@code kB} field of {@code /proc/self/status}, or -1 where unavailable. */
  private static long status(String field) {
    try {
      String s = Files.readString(Path.of("/proc/self/status"));
      Matcher m = Pattern.compile(field + ":\\s+(\\d+) kB").matcher(s);
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private static void writeCsv(Path file, List<Point> points) throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      w.println("mechanism,n,dim,heads,batch,threads,reps,min_ms,median_ms,cpu_ms,peak_mb");
      for (Point p : points) {
        w.printf(
            Locale.ROOT,
            "%s,%d,%d,%d,1,%s,%d,%.4f,%.4f,%.4f,%.1f%n",
            p.mechanism(),
            p.n(),
            DIM,
            HEADS,
            System.getProperty("ai.djl.pytorch.num_threads", ""),
            p.reps(),
            p.minMs(),
            p.medianMs(),
            p.cpuMs(),
            p.peakMb());
      }
    }
  }

  /**
   * Least-squares fits {@code log t = a + b log N} per mechanism, of the wall time and of the CPU
   * time; prints slopes and crossovers of both.
   *
   * @return {@code {a, b}} of the wall time per mechanism
   */
  private static Map<String, double[]> summarise(
      List<Point> points, List<String> mechanisms, long[] ns) {
    summarise(points, mechanisms, ns, "process CPU time", Point::cpuMs);
    return summarise(points, mechanisms, ns, "wall time (min)", Point::minMs);
  }

  private static Map<String, double[]> summarise(
      List<Point> points,
      List<String> mechanisms,
      long[] ns,
      String what,
      ToDoubleFunction<Point> time) {
    Map<String, double[]> fits = new LinkedHashMap<>();
    Map<String, double[]> times = new LinkedHashMap<>();
    for (String m : mechanisms) {
      double[] t = points.stream().filter(p -> p.mechanism().equals(m)).mapToDouble(time).toArray();
      times.put(m, t);
      fits.put(m, fitLogLog(ns, t));
    }
    System.out.println();
    System.out.println("log-log slope of " + what + " vs N (1 = linear, 2 = quadratic):");
    for (var e : fits.entrySet()) {
      System.out.printf(Locale.ROOT, "  %-10s %.2f%n", e.getKey(), e.getValue()[1]);
    }
    double[] mhsa = times.get("mhsa");
    if (mhsa == null) {
      return fits;
    }
    System.out.println(
        "N where each mechanism overtakes MHSA (measured, log-log interpolation;"
            + " power-law fits):");
    for (String m : mechanisms) {
      if (m.equals("mhsa")) {
        continue;
      }
      System.out.printf(
          Locale.ROOT,
          "  %-10s %-22s fit: %s%n",
          m,
          measuredCrossover(ns, times.get(m), mhsa),
          fitCrossover(fits.get(m), fits.get("mhsa")));
    }
    return fits;
  }

  private static double[] fitLogLog(long[] ns, double[] t) {
    int k = ns.length;
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (int i = 0; i < k; i++) {
      double x = Math.log(ns[i]);
      double y = Math.log(t[i]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double b = k < 2 ? Double.NaN : (k * sxy - sx * sy) / (k * sxx - sx * sx);
    return new double[] {(sy - b * sx) / k, b};
  }

  /** The first N at which the mechanism is faster, interpolated where the ratio crosses 1. */
  private static String measuredCrossover(long[] ns, double[] t, double[] mhsa) {
    if (t[0] < mhsa[0]) {
      return String.format(Locale.ROOT, "<= %d (faster at all N)", ns[0]);
    }
    for (int i = 1; i < ns.length; i++) {
      if (t[i] < mhsa[i]) {
        double r0 = Math.log(t[i - 1] / mhsa[i - 1]);
        double r1 = Math.log(t[i] / mhsa[i]);
        double x = Math.log(ns[i - 1]) + r0 / (r0 - r1) * Math.log((double) ns[i] / ns[i - 1]);
        return String.format(Locale.ROOT, "~%.0f", Math.exp(x));
      }
    }
    return String.format(Locale.ROOT, "> %d (never faster)", ns[ns.length - 1]);
  }

  private static String fitCrossover(double[] lin, double[] mhsa) {
    double db = mhsa[1] - lin[1];
    if (db <= 0) {
      return "none (slope not below MHSA's)";
    }
    return String.format(Locale.ROOT, "~%.0f", Math.exp((lin[0] - mhsa[0]) / db));
  }

  private static void plot(
      Path file, List<Point> points, List<String> mechanisms, Map<String, double[]> fits)
      throws IOException {
    List<LinePlot.Series> series = new ArrayList<>();
    for (String m : mechanisms) {
      List<Point> mine = points.stream().filter(p -> p.mechanism().equals(m)).toList();
      series.add(
          new LinePlot.Series(
              String.format(Locale.ROOT, "%s (slope %.2f)", m, fits.get(m)[1]),
              mine.stream().mapToDouble(Point::n).toArray(),
              mine.stream().mapToDouble(Point::minMs).toArray()));
    }
    LinePlot.write(
        file,
        String.format(
            Locale.ROOT, "attention forward time (best of k), C=%d, batch 1 (log-log)", DIM),
        List.of(new LinePlot.Panel("forward time", "tokens N", " ms", true, series)));
  }
}
