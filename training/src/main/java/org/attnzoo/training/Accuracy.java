package org.attnzoo.training;

import ai.djl.ndarray.NDArray;

/** Top-1 hits of a batch, the count every accuracy in training and evaluation sums. */
public final class Accuracy {

  private Accuracy() {}

  /**
   * @param logits class scores {@code [B, classes]}
   * @param labels the {@code B} true classes
   * @return how many rows have their largest score at the true class
   * @throws IllegalArgumentException if the batch sizes differ
   */
  public static int correct(NDArray logits, int[] labels) {
    long[] pred = logits.argMax(1).toLongArray();
    if (pred.length != labels.length) {
      throw new IllegalArgumentException(
          "logits of " + pred.length + " rows for " + labels.length + " labels");
    }
    int hits = 0;
    for (int i = 0; i < pred.length; i++) {
      hits += pred[i] == labels[i] ? 1 : 0;
    }
    return hits;
  }
}
