package org.attnzoo.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.attnzoo.spark.ImageClassifier;
import org.attnzoo.spark.ModelSpec;
import org.attnzoo.spark.SparkPredictJob;
import org.attnzoo.zoo.ShippedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attnzoo spark-predict}: {@code predict} for image sets too large for one loop, as an
 * Apache Spark job ({@link SparkPredictJob}) on an embedded {@code local[*]} master or a cluster.
 */
@Command(
    name = "spark-predict",
    description = {
      "Classify a set of images with Apache Spark: a folder, a glob or Parquet in, Parquet out",
      "(the input's columns without the image bytes, then prediction: the top classes with",
      "probabilities, [embedding], error). Bad images become error rows; the job goes on.",
      "Embedded local[*] master unless --master; spark-submit: see src/docs/spark.md."
    })
final class SparkPredictCommand implements Callable<Integer> {

  @Option(
      names = "--input",
      required = true,
      description =
          "a folder (searched recursively), a glob (quote it: 'images/*.jpg') or Parquet with a"
              + " binary 'content' or string 'path' column; local paths or Hadoop URIs")
  String input;

  @Option(names = "--output", required = true, description = "the Parquet folder to write")
  String output;

  @Option(
      names = "--variant",
      description = "variant name (default with zoo: weights or --dataset: theirs)")
  String variant;

  @Option(
      names = "--weights",
      description =
          ".safetensors (timm) or .params, a path every executor can read or an http(s)/hdfs://"
              + " URL; with --engine onnxruntime also an exported .onnx; zoo:<variant>[-<dataset>]"
              + " for weights shipped with attnzoo")
  String weights;

  @Option(
      names = "--dataset",
      description = "use the weights shipped for this dataset (fashion-mnist) instead of --weights")
  String dataset;

  @Option(
      names = "--engine",
      defaultValue = "auto",
      description = "pytorch, onnxruntime or auto; default ${DEFAULT-VALUE}")
  String engine;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto")
  String device;

  @Option(names = "--top", defaultValue = "5", description = "classes per image")
  int top;

  @Option(
      names = "--embeddings",
      description = "add the pre-logits embedding (the classifier's input) as an array column")
  boolean embeddings;

  @Option(
      names = "--batch-size",
      defaultValue = "32",
      description = "images per forward call within a partition; default ${DEFAULT-VALUE}")
  int batchSize;

  @Option(
      names = "--partitions",
      defaultValue = "0",
      description = "at most this many tasks (default: four per core)")
  int partitions;

  @Option(
      names = "--master",
      description = "Spark master URL, e.g. local[2] or spark://host:7077 (default: local[*])")
  String master;

  @Option(names = "--overwrite", description = "replace an existing --output")
  boolean overwrite;

  @Mixin EvalTransformOptions transform;

  @Override
  public Integer call() throws Exception {
    if (ShippedModels.isReference(weights)) {
      ShippedModels.parseReference(
          weights); // a mistyped reference: the shipped ones, the closest first
    }
    if (weights != null && !weights.contains(":") && Files.exists(Path.of(weights))) {
      weights = Path.of(weights).toAbsolutePath().toString(); // tasks may run elsewhere
    }
    ModelSpec spec =
        new ModelSpec(variant, weights, dataset, engine, device, transform.testSize, embeddings);
    ImageClassifier classifier =
        new ImageClassifier(spec)
            .setTopK(top)
            .setBatchSize(batchSize)
            .setExifOrientation(transform.exifOrientation);
    quietSpark();
    SparkSession spark = SparkPredictJob.session(master);
    try {
      SparkPredictJob.Summary s =
          SparkPredictJob.run(spark, input, output, classifier, partitions, overwrite);
      System.out.println(s);
      return s.rows() > 0 && s.errors() == s.rows() ? 1 : 0;
    } finally {
      spark.stop();
    }
  }

  /** Spark's and Hadoop's start-up warnings are not the user's business; ATTNZOO_LOG still wins. */
  private static void quietSpark() {
    for (String logger :
        new String[] {
          "org.apache.spark", "org.apache.hadoop", "org.sparkproject", "org.apache.parquet"
        }) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "error");
      }
    }
  }
}
