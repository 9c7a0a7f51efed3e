package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import org.attnzoo.nn.Scalars;

/**
 * Label-smoothing cross-entropy (Szegedy et al., 2016) as a DJL {@link Loss}: integer class labels
 * in, each turned into timm's smoothed target ({@code 1 - eps + eps / K} on the label, {@code eps /
 * K} on the other {@code K - 1} classes), then the soft-target cross-entropy of the logits ({@link
 * Losses#softTargetCrossEntropy}), averaged over the batch.
 *
 * <p>The targets are built with the same float values as attnzoo's own loop ({@code Batches}), so
 * both paths compute the same loss. {@code eps = 0} is plain cross-entropy. DJL's {@code
 * SoftmaxCrossEntropyLoss} has no smoothing.
 */
public final class LabelSmoothingLoss extends Loss {

  private final double smoothing;

  /**
   * @param smoothing the smoothing epsilon, in [0, 1) (the recipe uses 0.1)
   */
  public LabelSmoothingLoss(double smoothing) {
    this("LabelSmoothingLoss", smoothing);
  }

  /**
   * @param name the loss's name in DJL's metrics and logs
   * @param smoothing the smoothing epsilon, in [0, 1)
   */
  public LabelSmoothingLoss(String name, double smoothing) {
    super(name);
    if (!(smoothing >= 0 && smoothing < 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
    }
    this.smoothing = smoothing;
  }

  /**
   * @return the smoothing epsilon
   */
  public double smoothing() {
    return smoothing;
  }

  /**
   * @param labels one array of class indices, shape {@code [batch]} (any numeric type)
   * @param predictions one array of logits, shape {@code [batch, classes]}
   * @return the mean loss, a scalar
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.singletonOrThrow();
    NDArray label = labels.singletonOrThrow();
    if (logits.getShape().dimension() != 2 || label.getShape().size() != logits.getShape().get(0)) {
      throw new IllegalArgumentException(
          "expected logits [batch, classes] and one label per row, got logits "
              + logits.getShape()
              + " and labels "
              + label.getShape());
    }
    int classes = (int) logits.getShape().get(1);
    // As Batches: off = eps / K and 1 - eps rounded to float, on = (1 - eps) + off in float. With a
    // one-hot
    // h, h * on + (1 - h) * off gives exactly on and off (the other product is an exact zero).
    float off = (float) (smoothing / classes);
    float on = (float) (1 - smoothing) + off;
    try (NDArray index = label.reshape(-1).toType(DataType.INT64, false);
        NDArray hot = index.oneHot(classes).toType(logits.getDataType(), false);
        NDArray cold = hot.neg().add(1);
        NDArray onPart = Scalars.mul(hot, on);
        NDArray offPart = Scalars.mul(cold, off)) {
      NDArray targets = onPart.add(offPart);
      return Losses.softTargetCrossEntropy(logits, targets);
    }
  }
}
