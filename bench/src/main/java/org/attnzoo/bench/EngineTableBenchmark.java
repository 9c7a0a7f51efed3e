package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * The measurements behind {@code --engine auto}, in Java only: for each variant, attnzoo on DJL's
 * PyTorch engine against attnzoo's ONNX export on DJL's OnnxRuntime engine (the ONNX Runtime build
 * that {@code auto} runs), in one JVM, calls interleaved in a random order per round ({@link
 * InterleavedRounds}). Random weights: a forward's cost does not depend on them. Every call runs in
 * its own sub-NDManager ({@link ForwardTiming}). Not a test.
 *
 * <p>Writes one CSV row per variant and batch: {@code variant,family,batch,pytorch_ms,
 * onnxruntime_ms,pytorch_p10,pytorch_p90,onnxruntime_p10,onnxruntime_p90,rounds,load1_before,
 * load1_after} (medians and nearest-rank 10th/90th percentiles in milliseconds, the rounds kept,
 * the one-minute load average before and after the row), after a {@code #} line with the settings.
 * {@code scripts/engine_table.sh} turns it into the zoo's {@code engine-latency.csv}. A variant the
 * ONNX export does not support is skipped with its reason.
 *
 * <p>Usage: {@code EngineTableBenchmark --out FILE [--batches 1,8] [--threads 2] [--warmup 2]
 * [--min-rounds 5] [--max-rounds 30] [--row-seconds 2] [--seed 1] [--ort-session fair|zoo]
 * [--estimate-only] [VARIANT...]} (default: every variant of {@link Variants#ALL}). {@code
 * --threads} sets the intra-op threads of both engines (PyTorch's through {@code
 * ai.djl.pytorch.num_threads}, unless already set otherwise). {@code --ort-session fair} (default)
 * loads the export as {@link AttnZoo#loadOnnxRuntime} does, plus {@code --threads} intra-op
 * threads, one inter-op thread and no spinning threads (ONNX Runtime's pool spins after each call
 * by default, which takes the CPU from the PyTorch call that follows it); {@code zoo} loads it with
 * {@link AttnZoo#loadOnnxRuntime} itself: ONNX Runtime's defaults, what {@code auto} users get.
 */
public final class EngineTableBenchmark {

  /** The CSV header. */
  static final String HEADER =
      "variant,family,batch,pytorch_ms,onnxruntime_ms,pytorch_p10,pytorch_p90,onnxruntime_p10,"
          + "onnxruntime_p90,rounds,load1_before,load1_after";

  // Rough cost model of a row for the time estimate, fitted on a 2-core x86 machine: seconds
  // per round (a PyTorch and an ONNX Runtime call) = ROUND_S + S_PER_GMAC * GMACs * batch;
  // building, exporting and loading a variant = SETUP_S + SETUP_S_PER_PARAM * parameters.
  private static final double ROUND_S = 0.015;
  private static final double S_PER_GMAC = 0.030;
  private static final double SETUP_S = 1.0;
  private static final double SETUP_S_PER_PARAM = 8e-8;

  private EngineTableBenchmark() {}

  /**
   * What to run.
   *
   * @param variants the variants, in order
   * @param batches the batch sizes
   * @param threads intra-op threads of both engines
   * @param zooSession whether ONNX Runtime gets {@link AttnZoo#loadOnnxRuntime}'s session (ONNX
   *     Runtime's defaults) rather than the fair one
   * @param budget rounds per row
   * @param seed seed of the inputs and of the call order
   * @param out the CSV file, or null with {@code estimateOnly}
   * @param estimateOnly print the time estimate and stop
   */
  record Settings(
      List<Variant> variants,
      List<Integer> batches,
      int threads,
      boolean zooSession,
      InterleavedRounds.Budget budget,
      long seed,
      Path out,
      boolean estimateOnly) {}

  /**
   * @param args options and variant names
   * @throws IOException if the CSV or a temporary export cannot be written
   */
  public static void main(String[] args) throws IOException {
    Settings s = parse(args);
    double estimate = 0;
    for (Variant v : s.variants()) {
      estimate += estimateSeconds(v, s.batches(), s.budget());
    }
    System.err.printf(
        Locale.ROOT,
        "%d variants x batches %s: about %.1f min on a quiet 2-core machine (rough: from published"
            + " MACs or parameter counts; refined after each variant)%n",
        s.variants().size(),
        s.batches(),
        estimate / 60);
    if (s.estimateOnly()) {
      return;
    }
    configurePyTorchThreads(s.threads());
    Files.createDirectories(s.out().toAbsolutePath().getParent());
    Path work = Files.createTempDirectory("attnzoo-engine-table-");
    Random order = new Random(s.seed());
    List<String> failed = new ArrayList<>();
    long start = System.nanoTime();
    double estimatedDone = 0;
    try (PrintWriter csv =
        new PrintWriter(Files.newBufferedWriter(s.out(), StandardCharsets.UTF_8))) {
      csv.println(HEADER);
      csv.println("# " + describe(s));
      csv.flush();
      for (Variant v : s.variants()) {
        try {
          for (String row : measure(v, s, work, order)) {
            System.out.println(row);
            csv.println(row);
          }
          csv.flush();
        } catch (IOException | MalformedModelException | RuntimeException e) {
          System.err.println("FAILED " + v.name() + ": " + e);
          failed.add(v.name());
        }
        estimatedDone += estimateSeconds(v, s.batches(), s.budget());
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.err.printf(
            Locale.ROOT,
            "%s done: %.0f s elapsed, about %.0f s left%n",
            v.name(),
            elapsed,
            (estimate - estimatedDone) * elapsed / Math.max(estimatedDone, 1e-9));
      }
    } finally {
      Files.deleteIfExists(work);
    }
    System.err.println("wrote " + s.out());
    if (!failed.isEmpty()) {
      throw new IllegalStateException("variants that failed (see above): " + failed);
    }
  }

  /**
   * Builds the variant with random weights on PyTorch, exports it to ONNX, loads the export on ONNX
   * Runtime and times both at each batch size.
   *
   * @return the CSV rows; none, with the reason printed, if the ONNX export does not support the
   *     variant
   */
  static List<String> measure(Variant v, Settings s, Path work, Random order)
      throws IOException, MalformedModelException {
    Path onnx = work.resolve(v.name() + ".onnx");
    long start = System.nanoTime();
    try (Model pytorch = AttnZoo.newModel(v, Device.cpu(), Engines.PYTORCH)) {
      try {
        AttnZoo.exportOnnx(pytorch, v, onnx);
      } catch (UnsupportedOperationException e) {
        System.err.println("skip " + v.name() + ": the ONNX export does not support it: " + e);
        return List.of();
      }
      try (Model ort = loadOnnxRuntime(v, onnx, s)) {
        checkOutputsAgree(v, pytorch, ort);
        System.err.printf(
            Locale.ROOT,
            "%s: built, exported (%.0f MB), loaded and checked in %.1f s%n",
            v.name(),
            Files.size(onnx) / 1e6,
            (System.nanoTime() - start) / 1e9);
        List<String> rows = new ArrayList<>();
        for (int batch : s.batches()) {
          rows.add(row(v, batch, pytorch, ort, s, order));
        }
        return rows;
      }
    } finally {
      Files.deleteIfExists(onnx);
    }
  }

  /** One row: both engines on the same input, interleaved. */
  private static String row(
      Variant v, int batch, Model pytorch, Model ort, Settings s, Random order) {
    Shape shape = v.config().inputShape(batch);
    float[] values = gaussian(shape, s.seed() + batch);
    double before = LoadAverage.oneMinute();
    double[][] ms;
    try (NDArray xPt = pytorch.getNDManager().create(values, shape);
        NDArray xOrt = ort.getNDManager().create(values, shape)) {
      List<DoubleSupplier> calls = List.of(timer(pytorch, xPt), timer(ort, xOrt));
      ms = InterleavedRounds.run(calls, s.budget(), order, System::nanoTime);
    }
    double after = LoadAverage.oneMinute();
    return String.format(
        Locale.ROOT,
        "%s,%s,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%.2f,%.2f",
        v.name(),
        v.family(),
        batch,
        ForwardTiming.median(ms[0]),
        ForwardTiming.median(ms[1]),
        ForwardTiming.quantile(ms[0], 0.1),
        ForwardTiming.quantile(ms[0], 0.9),
        ForwardTiming.quantile(ms[1], 0.1),
        ForwardTiming.quantile(ms[1], 0.9),
        ms[0].length,
        before,
        after);
  }

  /** A timed forward of the model on a copy of x, in a sub-manager of its own. */
  private static DoubleSupplier timer(Model model, NDArray x) {
    ParameterStore ps = new ParameterStore(model.getNDManager(), false);
    return () -> ForwardTiming.forwardMs(model.getBlock(), ps, x);
  }

  /**
   * Refuses to time an export that does not compute what the model computes (a wrong graph may be
   * fast): both engines' outputs on one image must agree to float32 rounding.
   */
  private static void checkOutputsAgree(Variant v, Model pytorch, Model ort) {
    Shape shape = v.config().inputShape(1);
    float[] values = gaussian(shape, -1);
    float[] a = forward(pytorch, values, shape);
    float[] b = forward(ort, values, shape);
    double scale = 0;
    double diff = 0;
    for (int i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(a[i]));
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
    }
    if (a.length != b.length || diff > 1e-3 * Math.max(1, scale)) {
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "%s: ONNX Runtime's output differs from PyTorch's by up to %.3g (largest output"
                  + " %.3g): not timed",
              v.name(),
              diff,
              scale));
    }
  }

  private static float[] forward(Model model, float[] values, Shape shape) {
    try (var scope = model.getNDManager().newSubManager()) {
      NDList in = new NDList(scope.create(values, shape));
      ParameterStore ps = new ParameterStore(scope, false);
      return model.getBlock().forward(ps, in, false).head().toFloatArray();
    }
  }

  /** Standard-normal values from Java's generator: ONNX Runtime's NDManager makes none. */
  private static float[] gaussian(Shape shape, long seed) {
    Random r = new Random(seed);
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) r.nextGaussian();
    }
    return values;
  }

  /**
   * The export on DJL's OnnxRuntime engine. DJL passes a {@code sessionOptions} object through its
   * load options, but neither it nor the zoo sets ONNX Runtime's spinning; bench has ONNX Runtime's
   * Java API at runtime scope only (as applications of the zoo), hence the reflection.
   */
  private static Model loadOnnxRuntime(Variant v, Path onnx, Settings s)
      throws IOException, MalformedModelException {
    if (s.zooSession()) {
      return AttnZoo.loadOnnxRuntime(v, onnx.toString(), Device.cpu());
    }
    Model model = Model.newInstance(v.name(), Device.cpu(), Engines.ONNX_RUNTIME);
    try (AutoCloseable options = sessionOptionsWithoutSpinning()) {
      // ONNX Runtime copies the options into the session: they can be closed once it is made.
      model.load(
          onnx,
          v.name(),
          Map.of(
              "sessionOptions",
              options,
              "intraOpNumThreads",
              Integer.toString(s.threads()),
              "interOpNumThreads",
              "1"));
      return model;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw e;
    } catch (Exception e) {
      model.close();
      throw new IllegalStateException("cannot make ONNX Runtime session options: " + e, e);
    }
  }

  /**
   * {@code ai.onnxruntime.OrtSession.SessionOptions} with the intra/inter-op pools not spinning.
   */
  private static AutoCloseable sessionOptionsWithoutSpinning() throws ReflectiveOperationException {
    Class<?> c = Class.forName("ai.onnxruntime.OrtSession$SessionOptions");
    Object options = c.getConstructor().newInstance();
    Method add = c.getMethod("addConfigEntry", String.class, String.class);
    add.invoke(options, "session.intra_op.allow_spinning", "0");
    add.invoke(options, "session.inter_op.allow_spinning", "0");
    return (AutoCloseable) options;
  }

  /**
   * Gives PyTorch the intra-op threads asked for (and one inter-op thread), before its engine
   * starts; a different {@code -Dai.djl.pytorch.num_threads} is refused rather than ignored.
   */
  private static void configurePyTorchThreads(int threads) {
    String set = System.getProperty("ai.djl.pytorch.num_threads");
    if (set != null && !set.equals(Integer.toString(threads))) {
      throw new IllegalArgumentException(
          "-Dai.djl.pytorch.num_threads="
              + set
              + " differs from --threads "
              + threads
              + ": both engines get the same number of threads");
    }
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
  }

  /** The settings line of the CSV: engines, threads, budget, machine. */
  private static String describe(Settings s) {
    return String.format(
        Locale.ROOT,
        "DJL %s: PyTorch %s, ONNX Runtime %s (%s session); %d intra-op threads each; warm-up %d"
            + " rounds, %d-%d rounds or %.1f s per row, random order per round, seed %d; %d CPUs",
        Engine.getDjlVersion(),
        Engine.getEngine(Engines.PYTORCH).getVersion(),
        Engine.getEngine(Engines.ONNX_RUNTIME).getVersion(),
        s.zooSession() ? "AttnZoo.loadOnnxRuntime's, ONNX Runtime defaults" : "no spinning",
        s.threads(),
        s.budget().warmupRounds(),
        s.budget().minRounds(),
        s.budget().maxRounds(),
        s.budget().seconds(),
        s.seed(),
        Runtime.getRuntime().availableProcessors());
  }

  /**
   * A rough duration of one variant's rows, for the estimate printed before a run: the size measure
   * is the published MACs per image, or, where none is published, parameters times 16x16-pixel
   * patches (a ViT's MACs are about its parameters times its tokens).
   *
   * @param v the variant
   * @param batches the batch sizes
   * @param budget rounds per row
   * @return seconds
   */
  static double estimateSeconds(Variant v, List<Integer> batches, InterleavedRounds.Budget budget) {
    long params = v.reference().params();
    Shape image = v.config().inputShape(1);
    double gmacs =
        v.reference().gmacs() != null
            ? v.reference().gmacs()
            : params * (image.get(2) * image.get(3) / 256.0) / 1e9;
    double seconds = SETUP_S + SETUP_S_PER_PARAM * params;
    for (int batch : batches) {
      double round = ROUND_S + S_PER_GMAC * gmacs * batch;
      int byTime = (int) Math.ceil(budget.seconds() / round);
      int warmup = Math.min(budget.warmupRounds(), Math.max(1, byTime));
      int kept = Math.min(budget.maxRounds(), Math.max(budget.minRounds(), byTime));
      seconds += (warmup + kept) * round;
    }
    return seconds;
  }

  /**
   * @param args the command line
   * @return its settings
   * @throws IllegalArgumentException for an unknown option, a bad value or an unknown variant
   */
  static Settings parse(String[] args) {
    List<Integer> batches = List.of(1, 8);
    int threads = 2;
    int warmup = 2;
    int minRounds = 5;
    int maxRounds = 30;
    double seconds = 2;
    long seed = 1;
    boolean zoo = false;
    boolean estimateOnly = false;
    Path out = null;
    List<Variant> variants = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        variants.add(Variants.get(a));
        continue;
      }
      if (a.equals("--estimate-only")) {
        estimateOnly = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String value = args[++i];
      switch (a) {
        case "--out" -> out = Path.of(value);
        case "--batches" ->
            batches = Arrays.stream(value.split(",")).map(Integer::parseInt).toList();
        case "--threads" -> threads = Integer.parseInt(value);
        case "--warmup" -> warmup = Integer.parseInt(value);
        case "--min-rounds" -> minRounds = Integer.parseInt(value);
        case "--max-rounds" -> maxRounds = Integer.parseInt(value);
        case "--row-seconds" -> seconds = Double.parseDouble(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--ort-session" -> zoo = parseSession(value);
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + a
                    + "; expected --out, --batches, --threads, --warmup, --min-rounds,"
                    + " --max-rounds, --row-seconds, --seed, --ort-session or --estimate-only");
      }
    }
    if (out == null && !estimateOnly) {
      throw new IllegalArgumentException(
          "usage: EngineTableBenchmark --out FILE [options] [VARIANT...]: --out is missing");
    }
    if (threads < 1 || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
      throw new IllegalArgumentException(
          "need --threads >= 1 and batch sizes >= 1; got " + threads + " and " + batches);
    }
    return new Settings(
        variants.isEmpty() ? Variants.ALL : List.copyOf(variants),
        batches,
        threads,
        zoo,
        new InterleavedRounds.Budget(warmup, minRounds, maxRounds, seconds),
        seed,
        out,
        estimateOnly);
  }

  private static boolean parseSession(String value) {
    return switch (value) {
      case "fair" -> false;
      case "zoo" -> true;
      default ->
          throw new IllegalArgumentException(
              "--ort-session must be fair or zoo, got '" + value + "'");
    };
  }
}
