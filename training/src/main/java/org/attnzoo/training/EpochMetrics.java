package org.attnzoo.training;

/**
 * One row of the metrics CSV.
 *
 * @param epoch one-based epoch
 * @param step optimizer steps so far
 * @param lr learning rate of the epoch's last step
 * @param trainLoss mean training loss (against the training targets)
 * @param trainAcc training accuracy against each image's own label
 * @param testLoss mean test cross-entropy (hard labels, no smoothing)
 * @param testAcc test accuracy
 * @param imagesPerSecond training throughput (augmentation included)
 * @param seconds wall time of the epoch, evaluation included
 * @param stage the training stage ({@code train} for a one-stage run; {@code stage2} (selectors) or
 *     {@code stage3} (fine-tuning) in the ToSA recipe); null in checkpoints written before stages
 *     existed, read as {@code train}
 * @param skippedSteps steps of this epoch whose loss or gradients were not finite, so that the
 *     optimizer did not apply them (a healthy run has none; 0 in checkpoints written before the
 *     count existed)
 * @param maxGradNorm largest global gradient norm (before clipping) among this epoch's finite ones
 *     (0 in checkpoints written before it was recorded)
 */
public record EpochMetrics(
    int epoch,
    long step,
    double lr,
    double trainLoss,
    double trainAcc,
    double testLoss,
    double testAcc,
    double imagesPerSecond,
    double seconds,
    String stage,
    long skippedSteps,
    double maxGradNorm) {

  /** Stage name of a plain one-stage run. */
  public static final String TRAIN = "train";

  /** CSV header matching {@link #csv()}. */
  public static final String CSV_HEADER =
      "epoch,step,lr,train_loss,train_acc,test_loss,test_acc,images_per_s,seconds,stage,skipped_steps,max_grad_norm";

  /**
   * @return the row as CSV
   */
  public String csv() {
    return String.format(
        java.util.Locale.ROOT,
        "%d,%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.1f,%.1f,%s,%d,%.6g",
        epoch,
        step,
        lr,
        trainLoss,
        trainAcc,
        testLoss,
        testAcc,
        imagesPerSecond,
        seconds,
        stage == null ? TRAIN : stage,
        skippedSteps,
        maxGradNorm);
  }
}
