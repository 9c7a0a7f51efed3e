package org.attnzoo.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Classifies the images of a {@code Dataset<Row>} with a model of the zoo: new columns with the
 * top-k classes, optionally the pre-logits embedding, and an error for rows whose image cannot be
 * classified. Every input column is passed through.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("photos/*.jpg");
 * Dataset<Row> out = new ImageClassifier(ModelSpec.shipped("vit_micro_patch4_32", "fashion-mnist"))
 *     .setTopK(3)
 *     .setEmbeddings(true)
 *     .transform(images);
 * // path, modificationTime, length, content, prediction, embedding, error
 * }</pre>
 *
 * <p>Input: the encoded image bytes in a binary column ({@code content}, as Spark's {@code
 * binaryFile} source writes it), or, without one, a string column of paths or URIs ({@code path};
 * local paths, or anything a Hadoop file system serves). Output columns:
 *
 * <ul>
 *   <li>{@code prediction}: {@code array<struct<label: string, probability: double>>}, the {@link
 *       #setTopK top k} classes, best first; null for an error row;
 *   <li>{@code embedding}: {@code array<float>}, the backbone's output before the classifier
 *       (timm's pre-logits, {@code num_classes=0}), with {@link #setEmbeddings}; null for an error
 *       row;
 *   <li>{@code error}: null, or why the row has no prediction (undecodable or truncated image,
 *       missing file, non-finite output). The job goes on.
 * </ul>
 *
 * <p>Each executor JVM loads the model once ({@link ExecutorModels}) and each task opens its own
 * predictor; within a partition images go through the model {@link #setBatchSize in batches}. The
 * preprocessing is {@code attnzoo predict}'s (decoding as PIL, timm's eval transform), the model is
 * loaded through the same {@code Criteria}: predictions equal {@code attnzoo predict}'s.
 */
public final class ImageClassifier implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Default column of encoded images, as Spark's {@code binaryFile} source names it. */
  public static final String CONTENT = "content";

  /** Default column of image paths, as Spark's {@code binaryFile} source names it. */
  public static final String PATH = "path";

  private ModelSpec spec;
  private int topK = 5;
  private int batchSize = 32;
  private boolean exifOrientation;
  private String contentColumn = CONTENT;
  private String pathColumn = PATH;
  private String predictionColumn = "prediction";
  private String embeddingColumn = "embedding";
  private String errorColumn = "error";

  /**
   * @param spec the model; {@link ModelSpec#embeddings()} adds the embedding column
   */
  public ImageClassifier(ModelSpec spec) {
    this.spec = spec;
  }

  /**
   * @return the model
   */
  public ModelSpec spec() {
    return spec;
  }

  /**
   * @param on whether to add the pre-logits embedding column
   * @return this
   */
  public ImageClassifier setEmbeddings(boolean on) {
    this.spec = spec.withEmbeddings(on);
    return this;
  }

  /**
   * @param k classes per row, best first (default 5)
   * @return this
   */
  public ImageClassifier setTopK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("top-k must be at least 1, got " + k);
    }
    this.topK = k;
    return this;
  }

  /**
   * @param n images per forward call within a partition (default 32)
   * @return this
   */
  public ImageClassifier setBatchSize(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + n);
    }
    this.batchSize = n;
    return this;
  }

  /**
   * @param on rotate and flip images by their EXIF orientation tag (default: no, as timm)
   * @return this
   */
  public ImageClassifier setExifOrientation(boolean on) {
    this.exifOrientation = on;
    return this;
  }

  /**
   * @param name binary column of encoded images (default {@code content})
   * @return this
   */
  public ImageClassifier setContentColumn(String name) {
    this.contentColumn = name;
    return this;
  }

  /**
   * @param name string column of image paths or URIs (default {@code path}); read when there is no
   *     content column, and named in error messages
   * @return this
   */
  public ImageClassifier setPathColumn(String name) {
    this.pathColumn = name;
    return this;
  }

  /**
   * @param prediction the top-k column (default {@code prediction})
   * @param embedding the embedding column (default {@code embedding})
   * @param error the error column (default {@code error})
   * @return this
   */
  public ImageClassifier setOutputColumns(String prediction, String embedding, String error) {
    this.predictionColumn = prediction;
    this.embeddingColumn = embedding;
    this.errorColumn = error;
    return this;
  }

  /**
   * @return the error column's name
   */
  public String errorColumn() {
    return errorColumn;
  }

  /**
   * @param input the input schema
   * @return the output schema: the input's columns, then prediction, embedding (if asked), error
   * @throws IllegalArgumentException if the input has no image column or already has an output one
   */
  public StructType transformSchema(StructType input) {
    imageColumn(input);
    StructType out = input;
    for (String name : outputNames()) {
      if (Arrays.asList(input.fieldNames()).contains(name)) {
        throw new IllegalArgumentException(
            "the input already has a column '" + name + "'; rename it or setOutputColumns(...)");
      }
    }
    StructType classProbability =
        new StructType()
            .add("label", DataTypes.StringType, false)
            .add("probability", DataTypes.DoubleType, false);
    out = out.add(predictionColumn, DataTypes.createArrayType(classProbability, false), true);
    if (spec.embeddings()) {
      out = out.add(embeddingColumn, DataTypes.createArrayType(DataTypes.FloatType, false), true);
    }
    return out.add(errorColumn, DataTypes.StringType, true);
  }

  /**
   * Adds the prediction, embedding and error columns. Lazy, as every Spark transformation: the
   * models load when an action runs, on the executors.
   *
   * @param images rows with a binary content column or a path column
   * @return the rows with the new columns, in the same partitions
   */
  public Dataset<Row> transform(Dataset<Row> images) {
    StructType schema = images.schema();
    StructType out = transformSchema(schema);
    boolean fromContent = imageColumn(schema).equals(contentColumn);
    int content = fromContent ? schema.fieldIndex(contentColumn) : -1;
    int path = Arrays.asList(schema.fieldNames()).contains(pathColumn) ? index(schema) : -1;
    Map<String, String> hadoop =
        fromContent
            ? Map.of()
            : hadoopConf(images.sparkSession().sparkContext().hadoopConfiguration());
    return images.mapPartitions(
        new PartitionClassifier(spec, topK, batchSize, exifOrientation, content, path, hadoop),
        Encoders.row(out));
  }

  private int index(StructType schema) {
    int i = schema.fieldIndex(pathColumn);
    DataType t = schema.fields()[i].dataType();
    if (!t.equals(DataTypes.StringType)) {
      throw new IllegalArgumentException(
          "column '" + pathColumn + "' holds " + t.simpleString() + ", not string paths");
    }
    return i;
  }

  /** The column the images come from: the binary content column, else the path column. */
  private String imageColumn(StructType schema) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(contentColumn)) {
        if (!f.dataType().equals(DataTypes.BinaryType)) {
          throw new IllegalArgumentException(
              "column '"
                  + contentColumn
                  + "' holds "
                  + f.dataType().simpleString()
                  + ", not encoded image bytes (binary)");
        }
        return contentColumn;
      }
    }
    if (Arrays.asList(schema.fieldNames()).contains(pathColumn)) {
      index(schema);
      return pathColumn;
    }
    throw new IllegalArgumentException(
        "no image column: expected binary '"
            + contentColumn
            + "' (spark.read().format(\"binaryFile\")) or string paths '"
            + pathColumn
            + "'; the input has "
            + String.join(", ", schema.fieldNames()));
  }

  private String[] outputNames() {
    return spec.embeddings()
        ? new String[] {predictionColumn, embeddingColumn, errorColumn}
        : new String[] {predictionColumn, errorColumn};
  }

  private static Map<String, String> hadoopConf(Configuration conf) {
    Map<String, String> out = new HashMap<>();
    conf.forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
