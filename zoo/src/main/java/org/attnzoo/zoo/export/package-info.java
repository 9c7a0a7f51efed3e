/**
 * The ONNX writer: serialises the nodes that each block describes through {@link
 * org.attnzoo.export.OnnxGraph} as an ONNX model ONNX Runtime loads.
 *
 * <p>Depends on the blocks, the zoo's variant table and {@link org.attnzoo.zoo.io}.
 */
package org.attnzoo.zoo.export;
