package org.attnzoo.zoo.export;

/**
 * A {@code [K, N]} float matrix (the right operand of a MatMul) quantised per output channel
 * (column) to symmetric int8, as ONNX Runtime's {@code quantize_dynamic(per_channel=True)} does:
 * {@code scale[n] = max_k |w[k, n]| / 127}, {@code q = round_half_even(w / scale)} in {@code [-127,
 * 127]}, zero point 0. Symmetric range {@code [-127, 127]} rather than {@code [-128, 127]} keeps
 * {@code -q} representable, so positive and negative weights of equal size round alike.
 *
 * @param rows {@code K}, the reduced axis
 * @param columns {@code N}, the output channels
 * @param values the quantised weights, row-major {@code [K, N]}
 * @param scales one scale per column
 */
record OnnxQuantizerWeights(int rows, int columns, byte[] values, float[] scales) {

  /** Largest magnitude of a symmetric int8 weight. */
  static final int QMAX = 127;

  /**
   * @param w row-major {@code [rows, columns]} floats
   * @param rows {@code K}
   * @param columns {@code N}
   * @return the per-column quantised matrix
   * @throws IllegalArgumentException if the sizes disagree or a weight is not finite
   */
  static OnnxQuantizerWeights quantize(float[] w, int rows, int columns) {
    if (rows <= 0 || columns <= 0 || (long) rows * columns != w.length) {
      throw new IllegalArgumentException(
          "a ["
              + rows
              + ", "
              + columns
              + "] weight needs "
              + (long) rows * columns
              + " values, got "
              + w.length);
    }
    float[] scales = new float[columns];
    for (int k = 0; k < rows; k++) {
      for (int n = 0; n < columns; n++) {
        float v = w[k * columns + n];
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              "weight [" + k + ", " + n + "] is " + v + "; expected a finite number");
        }
        scales[n] = Math.max(scales[n], Math.abs(v));
      }
    }
    for (int n = 0; n < columns; n++) {
      // An all-zero column quantises to zeros with any scale; 1 keeps the division defined.
      scales[n] = scales[n] == 0f ? 1f : scales[n] / QMAX;
    }
    byte[] q = new byte[w.length];
    for (int k = 0; k < rows; k++) {
      for (int n = 0; n < columns; n++) {
        double r = Math.rint(w[k * columns + n] / scales[n]);
        q[k * columns + n] = (byte) Math.max(-QMAX, Math.min(QMAX, r));
      }
    }
    return new OnnxQuantizerWeights(rows, columns, q, scales);
  }

  /**
   * @param k row
   * @param n column
   * @return the weight the int8 value stands for, {@code q * scale}
   */
  float dequantized(int k, int n) {
    return values[k * columns + n] * scales[n];
  }
}
