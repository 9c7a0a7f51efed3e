package org.attnzoo.zoo.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Dynamic int8 quantisation of an ONNX model, as ONNX Runtime's {@code quantize_dynamic(...,
 * per_channel=True, weight_type=QInt8)} does it, written in Java as a pass over the exported model.
 *
 * <p>Every {@code MatMul} whose right operand is a 2-D float initializer {@code W [K, N]} becomes
 *
 * <pre>
 * DynamicQuantizeLinear(x)          -> x_q (uint8), x_scale, x_zero_point   (at run time)
 * MatMulInteger(x_q, W_q, x_zero_point, W_zero_point) -> int32
 * Cast(to float) * Mul(x_scale, W_scale)                -> the MatMul's output
 * </pre>
 *
 * with {@code W_q} int8 per output channel ({@link OnnxQuantizerWeights}), {@code W_scale} and a
 * zero {@code W_zero_point} of shape {@code [N]}. Only standard ONNX operators (opset 11 and up)
 * are written, so any runtime can read the file; ONNX Runtime's CPU provider fuses exactly this
 * pattern, with the bias {@code Add} that follows a Linear, into one {@code DynamicQuantizeMatMul}
 * kernel (its {@code MatMulIntegerToFloatFusion} and {@code DynamicQuantizeMatMulFusion} graph
 * transformers). Activations are uint8 and weights int8 (ORT's default {@code U8S8}): on x86 CPUs
 * with AVX2 but without VNNI, ORT documents that this combination can saturate; such machines are
 * better served by the float model.
 *
 * <p>Every other node (convolutions, attention's activation-by-activation products, MatMuls whose
 * weight is computed) stays float. The model's metadata is kept, with {@link #QUANTIZATION} added
 * and the graph checksum recomputed.
 */
public final class OnnxQuantizer {

  /** Key of the {@code metadata_props} entry naming the quantisation applied. */
  public static final String QUANTIZATION = "attnzoo.quantization";

  /** Value of {@link #QUANTIZATION} for this pass. */
  public static final String DYNAMIC_INT8 = "dynamic-int8-per-channel";

  /** Smallest opset with {@code DynamicQuantizeLinear}. */
  private static final long MIN_OPSET = 11;

  private final Map<String, OnnxMl.TensorProto> initializers = new LinkedHashMap<>();
  private final Set<String> names = new HashSet<>();
  private final Map<String, String[]> quantized = new HashMap<>();
  private final List<OnnxMl.TensorProto> added = new ArrayList<>();

  private OnnxQuantizer(OnnxMl.GraphProto graph) {
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
      names.add(t.getName());
    }
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      names.add(n.getName());
      names.addAll(n.getInputList());
      names.addAll(n.getOutputList());
    }
    graph.getInputList().forEach(v -> names.add(v.getName()));
    graph.getOutputList().forEach(v -> names.add(v.getName()));
  }

  /**
   * Quantises a model's MatMul weights to int8 (see the class comment).
   *
   * @param model a float ONNX model
   * @return the quantised model; the input is unchanged
   * @throws IllegalArgumentException if the model is already quantised or float16, or its opset is
   *     below 11
   */
  public static OnnxMl.ModelProto quantizeDynamicInt8(OnnxMl.ModelProto model) {
    OnnxRewrite.requireFloat32(model);
    long opset = defaultOpset(model);
    if (opset < MIN_OPSET) {
      throw new IllegalArgumentException(
          "the model imports ONNX opset "
              + opset
              + "; dynamic quantisation needs opset "
              + MIN_OPSET
              + " or later (DynamicQuantizeLinear)");
    }
    OnnxMl.GraphProto graph = new OnnxQuantizer(model.getGraph()).rewrite(model.getGraph());
    return OnnxRewrite.withGraph(model, graph, QUANTIZATION, DYNAMIC_INT8);
  }

  /**
   * Reads a float {@code .onnx} file, quantises it and writes the result atomically; nothing is
   * written if the model is refused.
   *
   * @param source the float model
   * @param target the file to write (may not be {@code source})
   * @throws IOException if reading or writing fails
   * @throws IllegalArgumentException if {@code target} is {@code source}, naming the source if it
   *     is not a valid ONNX model, or as {@link #quantizeDynamicInt8}
   */
  public static void quantizeFile(Path source, Path target) throws IOException {
    OnnxRewrite.file(source, target, "the int8 model", OnnxQuantizer::quantizeDynamicInt8);
  }

  private static long defaultOpset(OnnxMl.ModelProto model) {
    for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        return o.getVersion();
      }
    }
    return 0;
  }

  private OnnxMl.GraphProto rewrite(OnnxMl.GraphProto graph) {
    List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      OnnxMl.TensorProto w = quantizableWeight(n);
      if (w == null) {
        nodes.add(n);
      } else {
        nodes.addAll(dynamicMatMul(n, weight(w)));
      }
    }
    // A float weight read by no node any more is dropped: that is where the file shrinks.
    Set<String> used = new HashSet<>();
    nodes.forEach(n -> used.addAll(n.getInputList()));
    graph.getInputList().forEach(v -> used.add(v.getName()));
    graph.getOutputList().forEach(v -> used.add(v.getName()));
    OnnxMl.GraphProto.Builder out = graph.toBuilder().clearNode().addAllNode(nodes);
    out.clearInitializer();
    for (OnnxMl.TensorProto t : initializers.values()) {
      if (used.contains(t.getName())) {
        out.addInitializer(t);
      }
    }
    return out.addAllInitializer(added).build();
  }

  /** The node's 2-D float initializer weight if it is a MatMul {@code x W}, else null. */
  private OnnxMl.TensorProto quantizableWeight(OnnxMl.NodeProto n) {
    if (!n.getOpType().equals("MatMul") || !n.getDomain().isEmpty() || n.getInputCount() != 2) {
      return null;
    }
    OnnxMl.TensorProto w = initializers.get(n.getInput(1));
    boolean external = w != null && w.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    if (w == null
        || external
        || w.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()
        || w.getDimsCount() != 2) {
      return null;
    }
    return w;
  }

  /**
   * The names of {@code W_q}, {@code W_scale} and {@code W_zero_point}, quantised once however many
   * nodes share the weight.
   */
  private String[] weight(OnnxMl.TensorProto w) {
    return quantized.computeIfAbsent(
        w.getName(),
        name -> {
          int rows = Math.toIntExact(w.getDims(0));
          int columns = Math.toIntExact(w.getDims(1));
          OnnxQuantizerWeights q = OnnxQuantizerWeights.quantize(floats(w), rows, columns);
          String[] out = {fresh(name + "_quantized"), fresh(name + "_scale"), fresh(name + "_zp")};
          added.add(tensor(out[0], OnnxMl.TensorProto.DataType.INT8, q.values(), rows, columns));
          ByteBuffer scales = ByteBuffer.allocate(4 * columns).order(ByteOrder.LITTLE_ENDIAN);
          scales.asFloatBuffer().put(q.scales());
          added.add(tensor(out[1], OnnxMl.TensorProto.DataType.FLOAT, scales.array(), columns));
          added.add(tensor(out[2], OnnxMl.TensorProto.DataType.INT8, new byte[columns], columns));
          return out;
        });
  }

  private List<OnnxMl.NodeProto> dynamicMatMul(OnnxMl.NodeProto matMul, String[] w) {
    String x = matMul.getInput(0);
    String base = matMul.getName().isEmpty() ? matMul.getOutput(0) : matMul.getName();
    String xq = fresh(base + "_x_quantized");
    String xScale = fresh(base + "_x_scale");
    String xZero = fresh(base + "_x_zp");
    String product = fresh(base + "_int32");
    String productFloat = fresh(base + "_float");
    String scale = fresh(base + "_scale");
    // One DynamicQuantizeLinear per MatMul, even for a shared input: ORT fuses it into the MatMul
    // only when its outputs feed that one node.
    return List.of(
        node("DynamicQuantizeLinear", base + "_quant", List.of(x), List.of(xq, xScale, xZero)),
        node("MatMulInteger", base + "_matmul", List.of(xq, w[0], xZero, w[2]), List.of(product)),
        node("Cast", base + "_cast", List.of(product), List.of(productFloat)).toBuilder()
            .addAttribute(
                OnnxMl.AttributeProto.newBuilder()
                    .setName("to")
                    .setType(OnnxMl.AttributeProto.AttributeType.INT)
                    .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
            .build(),
        // Activation scale first, weight scale second: the operand order ORT's fusion reads.
        node("Mul", base + "_scales", List.of(xScale, w[1]), List.of(scale)),
        node("Mul", base + "_rescale", List.of(productFloat, scale), matMul.getOutputList()));
  }

  private OnnxMl.NodeProto node(String op, String name, List<String> in, List<String> out) {
    return OnnxMl.NodeProto.newBuilder()
        .setOpType(op)
        .setName(fresh(name))
        .addAllInput(in)
        .addAllOutput(out)
        .build();
  }

  /** A name used nowhere in the graph yet. */
  private String fresh(String hint) {
    String name = hint;
    for (int i = 1; !names.add(name); i++) {
      name = hint + "_" + i;
    }
    return name;
  }

  private static float[] floats(OnnxMl.TensorProto t) {
    if (!t.getRawData().isEmpty()) {
      ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[raw.remaining() / 4];
      raw.asFloatBuffer().get(out);
      return out;
    }
    float[] out = new float[t.getFloatDataCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatData(i);
    }
    return out;
  }

  private static OnnxMl.TensorProto tensor(
      String name, OnnxMl.TensorProto.DataType type, byte[] raw, long... dims) {
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(type.getNumber())
            .setRawData(ByteString.copyFrom(raw));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }
}
