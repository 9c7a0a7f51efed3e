package org.attnzoo.spark;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.image.ClassificationTranslator;
import org.attnzoo.zoo.image.ImageDecoder;
import org.attnzoo.zoo.runtime.Engines;

/**
 * Images per second of the Spark job at {@code local[1]} and {@code local[2]} against a single-JVM
 * loop, on the same Fashion-MNIST test images written as PNG files, interleaved round by round:
 *
 * <ul>
 *   <li>{@code predict-loop}: {@code attnzoo predict}'s loop (decode, {@code Criteria}'s
 *       translator, one image per forward call);
 *   <li>{@code batched-loop}: the Spark job's own partition function (decode, batches of 32),
 *       called in this JVM without Spark: what Spark adds is the difference to {@code local[1]};
 *   <li>{@code spark-local[N]}: {@link SparkPredictJob#run} (read the folder, classify, write
 *       Parquet), the model loaded afresh in each run (its load time is in the row); the session's
 *       start is timed apart.
 * </ul>
 *
 * <p>PyTorch runs one intra-op thread in every mode (as a Spark task with {@code
 * spark.task.cpus=1}), so the loops and {@code local[1]} use one core. Round 0 is a warm-up on 500
 * images (its first Spark row is a fresh JVM's cold start). The CSV has the process's CPU time
 * (images per CPU-second hardly depends on what else the machine runs) and the 1-minute load
 * average before and after each run.
 *
 * <pre>
 * mvn -B -o -pl spark -am test-compile -Dspotless.check.skip=true
 * mvn -B -o -q -pl spark dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt
 * java -Xmx4g $SPARK_OPENS -Dspark.ui.enabled=false \
 *   -cp spark/target/test-classes:spark/target/classes:$(cat spark/cp.txt) \
 *   org.attnzoo.spark.SparkThroughputBenchmark 10000 3 results/spark-throughput-DATE/throughput.csv
 * </pre>
 *
 * ({@code $SPARK_OPENS}: the {@code --add-opens} flags of {@code scripts/attnzoo}.)
 */
public final class SparkThroughputBenchmark {

  private static final String SHIPPED_VARIANT = "vit_micro_patch4_32";
  private static final String DATASET = "fashion-mnist";

  /** The model every mode runs: its spec (executors) and its Criteria (the predict loop). */
  private record Bench(String variant, ModelSpec spec, Criteria<Image, Classifications> criteria) {

    /**
     * The shipped Fashion-MNIST model, or a published variant with random weights written once to a
     * file (the throughput of a model does not depend on its weights).
     */
    static Bench of(String variant, Path work) throws IOException {
      Criteria.Builder<Image, Classifications> c =
          Criteria.builder()
              .setTypes(Image.class, Classifications.class)
              .optGroupId(AttnZoo.GROUP_ID)
              .optArtifactId(variant)
              .optEngine(Engines.PYTORCH);
      if (variant.equals(SHIPPED_VARIANT)) {
        return new Bench(
            variant,
            ModelSpec.shipped(variant, DATASET).withEngine("pytorch"),
            c.optFilter("dataset", DATASET).build());
      }
      Variant v = Variants.get(variant);
      Path weights = work.resolve(variant + "-random.safetensors");
      try (Model model = AttnZoo.newModel(v, Device.cpu(), Engines.PYTORCH)) {
        AttnZoo.exportSafetensors(model, v, weights);
      }
      return new Bench(
          variant,
          ModelSpec.of(variant, weights.toString()).withEngine("pytorch"),
          c.optArgument("weights", weights.toString()).build());
    }
  }

  private SparkThroughputBenchmark() {}

  /**
   * @param args images (default 10000), rounds (default 3), output CSV, modes (comma-separated;
   *     default all four), variant (default the shipped {@code vit_micro_patch4_32}; another one
   *     runs with random weights at its own input size)
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path csv = Path.of(args.length > 2 ? args[2] : "spark-throughput.csv");
    List<String> modes =
        args.length > 3
            ? List.of(args[3].split(","))
            : List.of("predict-loop", "batched-loop", "spark-local[1]", "spark-local[2]");
    String variant = args.length > 4 ? args[4] : SHIPPED_VARIANT;
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    Path work = Files.createTempDirectory("attnzoo-spark-bench-");
    Path images = work.resolve("images");
    List<Path> files = FashionMnistPngs.write(images, n);
    Files.createDirectories(csv.toAbsolutePath().getParent());
    // Warm-up (round 0): every mode once on 500 images, so that the rounds measure steady state;
    // its first Spark row shows the cold start of a fresh JVM (class loading, first job).
    Path warm = work.resolve("warm-up");
    List<Path> warmFiles = FashionMnistPngs.write(warm, Math.min(n, 500));
    Bench bench = Bench.of(variant, work);
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
      out.println(
          "variant,round,mode,images,seconds,images_per_s,cpu_s,images_per_cpu_s,model_load_s,"
              + "session_start_s,loadavg_1m_before,loadavg_1m_after,started");
      for (int r = 0; r <= rounds; r++) {
        for (String mode : modes) {
          List<Path> f = r == 0 ? warmFiles : files;
          double before = loadAverage();
          String started = LocalDateTime.now().withNano(0).toString();
          long cpu = cpuNanos();
          double[] t =
              run(
                  bench,
                  mode,
                  f,
                  r == 0 ? warm : images,
                  work.resolve("out-" + r + "-" + mode.replaceAll("\\W", "")));
          double cpuSeconds = (cpuNanos() - cpu) / 1e9;
          double after = loadAverage();
          String line =
              String.format(
                  Locale.ROOT,
                  "%s,%d,%s,%d,%.3f,%.1f,%.3f,%.1f,%.3f,%.3f,%.2f,%.2f,%s",
                  variant,
                  r,
                  mode,
                  f.size(),
                  t[0],
                  f.size() / t[0],
                  cpuSeconds,
                  f.size() / cpuSeconds,
                  t[1],
                  t[2],
                  before,
                  after,
                  started);
          out.println(line);
          out.flush();
          System.out.println(line);
        }
      }
    }
  }

  /** CPU time of this process, all threads (Spark's included). */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * @return seconds for the images, seconds of those spent loading the model, seconds to start the
   *     session (Spark only)
   */
  private static double[] run(Bench bench, String mode, List<Path> files, Path images, Path output)
      throws Exception {
    ExecutorModels.clear();
    return switch (mode) {
      case "predict-loop" -> predictLoop(bench, files);
      case "batched-loop" -> batchedLoop(bench, files);
      default -> spark(bench, mode.substring("spark-".length()), images, output);
    };
  }

  /** PredictCommand's loop. */
  private static double[] predictLoop(Bench bench, List<Path> files) throws Exception {
    long start = System.nanoTime();
    try (ZooModel<Image, Classifications> model = bench.criteria().loadModel();
        Predictor<Image, Classifications> predictor = model.newPredictor()) {
      double load = (System.nanoTime() - start) / 1e9;
      long sink = 0;
      for (Path file : files) {
        Image image = ClassificationTranslator.image(ImageDecoder.read(file, false));
        sink += predictor.predict(image).topK(5).get(0).getClassName().length();
      }
      if (sink == 0) {
        throw new IllegalStateException("no classes");
      }
      return new double[] {(System.nanoTime() - start) / 1e9, load, 0};
    }
  }

  /** The Spark job's partition function over all images as one partition, without Spark. */
  private static double[] batchedLoop(Bench bench, List<Path> files) throws IOException {
    long start = System.nanoTime();
    PartitionClassifier f = new PartitionClassifier(bench.spec(), 5, 32, false, 0, 1, Map.of());
    List<Row> rows = new ArrayList<>(files.size());
    for (Path file : files) {
      rows.add(RowFactory.create(Files.readAllBytes(file), file.toString()));
    }
    Iterator<Row> out = f.call(rows.iterator());
    int count = 0;
    while (out.hasNext()) {
      if (!out.next().isNullAt(3)) {
        throw new IllegalStateException("error row");
      }
      count++;
    }
    if (count != files.size()) {
      throw new IllegalStateException(count + " rows");
    }
    return new double[] {(System.nanoTime() - start) / 1e9, ExecutorModels.loadSeconds(), 0};
  }

  private static double[] spark(Bench bench, String master, Path images, Path output) {
    long start = System.nanoTime();
    SparkSession spark = SparkPredictJob.session(master);
    double session = (System.nanoTime() - start) / 1e9;
    try {
      SparkPredictJob.Summary s =
          SparkPredictJob.run(
              spark,
              images.toString(),
              output.toString(),
              new ImageClassifier(bench.spec()),
              0,
              true);
      if (s.errors() != 0) {
        throw new IllegalStateException(s.toString());
      }
      return new double[] {s.seconds(), ExecutorModels.loadSeconds(), session};
    } finally {
      spark.stop();
    }
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
