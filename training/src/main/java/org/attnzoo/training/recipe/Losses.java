package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import org.attnzoo.backbones.tosa.TosaTraining;

/** Loss functions of the recipe. */
public final class Losses {

  private Losses() {}

  /**
   * Cross-entropy against soft targets, averaged over the batch: {@code mean_i sum_k -t_ik log
   * softmax(z_i)_k} (timm's {@code SoftTargetCrossEntropy}). With one-hot targets smoothed to
   * {@code 1 - eps + eps/K} and {@code eps/K} this is label-smoothing cross-entropy (Szegedy et
   * al., 2016); with mixed targets, the mixup/cutmix loss.
   *
   * @param logits {@code [batch, classes]}
   * @param targets {@code [batch, classes]}, rows summing to 1
   * @return a scalar
   */
  public static NDArray softTargetCrossEntropy(NDArray logits, NDArray targets) {
    if (!logits.getShape().equals(targets.getShape())) {
      throw new IllegalArgumentException(
          "logits " + logits.getShape() + " and targets " + targets.getShape() + " differ");
    }
    return logits.logSoftmax(1).mul(targets).sum(new int[] {1}).neg().mean();
  }

  /**
   * Soft distillation (Hinton et al., 2015, temperature 1): {@code mean_i KL(softmax(t_i) ||
   * softmax(z_i))}, the ToSA recipe's ({@link TosaTraining#softDistillation}) for any model.
   *
   * @param logits the student's {@code [batch, classes]}
   * @param teacherLogits the teacher's {@code [batch, classes]}, without gradient
   * @return a scalar
   */
  public static NDArray softDistillation(NDArray logits, NDArray teacherLogits) {
    return TosaTraining.softDistillation(logits, teacherLogits);
  }
}
