package org.attnzoo.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The batch job behind {@code attnzoo spark-predict}: images in (a folder, a glob, or Parquet with
 * a binary {@code content} or string {@code path} column), classes (and embeddings) out as Parquet,
 * bad images as error rows. Also the main class of the shaded jar for {@code spark-submit}:
 *
 * <pre>
 * spark-submit --class org.attnzoo.spark.SparkPredictJob attnzoo-spark-VERSION-all.jar \
 *   --input hdfs:///images/ --output hdfs:///predictions.parquet \
 *   --weights zoo:vit_micro_patch4_32-fashion-mnist [--embeddings]
 * </pre>
 */
public final class SparkPredictJob {

  /**
   * What a run did.
   *
   * @param output where the Parquet was written
   * @param rows rows written
   * @param errors rows with an error
   * @param firstErrors up to five error rows, as {@code path: error}
   * @param seconds wall time of reading, classifying and writing (the model loads included)
   */
  public record Summary(
      String output, long rows, long errors, List<String> firstErrors, double seconds) {

    @Override
    public String toString() {
      StringBuilder s =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "wrote %s: %d images in %.1f s (%.1f images/s), %d with an error",
                  output,
                  rows,
                  seconds,
                  rows / Math.max(seconds, 1e-9),
                  errors));
      for (String e : firstErrors) {
        s.append(System.lineSeparator()).append("  ").append(e);
      }
      if (errors > firstErrors.size()) {
        s.append(System.lineSeparator())
            .append("  ... (the rows whose error column is set: ")
            .append(errors)
            .append(')');
      }
      return s.toString();
    }
  }

  private SparkPredictJob() {}

  /**
   * A session for a run: the given master, else the one {@code spark-submit} set, else {@code
   * local[*]} (all cores of this machine). The web UI stays off in local mode.
   *
   * @param master a Spark master URL such as {@code local[2]}, or null
   * @return the session
   */
  public static SparkSession session(String master) {
    SparkSession.Builder b = SparkSession.builder().appName("attnzoo spark-predict");
    String m = master != null ? master : System.getProperty("spark.master", "local[*]");
    b.master(m);
    if (m.startsWith("local")) {
      b.config("spark.ui.enabled", System.getProperty("spark.ui.enabled", "false"));
    }
    return b.getOrCreate();
  }

  /**
   * The images of an input: Parquet (a {@code .parquet} file, or a folder of Parquet files) as it
   * is, anything else through Spark's {@code binaryFile} source (a folder, searched recursively, or
   * a glob such as {@code images/*.png}).
   *
   * @param spark the session
   * @param input a path or URI
   * @return the rows
   * @throws IllegalArgumentException if nothing is there
   */
  public static Dataset<Row> read(SparkSession spark, String input) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path path = new Path(input);
    FileStatus[] matches;
    try {
      FileSystem fs = path.getFileSystem(conf);
      matches = fs.globStatus(path);
      if (matches == null || matches.length == 0) {
        throw new IllegalArgumentException("--input " + input + ": no such file or folder");
      }
      if (isParquet(fs, matches)) {
        return spark.read().parquet(input);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("--input " + input + ": " + e.getMessage(), e);
    }
    boolean folder = matches.length == 1 && matches[0].isDirectory();
    return spark
        .read()
        .format("binaryFile")
        .option("recursiveFileLookup", String.valueOf(folder))
        .load(input);
  }

  private static boolean isParquet(FileSystem fs, FileStatus[] matches) throws IOException {
    for (FileStatus m : matches) {
      if (m.getPath().getName().endsWith(".parquet")) {
        return true;
      }
    }
    if (matches.length == 1 && matches[0].isDirectory()) {
      for (FileStatus f : fs.listStatus(matches[0].getPath())) {
        String name = f.getPath().getName();
        if (name.endsWith(".parquet") || name.equals("_SUCCESS")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Reads, classifies, writes Parquet (without the image bytes), and counts the errors in what was
   * written.
   *
   * @param spark the session
   * @param input images: a folder, a glob or Parquet
   * @param output the Parquet folder to write
   * @param classifier the model and settings
   * @param partitions at most this many tasks; 0: four per core Spark schedules on ({@code
   *     binaryFile} plans one task per 32 small files, where each task's start costs more than its
   *     images)
   * @param overwrite replace an existing output
   * @return what happened
   */
  public static Summary run(
      SparkSession spark,
      String input,
      String output,
      ImageClassifier classifier,
      int partitions,
      boolean overwrite) {
    long start = System.nanoTime();
    if (!overwrite) {
      Path out = new Path(output);
      try {
        if (out.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(out)) {
          throw new IllegalArgumentException(
              "--output " + output + " exists; --overwrite replaces it");
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("--output " + output + ": " + e.getMessage(), e);
      }
    }
    Dataset<Row> images = read(spark, input);
    int most = partitions > 0 ? partitions : 4 * spark.sparkContext().defaultParallelism();
    if (images.rdd().getNumPartitions() > most) {
      images = images.coalesce(most); // no shuffle: each task reads its files itself
    }
    Dataset<Row> out = classifier.transform(images);
    if (Arrays.asList(images.columns()).contains(ImageClassifier.CONTENT)) {
      out = out.drop(ImageClassifier.CONTENT); // the encoded images: the input has them
    }
    out.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(output);
    double seconds = (System.nanoTime() - start) / 1e9;
    // Read back literally: Spark globs every path it reads, and local[2] is a pattern.
    Dataset<Row> written = spark.read().parquet(output.replaceAll("([\\[\\]{}*?\\\\])", "\\\\$1"));
    String error = classifier.errorColumn();
    Dataset<Row> failed = written.where(functions.col(error).isNotNull());
    long rows = written.count();
    long errors = failed.count();
    List<String> first = new ArrayList<>();
    for (Row r : failed.select(error).limit(5).collectAsList()) {
      first.add(r.getString(0)); // the message names the image
    }
    return new Summary(output, rows, errors, first, seconds);
  }

  /**
   * {@code spark-submit} entry: {@code --input IN --output OUT} and the model options of {@code
   * attnzoo spark-predict} ({@code --variant}, {@code --weights}, {@code --dataset}, {@code
   * --engine}, {@code --device}, {@code --top}, {@code --batch-size}, {@code --partitions}, {@code
   * --embeddings}, {@code --test-size}, {@code --exif-orientation}, {@code --overwrite}).
   *
   * @param args the options
   */
  public static void main(String[] args) {
    String input = null;
    String output = null;
    String variant = null;
    String weights = null;
    String dataset = null;
    String engine = "auto";
    String device = "cpu";
    int top = 5;
    int batch = 32;
    int partitions = 0;
    boolean embeddings = false;
    boolean testSize = false;
    boolean exif = false;
    boolean overwrite = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--embeddings" -> embeddings = true;
        case "--test-size" -> testSize = true;
        case "--exif-orientation" -> exif = true;
        case "--overwrite" -> overwrite = true;
        default -> {
          if (i + 1 >= args.length || !a.startsWith("--")) {
            usage("unexpected argument " + a);
          }
          String v = args[++i];
          switch (a) {
            case "--input" -> input = v;
            case "--output" -> output = v;
            case "--variant" -> variant = v;
            case "--weights" -> weights = v;
            case "--dataset" -> dataset = v;
            case "--engine" -> engine = v;
            case "--device" -> device = v;
            case "--top" -> top = Integer.parseInt(v);
            case "--batch-size" -> batch = Integer.parseInt(v);
            case "--partitions" -> partitions = Integer.parseInt(v);
            default -> usage("unknown option " + a);
          }
        }
      }
    }
    if (input == null || output == null) {
      usage("give --input and --output");
    }
    ModelSpec spec = new ModelSpec(variant, weights, dataset, engine, device, testSize, embeddings);
    ImageClassifier classifier =
        new ImageClassifier(spec).setTopK(top).setBatchSize(batch).setExifOrientation(exif);
    SparkSession spark = session(null);
    try {
      System.out.println(run(spark, input, output, classifier, partitions, overwrite));
    } finally {
      spark.stop();
    }
  }

  private static void usage(String why) {
    System.err.println(
        "attnzoo-spark: "
            + why
            + "\nusage: --input DIR|GLOB|PARQUET --output PARQUET"
            + " (--variant V --weights W | --weights zoo:V-DATASET | --dataset D)"
            + " [--engine pytorch|onnxruntime|auto] [--device cpu|gpu|auto] [--top K]"
            + " [--batch-size N] [--partitions N] [--embeddings] [--test-size]"
            + " [--exif-orientation] [--overwrite]");
    System.exit(2);
  }
}
