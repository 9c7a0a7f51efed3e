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
    double seconds) {

  /** CSV header matching {@link #csv()}. */
  public static final String CSV_HEADER =
      "epoch,step,lr,train_loss,train_acc,test_loss,test_acc,images_per_s,seconds";

  /**
   * @return the row as CSV
   */
  public String csv() {
    return String.format(
        java.util.Locale.ROOT,
        "%d,%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.1f,%.1f",
        epoch,
        step,
        lr,
        trainLoss,
        trainAcc,
        testLoss,
        testAcc,
        imagesPerSecond,
        seconds);
  }
}
