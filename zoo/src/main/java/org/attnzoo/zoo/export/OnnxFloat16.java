package org.attnzoo.zoo.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * Converts an exported float32 ONNX model to float16 weights and arithmetic, for GPU deployment
 * (half the file and memory traffic; tensor cores). The graph's input and output stay float32, with
 * a {@code Cast} after the input and before the output, so the model is fed and read exactly as the
 * float32 one ({@code AttnZoo.loadOnnxRuntime}, {@code attnzoo run}).
 *
 * <p>Every float32 initializer becomes float16 (round to nearest even). Two kinds of constant do
 * not survive that rounding unchanged, and are clamped instead: a non-zero magnitude below the
 * smallest float16 subnormal ({@code 2^-24}; e.g. the {@code 1e-12} eps of {@code F.normalize})
 * becomes {@code 2^-24} rather than 0, so that an eps still guards its division; a finite magnitude
 * above 65504 becomes 65504 rather than infinity (an infinite constant, such as ToSA's mask, stays
 * infinite). {@code LayerNormalization} keeps its float32 statistics ({@code stash_type} 1). {@code
 * Cast} nodes are left as they are: the exporter only casts indices (ToSA's ascending sort).
 *
 * <p>ONNX Runtime's CPU provider lacks float16 kernels for several operators (it then refuses to
 * load the model): the float16 file targets the CUDA provider. The model's metadata is kept, with
 * {@link #PRECISION} added and the graph checksum recomputed.
 */
public final class OnnxFloat16 {

  /** Key of the {@code metadata_props} entry naming the floating-point precision. */
  public static final String PRECISION = "attnzoo.precision";

  /** Value of {@link #PRECISION} for this conversion. */
  public static final String FP16 = "fp16";

  /** Largest finite float16. */
  static final float MAX_HALF = 65504f;

  /** Smallest positive float16 (a subnormal), {@code 2^-24}. */
  static final float MIN_HALF = 0x1p-24f;

  private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
  private static final int FLOAT16 = OnnxMl.TensorProto.DataType.FLOAT16.getNumber();

  private OnnxFloat16() {}

  /**
   * Converts a float32 model to float16 (see the class comment).
   *
   * @param model a float32 ONNX model with one float input and one float output
   * @return the float16 model; the input is unchanged
   * @throws IllegalArgumentException if the model is already float16 or quantised, or its input or
   *     output is not float32
   */
  public static OnnxMl.ModelProto toFloat16(OnnxMl.ModelProto model) {
    OnnxRewrite.requireFloat32(model);
    OnnxMl.GraphProto graph = model.getGraph();
    if (graph.getInputCount() != 1 || graph.getOutputCount() != 1) {
      throw new IllegalArgumentException(
          "expected a model with one input and one output, got "
              + graph.getInputCount()
              + " inputs and "
              + graph.getOutputCount()
              + " outputs");
    }
    String input = checkFloat(graph.getInput(0), "input");
    String output = checkFloat(graph.getOutput(0), "output");
    String inputHalf = input + ".fp16";
    String outputHalf = output + ".fp16";

    OnnxMl.GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer();
    g.addNode(cast(input, inputHalf, FLOAT16));
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      OnnxMl.NodeProto.Builder b = n.toBuilder();
      for (int i = 0; i < b.getInputCount(); i++) {
        if (b.getInput(i).equals(input)) {
          b.setInput(i, inputHalf);
        }
      }
      for (int i = 0; i < b.getOutputCount(); i++) {
        if (b.getOutput(i).equals(output)) {
          b.setOutput(i, outputHalf);
        }
      }
      for (int i = 0; i < b.getAttributeCount(); i++) {
        OnnxMl.AttributeProto a = b.getAttribute(i);
        if (a.hasT() && a.getT().getDataType() == FLOAT) {
          b.setAttribute(i, a.toBuilder().setT(toHalf(a.getT())));
        }
      }
      g.addNode(b);
    }
    g.addNode(cast(outputHalf, output, FLOAT));
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      g.addInitializer(t.getDataType() == FLOAT ? toHalf(t) : t);
    }
    return OnnxRewrite.withGraph(model, g.build(), PRECISION, FP16);
  }

  /**
   * Reads a float32 {@code .onnx} file, converts it to float16 and writes the result atomically;
   * nothing is written if the model is refused.
   *
   * @param source the float32 model
   * @param target the file to write (may not be {@code source})
   * @throws IOException if reading or writing fails
   * @throws IllegalArgumentException if {@code target} is {@code source}, naming the source if it
   *     is not a valid ONNX model, or as {@link #toFloat16}
   */
  public static void convertFile(Path source, Path target) throws IOException {
    OnnxRewrite.file(source, target, "the float16 model", OnnxFloat16::toFloat16);
  }

  private static String checkFloat(OnnxMl.ValueInfoProto v, String role) {
    int type = v.getType().getTensorType().getElemType();
    if (type != FLOAT) {
      throw new IllegalArgumentException(
          "expected a float32 graph "
              + role
              + ", got element type "
              + OnnxMl.TensorProto.DataType.forNumber(type)
              + " for '"
              + v.getName()
              + "'");
    }
    return v.getName();
  }

  private static OnnxMl.NodeProto cast(String from, String to, int type) {
    return OnnxMl.NodeProto.newBuilder()
        .setOpType("Cast")
        .setName("cast:" + to) // the exporter's node names are value names: keep clear of them
        .addInput(from)
        .addOutput(to)
        .addAttribute(
            OnnxMl.AttributeProto.newBuilder()
                .setName("to")
                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(type))
        .build();
  }

  private static OnnxMl.TensorProto toHalf(OnnxMl.TensorProto t) {
    float[] values;
    if (t.getFloatDataCount() > 0) {
      values = new float[t.getFloatDataCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = t.getFloatData(i);
      }
    } else {
      FloatBuffer fb =
          t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      values = new float[fb.remaining()];
      fb.get(values);
    }
    ByteBuffer buf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buf.putShort(halfBits(clamp(v)));
    }
    return t.toBuilder()
        .clearFloatData()
        .setDataType(FLOAT16)
        .setRawData(ByteString.copyFrom(buf.array()))
        .build();
  }

  /**
   * @param v a float32 value
   * @return {@code v} with a non-zero magnitude below {@code 2^-24} raised to it and a finite
   *     magnitude above 65504 lowered to it (see the class comment)
   */
  static float clamp(float v) {
    float a = Math.abs(v);
    if (a != 0f && a < MIN_HALF) {
      return Math.copySign(MIN_HALF, v);
    }
    if (Float.isFinite(v) && a > MAX_HALF) {
      return Math.copySign(MAX_HALF, v);
    }
    return v;
  }

  /**
   * IEEE 754 binary16 bits of a float32, rounded to nearest even (Java 17 has no {@code
   * Float.floatToFloat16}).
   *
   * @param f a float32 value
   * @return its float16 bit pattern
   */
  static short halfBits(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) { // infinity, or NaN (kept quiet)
      return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
    }
    int e = exponent - 127 + 15; // the float16 biased exponent
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      // Subnormal float16: the value is m * 2^-24 with m = 1.mantissa * 2^(e - 1 + 24 - 10 - 14).
      if (e < -10) {
        return (short) sign; // below half the smallest subnormal: rounds to zero
      }
      int full = mantissa | 0x800000;
      int shift = 14 - e;
      return (short) (sign | roundShift(full, shift));
    }
    // Normal: the carry of the rounding may ripple into the exponent, which is still right
    // (the next binade, or infinity above 65504).
    return (short) (sign | roundShift((e << 23) | mantissa, 13));
  }

  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    return rest > half || (rest == half && (kept & 1) != 0) ? kept + 1 : kept;
  }
}
