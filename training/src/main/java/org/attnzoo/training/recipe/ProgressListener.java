package org.attnzoo.training.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.training.Progress;

/**
 * attnzoo's progress bar ({@link Progress}: epoch, step, running loss and accuracy, images/s, ETA)
 * as a DJL training listener, and one summary line per epoch. The loss shown is the trainer's loss
 * of each batch, recomputed from the batch's labels and predictions; the accuracy assumes class
 * logits and integer labels.
 */
public final class ProgressListener extends TrainingListenerAdapter {

  private final Progress progress;
  private final int epochs;
  private int epoch;
  private long start = System.nanoTime();
  private long lastBatch;
  private long seen;
  private double lossSum;
  private long correct;
  private int batches;

  /**
   * @param epochs the epochs the run will train (for the display)
   */
  public ProgressListener(int epochs) {
    this(System.err, epochs);
  }

  /**
   * @param out where to draw
   * @param epochs the epochs the run will train (for the display)
   */
  public ProgressListener(PrintStream out, int epochs) {
    if (epochs <= 0) {
      throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
    }
    this.progress = new Progress(out, true);
    this.epochs = epochs;
  }

  /** {@inheritDoc} */
  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    for (Map.Entry<Device, NDList> e : batchData.getPredictions().entrySet()) {
      NDList labels = batchData.getLabels().get(e.getKey());
      NDArray logits = e.getValue().head();
      long n = logits.getShape().get(0);
      try (NDArray loss = trainer.getLoss().evaluate(labels, e.getValue());
          NDArray pred = logits.argMax(1);
          NDArray label = labels.head().reshape(-1).toType(DataType.INT64, false);
          NDArray hits = pred.eq(label);
          NDArray count = hits.countNonzero()) {
        lossSum += loss.getFloat() * n;
        correct += count.getLong();
      }
      seen += n;
    }
    // DJL counts a batch's progress in records, against the dataset's size.
    Batch batch = batchData.getBatch();
    batches++;
    long total = Math.max(batch.getProgressTotal(), seen);
    int steps = (int) Math.max(batches, (total + batch.getSize() - 1) / batch.getSize());
    lastBatch = System.nanoTime();
    double elapsed = Math.max((lastBatch - start) / 1e9, 1e-9);
    double rate = seen / elapsed;
    progress.update(
        epoch + 1,
        epochs,
        batches,
        steps,
        lossSum / seen,
        (double) correct / seen,
        rate,
        (total - seen) / rate);
  }

  /** {@inheritDoc} */
  @Override
  public void onTrainingBegin(Trainer trainer) {
    start = System.nanoTime();
  }

  /** {@inheritDoc} */
  @Override
  public void onEpoch(Trainer trainer) {
    long now = System.nanoTime();
    double training = (lastBatch - start) / 1e9;
    double seconds = (now - start) / 1e9;
    progress.log(
        String.format(
            Locale.ROOT,
            "%sepoch %d: train loss %.4f acc %.2f%% | %.0f img/s, %.1f s with validation",
            System.console() != null ? "\r\033[K" : "",
            epoch + 1,
            lossSum / Math.max(seen, 1),
            100.0 * correct / Math.max(seen, 1),
            seen / Math.max(training, 1e-9),
            seconds));
    start = now;
    epoch++;
    seen = 0;
    lossSum = 0;
    correct = 0;
    batches = 0;
  }
}
