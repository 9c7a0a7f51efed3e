package org.attnzoo.export;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/**
 * An engine-free builder of an ONNX graph (opset 17), implemented by the zoo's exporter. Values are
 * referred to by name; every method that creates a value returns its (unique) name.
 */
public interface OnnxGraph {

  /** The opset the graph targets: 17 has {@code LayerNormalization} and loads in ORT 1.21. */
  int OPSET = 17;

  /**
   * Adds a node.
   *
   * @param opType ONNX operator, e.g. {@code "MatMul"}
   * @param inputs input value names (an empty string for an omitted optional input)
   * @param outputs number of outputs
   * @param attributes the node's attributes
   * @return the output value names
   */
  String[] node(String opType, String[] inputs, int outputs, Attr... attributes);

  /**
   * Adds a node with one output.
   *
   * @param opType ONNX operator
   * @param inputs input value names
   * @param attributes the node's attributes
   * @return the output value name
   */
  default String op(String opType, String[] inputs, Attr... attributes) {
    return node(opType, inputs, 1, attributes)[0];
  }

  /**
   * Adds a node with one output and no attributes.
   *
   * @param opType ONNX operator
   * @param inputs input value names
   * @return the output value name
   */
  default String op(String opType, String... inputs) {
    return node(opType, inputs, 1)[0];
  }

  /**
   * Adds a parameter's current value as an initializer named by its dotted path (e.g. {@code
   * blocks.0.attn.qkv.weight}); adding the same parameter twice returns the same name.
   *
   * @param parameter an initialised parameter of the exported model
   * @return the initializer's name
   */
  String param(Parameter parameter);

  /**
   * Adds a parameter's value, transposed from {@code [out, in]} to {@code [in, out]}, so that a
   * linear layer is a plain {@code MatMul}.
   *
   * @param parameter a rank-2 parameter
   * @return the initializer's name
   */
  String paramTransposed(Parameter parameter);

  /**
   * @param values float32 values
   * @param shape their shape (none: a scalar)
   * @return the name of a new float constant
   */
  String floats(float[] values, long... shape);

  /**
   * @param value a float32 value
   * @return the name of a scalar float constant (broadcasts in element-wise ops)
   */
  default String scalar(float value) {
    return floats(new float[] {value});
  }

  /**
   * @param values int64 values
   * @return the name of a 1-D int64 constant (shapes, axes, split sizes, indices)
   */
  String ints(long... values);

  /**
   * @param value an int64 value
   * @return the name of a scalar int64 constant (e.g. a {@code Gather} index that drops the axis)
   */
  String intScalar(long value);

  /**
   * Exports a child block: an {@link OnnxExportable}, or one of the DJL blocks the exporter knows
   * ({@code Linear}, {@code Conv2d}, {@code Dropout}).
   *
   * @param block the child
   * @param inputs its input value names
   * @return its output value names
   * @throws UnsupportedOperationException naming the block's class if it cannot be exported
   */
  String[] block(Block block, String... inputs);

  /**
   * Exports a child block with one input and one output.
   *
   * @param block the child, or null for the identity
   * @param input its input value name
   * @return its output value name
   */
  default String apply(Block block, String input) {
    return block == null ? input : block(block, input)[0];
  }

  /**
   * The exact (erf) GELU, {@code 0.5 x (1 + erf(x / sqrt 2))}, from opset-17 primitives ({@code
   * Gelu} only arrives in opset 20).
   *
   * <p>The nodes are exactly the subgraph that ONNX Runtime's {@code GeluFusion} matches, {@code
   * Mul(Mul(x, 0.5), Add(Erf(Div(x, sqrt 2)), 1))}: it becomes one {@code Gelu} kernel, and {@code
   * BiasGelu} with the bias {@code Add} of a preceding linear layer. Scaling by {@code 1 / sqrt 2}
   * instead of dividing, or multiplying by 0.5 last, leaves five element-wise passes unfused.
   *
   * @param x input value name
   * @return output value name
   */
  default String gelu(String x) {
    String erf = op("Erf", op("Div", x, scalar((float) Math.sqrt(2.0))));
    return op("Mul", op("Mul", x, scalar(0.5f)), op("Add", erf, scalar(1f)));
  }

  /**
   * {@code F.normalize(x, p=2, dim=axis, eps)}: {@code x / max(||x||_2, eps)} along one axis.
   *
   * @param x input value name
   * @param axis the axis to normalise over (negative counts from the end)
   * @param eps lower bound of the norm
   * @return output value name
   */
  default String l2Normalize(String x, long axis, float eps) {
    String norm =
        op("ReduceL2", new String[] {x}, Attr.ints("axes", axis), Attr.of("keepdims", 1L));
    return op("Div", x, op("Max", norm, scalar(eps)));
  }

  /**
   * A node attribute: an int64, a float, a string, or a list of int64 or floats.
   *
   * @param name the attribute's name
   * @param value a {@link Long}, {@link Float}, {@link String}, {@code long[]} or {@code float[]}
   */
  record Attr(String name, Object value) {

    /** Checks the value's type. */
    public Attr {
      if (!(value instanceof Long
          || value instanceof Float
          || value instanceof String
          || value instanceof long[]
          || value instanceof float[])) {
        throw new IllegalArgumentException(
            "ONNX attribute " + name + ": unsupported value type " + value.getClass());
      }
    }

    /**
     * @param name name
     * @param value an int64
     * @return the attribute
     */
    public static Attr of(String name, long value) {
      return new Attr(name, value);
    }

    /**
     * @param name name
     * @param value a float
     * @return the attribute
     */
    public static Attr of(String name, float value) {
      return new Attr(name, value);
    }

    /**
     * @param name name
     * @param values int64 values
     * @return the attribute
     */
    public static Attr ints(String name, long... values) {
      return new Attr(name, values);
    }
  }
}
