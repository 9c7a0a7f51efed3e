package org.attnzoo.export;

/**
 * A block that can write itself into an ONNX graph. Each block expresses only its own computation
 * and delegates to its children through {@link OnnxGraph#block}, so a new mechanism becomes
 * exportable by implementing this interface on its own class, without touching the exporter.
 *
 * <p>Conventions (see {@code src/docs/export.md}): the graph runs in inference mode (dropout and
 * drop path are the identity), the batch axis is dynamic and every other axis is static (taken from
 * the block's configuration or {@link ai.djl.nn.Block#getInputShapes()}), parameters are added with
 * {@link OnnxGraph#param}, and only ops that mobile converters handle are used: plain {@code
 * Reshape} (with {@code 0} to copy the batch axis), {@code Transpose}, {@code MatMul}, {@code
 * Softmax}, element-wise math; no {@code Roll}-like ops and no tensor of rank above 5.
 */
public interface OnnxExportable {

  /**
   * Adds this block's nodes to the graph.
   *
   * @param g the graph under construction
   * @param inputs names of the values this block receives, in {@code forward} order
   * @return names of the values it produces, in {@code forward} order
   */
  String[] toOnnx(OnnxGraph g, String[] inputs);
}
