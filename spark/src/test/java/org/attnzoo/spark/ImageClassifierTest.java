package org.attnzoo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.image.ClassificationTranslator;
import org.attnzoo.zoo.image.ImageDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job on an embedded {@code local[2]} master over 300 Fashion-MNIST test images (PNG) and
 * two bad files: predictions equal {@code attnzoo predict}'s path (the same {@code Criteria}, image
 * by image), embeddings equal the backbone's {@code forwardFeatures} and pooling, bad files become
 * error rows, and the executor loads the model once for all its tasks.
 */
class ImageClassifierTest {

  private static final String VARIANT = "vit_micro_patch4_32";
  private static final String DATASET = "fashion-mnist";
  private static final int IMAGES = 300;

  @TempDir static Path dir;
  private static Path images;
  private static List<Path> files;
  private static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    images = dir.resolve("images");
    files = FashionMnistPngs.write(images, IMAGES);
    // An undecodable file and a PNG cut short (its declared size does not match its bytes).
    Files.write(images.resolve("corrupt.png"), "not an image at all".getBytes());
    byte[] png = Files.readAllBytes(files.get(0));
    Files.write(images.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
    spark = SparkPredictJob.session("local[2]");
    ExecutorModels.clear();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    ExecutorModels.clear();
  }

  @Test
  void predictionsAndEmbeddingsEqualTheSingleJvmPathAndTheModelLoadsOnce() throws Exception {
    Dataset<Row> input = spark.read().format("binaryFile").load(images.toString());
    int partitions = input.rdd().getNumPartitions();
    assertTrue(partitions >= 4, "several tasks share the executor: " + partitions);
    int loadsBefore = ExecutorModels.loads();
    int zooLoadsBefore = LoadedModel.zooLoads();
    int predictorsBefore = ExecutorModels.predictors();

    ImageClassifier classifier =
        new ImageClassifier(ModelSpec.shipped(VARIANT, DATASET)).setEmbeddings(true).setTopK(5);
    Dataset<Row> out = classifier.transform(input);
    assertEquals(
        List.of(
            "path", "modificationTime", "length", "content", "prediction", "embedding", "error"),
        Arrays.asList(out.columns()));
    Map<String, Row> rows = new HashMap<>();
    for (Row r : out.drop("content").collectAsList()) {
      rows.put(Path.of(java.net.URI.create(r.getString(0))).getFileName().toString(), r);
    }
    assertEquals(IMAGES + 2, rows.size());

    // One model for the executor (the driver's JVM in local mode), one predictor per task.
    assertEquals(1, ExecutorModels.loads() - loadsBefore, "model loads");
    // Embeddings come from the classifier's own pass on PyTorch: no second, classifier-free model.
    assertEquals(1, LoadedModel.zooLoads() - zooLoadsBefore, "zoo loads with embeddings");
    assertEquals(partitions, ExecutorModels.predictors() - predictorsBefore, "predictors");

    // Bad files: an error row each, naming the file; the others are classified.
    for (String bad : List.of("corrupt.png", "truncated.png")) {
      Row r = rows.get(bad);
      assertNull(r.getAs("prediction"), bad);
      assertNull(r.getAs("embedding"), bad);
      String error = r.getAs("error");
      assertNotNull(error, bad);
      assertTrue(error.contains(bad), error);
    }

    // The reference: attnzoo predict's path (PredictCommand) and the backbone's own features.
    Criteria<Image, Classifications> criteria =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(VARIANT)
            .optFilter("dataset", DATASET)
            .build();
    double maxProbabilityDiff = 0;
    double maxEmbeddingDiff = 0;
    try (ZooModel<Image, Classifications> model = criteria.loadModel();
        Predictor<Image, Classifications> predictor = model.newPredictor();
        NDManager manager = model.getNDManager().newSubManager()) {
      VisionTransformer vit = (VisionTransformer) model.getBlock();
      ClassificationTranslator translator = (ClassificationTranslator) model.getTranslator();
      ParameterStore ps = new ParameterStore(manager, false);
      for (Path file : files) {
        Row r = rows.get(file.getFileName().toString());
        assertNull(r.getAs("error"), file.toString());
        Image image = ClassificationTranslator.image(ImageDecoder.read(file, false));
        List<Classifications.Classification> expected = predictor.predict(image).topK(5);
        List<Row> actual = r.getList(r.fieldIndex("prediction"));
        assertEquals(5, actual.size());
        for (int k = 0; k < 5; k++) {
          assertEquals(
              expected.get(k).getClassName(), actual.get(k).getString(0), file + " rank " + k);
          maxProbabilityDiff =
              Math.max(
                  maxProbabilityDiff,
                  Math.abs(expected.get(k).getProbability() - actual.get(k).getDouble(1)));
        }
        try (NDManager scope = manager.newSubManager()) {
          NDArray x = translator.tensor(scope, image).expandDims(0);
          float[] features = vit.pool(ps, vit.forwardFeatures(ps, x, false), false).toFloatArray();
          List<Float> embedding = r.getList(r.fieldIndex("embedding"));
          assertEquals(features.length, embedding.size());
          for (int j = 0; j < features.length; j++) {
            maxEmbeddingDiff = Math.max(maxEmbeddingDiff, Math.abs(features[j] - embedding.get(j)));
          }
        }
      }
    }
    assertTrue(maxProbabilityDiff <= 1e-6, "probabilities differ by " + maxProbabilityDiff);
    assertTrue(maxEmbeddingDiff <= 1e-6, "embeddings differ by " + maxEmbeddingDiff);
  }

  @Test
  void pathColumnInputAndTheJobReportErrors() throws Exception {
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("path", DataTypes.StringType)
            .add("note", DataTypes.StringType);
    List<Row> rows =
        List.of(
            RowFactory.create(1, files.get(0).toString(), "a"),
            RowFactory.create(2, images.resolve("missing.png").toString(), "b"),
            RowFactory.create(3, files.get(1).toString(), "c"),
            RowFactory.create(4, null, "d"));
    Dataset<Row> out =
        new ImageClassifier(ModelSpec.shipped(VARIANT, DATASET))
            .setTopK(2)
            .transform(spark.createDataFrame(rows, schema));
    Map<Integer, Row> byId = new HashMap<>();
    out.collectAsList().forEach(r -> byId.put(r.getInt(0), r));
    assertEquals(4, byId.size());
    // Other columns pass through.
    assertEquals("c", byId.get(3).getString(2));
    assertEquals(2, byId.get(1).getList(3).size());
    assertNull(byId.get(1).getAs("error"));
    assertTrue(byId.get(2).<String>getAs("error").contains("missing.png"));
    assertNotNull(byId.get(4).getAs("error"));

    // The job of attnzoo spark-predict on a glob: Parquet out without the image bytes, errors
    // counted.
    Path parquet = dir.resolve("out[1].parquet"); // read back literally, not as a pattern
    SparkPredictJob.Summary s =
        SparkPredictJob.run(
            spark,
            images.resolve("{t10k-0000?,corrupt,truncated}.png").toString(),
            parquet.toString(),
            new ImageClassifier(ModelSpec.of(null, "zoo:" + VARIANT + "-" + DATASET)),
            0,
            false);
    assertEquals(12, s.rows());
    assertEquals(2, s.errors());
    assertEquals(2, s.firstErrors().size());
    // Spark's reader takes the path as a glob: escape the brackets to read the folder back.
    Dataset<Row> written =
        spark.read().parquet(parquet.toString().replace("[", "\\[").replace("]", "\\]"));
    assertFalse(Arrays.asList(written.columns()).contains("content"));
    assertTrue(Arrays.asList(written.columns()).contains("prediction"));
  }

  @Test
  void onnxRuntimeGivesThePyTorchEnginesClassesAndEmbeddings() {
    Dataset<Row> input =
        spark.read().format("binaryFile").load(images.resolve("t10k-0001?.png").toString());
    Map<String, List<Row>> rows = new HashMap<>();
    for (String engine : List.of("pytorch", "onnxruntime")) {
      ModelSpec spec = new ModelSpec(VARIANT, null, DATASET, engine, "cpu", false, true);
      rows.put(
          engine,
          new ImageClassifier(spec).transform(input).drop("content").sort("path").collectAsList());
    }
    List<Row> pt = rows.get("pytorch");
    List<Row> ort = rows.get("onnxruntime");
    assertEquals(10, pt.size());
    for (int i = 0; i < pt.size(); i++) {
      Row a = pt.get(i);
      Row b = ort.get(i);
      assertNull(b.getAs("error"));
      Row topA = a.<Row>getList(a.fieldIndex("prediction")).get(0);
      Row topB = b.<Row>getList(b.fieldIndex("prediction")).get(0);
      assertEquals(topA.getString(0), topB.getString(0), a.getString(0));
      assertEquals(topA.getDouble(1), topB.getDouble(1), 1e-4, a.getString(0));
      List<Float> ea = a.getList(a.fieldIndex("embedding"));
      List<Float> eb = b.getList(b.fieldIndex("embedding"));
      for (int j = 0; j < ea.size(); j++) {
        assertEquals(ea.get(j), eb.get(j), 1e-4, a.getString(0) + " embedding " + j);
      }
    }
  }

  @Test
  void badSettingsFailOnTheDriverBeforeAnyTask() {
    assertThrows(
        IllegalArgumentException.class, () -> ModelSpec.shipped("no_such_variant", DATASET));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(null, "zoo:nothing-here"));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(VARIANT, null));
    Dataset<Row> noImages = spark.range(3).toDF();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ImageClassifier(ModelSpec.shipped(VARIANT, DATASET)).transform(noImages));
    assertTrue(e.getMessage().contains("no image column"), e.getMessage());
  }
}
