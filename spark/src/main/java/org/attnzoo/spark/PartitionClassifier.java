package org.attnzoo.spark;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import org.attnzoo.backbones.Backbone;
import org.attnzoo.zoo.image.EvalTransform;
import org.attnzoo.zoo.image.ImageDecoder;
import org.attnzoo.zoo.runtime.Autograd;

/**
 * One task's work: the executor's model ({@link ExecutorModels}), this task's predictors, and the
 * partition's rows in batches. Each row is decoded and preprocessed on its own (a bad one becomes
 * an error row); the good ones of a batch go through the model in one forward call. Rows come out
 * in the order they came in, with the input columns first.
 */
final class PartitionClassifier implements MapPartitionsFunction<Row, Row> {

  private static final long serialVersionUID = 1L;

  private final ModelSpec spec;
  private final int topK;
  private final int batchSize;
  private final boolean exifOrientation;
  private final int contentIndex;
  private final int pathIndex;
  private final Map<String, String> hadoopConf;

  /**
   * @param spec the model
   * @param topK classes per row
   * @param batchSize images per forward call
   * @param exifOrientation apply the EXIF orientation tag
   * @param contentIndex the binary column of encoded images, or -1 to read {@code pathIndex}
   * @param pathIndex the column of image paths or URIs (-1: none; names errors when reading bytes)
   * @param hadoopConf Hadoop settings for reading paths (empty with a content column)
   */
  PartitionClassifier(
      ModelSpec spec,
      int topK,
      int batchSize,
      boolean exifOrientation,
      int contentIndex,
      int pathIndex,
      Map<String, String> hadoopConf) {
    this.spec = spec;
    this.topK = topK;
    this.batchSize = batchSize;
    this.exifOrientation = exifOrientation;
    this.contentIndex = contentIndex;
    this.pathIndex = pathIndex;
    this.hadoopConf = hadoopConf;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TaskContext task = TaskContext.get();
    LoadedModel model = ExecutorModels.get(spec, task == null ? 1 : task.cpus());
    Batches batches = new Batches(model, rows);
    if (task != null) {
      // Also when the task stops early (a limit, a failure): predictors go back to the model.
      task.addTaskCompletionListener((TaskCompletionListener) t -> batches.close());
    }
    return batches;
  }

  /** The rows of one partition, classified a batch at a time. */
  private final class Batches implements Iterator<Row>, AutoCloseable {

    private final LoadedModel model;
    private final Iterator<Row> rows;
    private final Deque<Row> ready = new ArrayDeque<>();
    private final EvalTransform transform;
    private final int[] size;
    private Predictor<NDList, NDList> classifier;
    private Predictor<NDList, NDList> features;
    private boolean closed;

    Batches(LoadedModel model, Iterator<Row> rows) {
      this.model = model;
      this.rows = rows;
      this.transform = model.transform();
      this.size = transform.config().inputSize();
    }

    @Override
    public boolean hasNext() {
      while (ready.isEmpty() && rows.hasNext()) {
        next(batch());
      }
      if (ready.isEmpty()) {
        close();
        return false;
      }
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (classifier != null) {
        classifier.close();
      }
      if (features != null) {
        features.close();
      }
    }

    private List<Item> batch() {
      List<Item> items = new ArrayList<>(batchSize);
      while (items.size() < batchSize && rows.hasNext()) {
        items.add(prepare(rows.next()));
      }
      return items;
    }

    /** Decoding and preprocessing of {@code attnzoo predict}; any failure is the row's error. */
    private Item prepare(Row row) {
      String name = pathIndex >= 0 && !row.isNullAt(pathIndex) ? row.getString(pathIndex) : "image";
      try {
        byte[] bytes;
        if (contentIndex >= 0) {
          if (row.isNullAt(contentIndex)) {
            return Item.failed(row, name + ": no image bytes (null)");
          }
          bytes = (byte[]) row.get(contentIndex);
        } else {
          if (pathIndex < 0 || row.isNullAt(pathIndex)) {
            return Item.failed(row, "no image path (null)");
          }
          bytes = RemoteFiles.read(name, hadoopConf);
        }
        // predict decodes to RGB (ClassificationTranslator.image) before the transform.
        float[] chw = transform.apply(ImageDecoder.decode(bytes, name, exifOrientation).toRgb());
        return new Item(row, chw, null);
      } catch (IOException | RuntimeException e) {
        return Item.failed(row, message(e, name));
      } catch (OutOfMemoryError e) {
        // An image too large to decode here: its row, not the executor.
        return Item.failed(row, name + ": too large to decode (" + e.getMessage() + ")");
      }
    }

    private void next(List<Item> items) {
      List<Item> good = items.stream().filter(i -> i.error == null).toList();
      if (!good.isEmpty()) {
        try {
          forward(good);
        } catch (RuntimeException e) {
          // Find the row that fails alone; the others of the batch are classified.
          if (good.size() == 1) {
            good.get(0).error = message(e, "forward");
          } else {
            for (Item i : good) {
              try {
                forward(List.of(i));
              } catch (RuntimeException one) {
                i.error = message(one, "forward");
              }
            }
          }
        }
      }
      for (Item i : items) {
        ready.add(i.output(model.labels(), topK, spec.embeddings()));
      }
    }

    private void forward(List<Item> good) {
      if (classifier == null) {
        classifier = model.newClassifierPredictor();
        ExecutorModels.predictorOpened();
        if (spec.embeddings()) {
          features = model.newFeaturesPredictor();
        }
      }
      int n = good.size();
      int per = size[0] * size[1] * size[2];
      float[] all = new float[n * per];
      for (int i = 0; i < n; i++) {
        System.arraycopy(good.get(i).input, 0, all, i * per, per);
      }
      Shape shape = new Shape(n, size[0], size[1], size[2]);
      try (NDManager scope = model.classifier().getNDManager().newSubManager()) {
        float[] logits;
        float[] embeddings = null;
        Backbone backbone = model.backbone();
        if (spec.embeddings() && backbone != null) {
          // One backbone pass for both: the pre-logits embedding and the classifier on it.
          float[][] both = logitsAndEmbeddings(backbone, scope, scope.create(all, shape));
          logits = both[0];
          embeddings = both[1];
        } else {
          logits = run(classifier, scope.create(all, shape));
          if (features != null) {
            try (NDManager fscope = model.features().getNDManager().newSubManager()) {
              embeddings = run(features, fscope.create(all, shape));
            }
          }
        }
        int k = logits.length / n;
        int d = embeddings == null ? 0 : embeddings.length / n;
        for (int i = 0; i < n; i++) {
          Item item = good.get(i);
          item.probabilities = softmax(logits, i * k, k);
          if (embeddings != null) {
            item.embedding = Arrays.copyOfRange(embeddings, i * d, (i + 1) * d);
          }
          if (!finite(item.probabilities) || (item.embedding != null && !finite(item.embedding))) {
            item.error = "the model's output holds NaN or infinite values";
          }
        }
      }
    }
  }

  /**
   * Logits and pre-logits embeddings from one pass through the backbone: features once, then the
   * head to its pre-logits and the head with its classifier (pooling and norm again: cheap next to
   * the backbone). Autograd is off, as in the zoo's predictors.
   */
  private static float[][] logitsAndEmbeddings(Backbone backbone, NDManager scope, NDArray x) {
    ParameterStore ps = new ParameterStore(scope, false);
    return Autograd.off(
        scope,
        () -> {
          NDArray features = backbone.forwardFeatures(ps, x, false);
          return new float[][] {
            backbone.forwardHead(ps, features, false, false).toFloatArray(),
            backbone.forwardHead(ps, features, false, true).toFloatArray()
          };
        });
  }

  private static float[] run(Predictor<NDList, NDList> predictor, NDArray x) {
    try {
      return predictor.predict(new NDList(x)).singletonOrThrow().toFloatArray();
    } catch (ai.djl.translate.TranslateException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Softmax over one row of logits, as {@code ClassificationTranslator} takes it (float32 result).
   */
  static float[] softmax(float[] logits, int from, int k) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      max = Math.max(max, logits[from + j]);
    }
    double[] e = new double[k];
    double sum = 0;
    for (int j = 0; j < k; j++) {
      e[j] = Math.exp(logits[from + j] - max);
      sum += e[j];
    }
    float[] p = new float[k];
    for (int j = 0; j < k; j++) {
      p[j] = (float) (e[j] / sum);
    }
    return p;
  }

  private static boolean finite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /** What went wrong, in the row: the innermost message that names something. */
  static String message(Throwable e, String name) {
    Throwable shown = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException || t instanceof IOException) {
        shown = t;
        break;
      }
    }
    String m = shown.getMessage();
    if (m == null || m.isBlank()) {
      m = shown.getClass().getSimpleName();
    }
    return m.startsWith(name) ? m : name + ": " + m;
  }

  /** One row on its way through. */
  private static final class Item {
    final Row row;
    final float[] input;
    String error;
    float[] probabilities;
    float[] embedding;

    Item(Row row, float[] input, String error) {
      this.row = row;
      this.input = input;
      this.error = error;
    }

    static Item failed(Row row, String error) {
      return new Item(row, null, error);
    }

    /** The input's columns, then the top-k classes, the embedding (if asked) and the error. */
    Row output(List<String> labels, int topK, boolean withEmbedding) {
      int n = row.length();
      Object[] values = new Object[n + (withEmbedding ? 3 : 2)];
      for (int i = 0; i < n; i++) {
        values[i] = row.get(i);
      }
      if (error == null) {
        values[n] = top(labels, probabilities, topK);
        if (withEmbedding) {
          values[n + 1] = embedding;
        }
      }
      values[values.length - 1] = error;
      return RowFactory.create(values);
    }
  }

  /**
   * @return the {@code k} most probable classes, best first (ties: the lower index first, as DJL's
   *     {@code Classifications.topK})
   */
  static Row[] top(List<String> labels, float[] p, int k) {
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
    Row[] out = new Row[Math.min(k, p.length)];
    for (int i = 0; i < out.length; i++) {
      out[i] = RowFactory.create(labels.get(order[i]), (double) p[order[i]]);
    }
    return out;
  }
}
