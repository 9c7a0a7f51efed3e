package org.attnzoo.zoo.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Labels;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.io.OnnxFiles;

/**
 * Writes an initialised attnzoo block as an ONNX model (IR 8, opset {@value OnnxGraph#OPSET}) that
 * ONNX Runtime 1.21 loads. The graph has one float input {@code input [batch, C, H, W]} and one
 * output {@code output}, with a dynamic batch axis; every other axis is fixed by the model.
 *
 * <p>The exporter is only the serialiser: each block writes its own nodes through {@link
 * OnnxExportable}; DJL's {@code Linear}, {@code Conv2d} and {@code Dropout} are handled here. A
 * block that is neither fails the export with a message naming its class and its path.
 */
public final class OnnxExporter implements OnnxGraph {

  /** ONNX IR version written: the one that goes with opset 17 (ONNX 1.12). */
  public static final long IR_VERSION = 8;

  /** Name of the graph's input. */
  public static final String INPUT = "input";

  /** Name of the graph's output. */
  public static final String OUTPUT = "output";

  /** Key of the {@code metadata_props} entry holding the variant name. */
  public static final String VARIANT = "attnzoo.variant";

  private static final String BATCH = "batch";

  private final Map<Parameter, String> paramPaths = new IdentityHashMap<>();
  private final Map<Block, String> blockPaths = new IdentityHashMap<>();
  private final Set<String> addedParams = new HashSet<>();
  private final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
  private final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
  private final Deque<String> scope = new ArrayDeque<>();
  private final boolean withWeights;
  private int counter;

  private OnnxExporter(Block root, boolean withWeights) {
    this.withWeights = withWeights;
    for (Map.Entry<String, Parameter> e : ParameterPaths.of(root).entrySet()) {
      paramPaths.put(e.getValue(), e.getKey());
    }
    collectBlocks(root, "");
  }

  private void collectBlocks(Block block, String path) {
    blockPaths.put(block, path);
    int index = 1;
    for (Pair<String, Block> child : block.getChildren()) {
      String position = String.format(Locale.ROOT, "%02d", index++);
      String name = child.getKey();
      if (name.startsWith(position)) {
        name = name.substring(position.length());
      }
      collectBlocks(child.getValue(), path.isEmpty() ? name : path + "." + name);
    }
  }

  /**
   * Exports a block to an ONNX file, written atomically.
   *
   * @param block an initialised block whose parameters hold the weights to export
   * @param inputShape the model's input for one sample, {@code [C, H, W]} (no batch axis)
   * @param name the graph's name (e.g. the variant name)
   * @param file the target {@code .onnx} file
   * @throws IOException if writing fails
   * @throws UnsupportedOperationException naming the first block class without ONNX support
   */
  public static void export(Block block, Shape inputShape, String name, Path file)
      throws IOException {
    OnnxMl.ModelProto model = toModel(block, inputShape, name);
    Files.createDirectories(file.toAbsolutePath().getParent());
    // AtomicFiles keeps an existing file's permissions and a symlink, and names `file` in errors.
    AtomicFiles.write(
        file,
        ch -> {
          OutputStream os = Channels.newOutputStream(ch); // closed with the channel
          model.writeTo(os);
          os.flush();
        });
  }

  /**
   * Builds the ONNX model in memory.
   *
   * @param block an initialised block
   * @param inputShape input for one sample, {@code [C, H, W]}
   * @param name the graph's name
   * @return the model
   */
  public static OnnxMl.ModelProto toModel(Block block, Shape inputShape, String name) {
    if (!block.isInitialized()) {
      throw new IllegalStateException("initialize the block (and load its weights) before export");
    }
    OnnxExporter g = new OnnxExporter(block, true);
    String out = g.block(block, INPUT)[0];
    // Give the result the fixed name "output", whatever node produced it.
    g.nodes.add(
        OnnxMl.NodeProto.newBuilder()
            .setOpType("Identity")
            .setName(OUTPUT)
            .addInput(out)
            .addOutput(OUTPUT)
            .build());
    Shape one = new Shape(1).addAll(inputShape);
    Shape outShape = block.getOutputShapes(new Shape[] {one})[0];
    OnnxMl.GraphProto graph =
        OnnxMl.GraphProto.newBuilder()
            .setName(name)
            .addInput(valueInfo(INPUT, one))
            .addOutput(valueInfo(OUTPUT, outShape))
            .addAllInitializer(g.initializers)
            .addAllNode(g.nodes)
            .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("attnzoo")
        .setProducerVersion("0.1.0")
        .setDocString("exported by attnzoo from the DJL block " + block.getClass().getName())
        // Read back by AttnZoo.loadOnnxRuntime: an .onnx run with another --variant is refused.
        .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(VARIANT).setValue(name))
        .addAllMetadataProps(dataConfigProps(name))
        // A CRC-32 of the graph: damaged weights are refused instead of giving wrong answers.
        .addMetadataProps(OnnxFiles.graphChecksum(graph))
        .setGraph(graph)
        .build();
  }

  /** Prefix of the {@code metadata_props} keys that describe the preprocessing. */
  public static final String DATA = "attnzoo.data.";

  /**
   * The variant's preprocessing as {@code metadata_props}, so that an ONNX Runtime user can
   * reproduce timm's eval transform without attnzoo: {@code attnzoo.data.input_size} ({@code
   * 3,224,224}), {@code crop_pct}, {@code crop_mode}, {@code interpolation}, {@code mean}, {@code
   * std} (comma-separated), {@code label_set} and {@code labels} (a JSON array of class names in
   * index order). None for a graph name that is not a variant.
   */
  static List<OnnxMl.StringStringEntryProto> dataConfigProps(String name) {
    if (!Variants.contains(name)) {
      return List.of();
    }
    DataConfig d = Variants.get(name).data();
    Map<String, String> props = new java.util.LinkedHashMap<>();
    props.put("input_size", join(d.inputSize()));
    props.put("crop_pct", Double.toString(d.cropPct()));
    props.put("crop_mode", d.cropMode());
    props.put("interpolation", d.interpolation());
    props.put("mean", join(d.mean()));
    props.put("std", join(d.std()));
    props.put("label_set", d.labels());
    StringBuilder labels = new StringBuilder("[");
    for (String label : Labels.of(d.labels())) {
      if (labels.length() > 1) {
        labels.append(", ");
      }
      labels.append('"').append(label.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    props.put("labels", labels.append(']').toString());
    List<OnnxMl.StringStringEntryProto> out = new ArrayList<>();
    props.forEach(
        (k, v) ->
            out.add(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(DATA + k).setValue(v).build()));
    return out;
  }

  private static String join(int[] values) {
    StringBuilder sb = new StringBuilder();
    for (int v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(v);
    }
    return sb.toString();
  }

  private static String join(float[] values) {
    StringBuilder sb = new StringBuilder();
    for (float v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(v);
    }
    return sb.toString();
  }

  /**
   * Builds the graph without copying any weights, to learn cheaply whether a model can be exported.
   *
   * @param block an initialised block
   * @throws UnsupportedOperationException naming the first block class without ONNX support
   */
  public static void checkExportable(Block block) {
    if (!block.isInitialized()) {
      throw new IllegalStateException("initialize the block before checking its export");
    }
    new OnnxExporter(block, false).block(block, INPUT);
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, Shape shape) {
    OnnxMl.TensorShapeProto.Builder dims = OnnxMl.TensorShapeProto.newBuilder();
    for (int i = 0; i < shape.dimension(); i++) {
      var d = OnnxMl.TensorShapeProto.Dimension.newBuilder();
      dims.addDim(i == 0 ? d.setDimParam(BATCH) : d.setDimValue(shape.get(i)));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(dims)))
        .build();
  }

  private String fresh(String hint) {
    String prefix = scope.isEmpty() || scope.peek().isEmpty() ? "" : scope.peek() + "/";
    return prefix + hint + "_" + counter++;
  }

  @Override
  public String[] node(String opType, String[] inputs, int outputs, Attr... attributes) {
    OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(opType);
    for (String in : inputs) {
      n.addInput(in);
    }
    String[] names = new String[outputs];
    for (int i = 0; i < outputs; i++) {
      names[i] = fresh(opType);
      n.addOutput(names[i]);
    }
    n.setName(names[0]);
    for (Attr a : attributes) {
      n.addAttribute(attribute(a));
    }
    nodes.add(n.build());
    return names;
  }

  private static OnnxMl.AttributeProto attribute(Attr a) {
    var b = OnnxMl.AttributeProto.newBuilder().setName(a.name());
    Object v = a.value();
    if (v instanceof Long l) {
      b.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(l);
    } else if (v instanceof Float f) {
      b.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(f);
    } else if (v instanceof String s) {
      b.setType(OnnxMl.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
    } else if (v instanceof long[] ls) {
      b.setType(OnnxMl.AttributeProto.AttributeType.INTS);
      for (long l : ls) {
        b.addInts(l);
      }
    } else {
      b.setType(OnnxMl.AttributeProto.AttributeType.FLOATS);
      for (float f : (float[]) v) {
        b.addFloats(f);
      }
    }
    return b.build();
  }

  @Override
  public String param(Parameter parameter) {
    return addParam(parameter, false);
  }

  @Override
  public String paramTransposed(Parameter parameter) {
    return addParam(parameter, true);
  }

  private String addParam(Parameter parameter, boolean transposed) {
    String path = paramPaths.get(parameter);
    if (path == null) {
      throw new IllegalStateException(
          "ONNX export: parameter " + parameter.getName() + " is not part of the exported model");
    }
    String name = transposed ? path + ".T" : path;
    if (!addedParams.add(name) || !withWeights) {
      return name;
    }
    NDArray a = parameter.getArray();
    if (transposed) {
      if (a.getShape().dimension() != 2) {
        throw new IllegalArgumentException(
            "ONNX export: cannot transpose parameter " + path + " of shape " + a.getShape());
      }
      a = a.transpose();
    }
    float[] values = a.toType(DataType.FLOAT32, false).toFloatArray();
    initializers.add(floatTensor(name, values, a.getShape().getShape()));
    return name;
  }

  private static OnnxMl.TensorProto floatTensor(String name, float[] values, long[] shape) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    var t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(buf.array()));
    for (long d : shape) {
      t.addDims(d);
    }
    return t.build();
  }

  private static OnnxMl.TensorProto intTensor(String name, long[] values, long[] shape) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    var t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
            .setRawData(ByteString.copyFrom(buf.array()));
    for (long d : shape) {
      t.addDims(d);
    }
    return t.build();
  }

  @Override
  public String floats(float[] values, long... shape) {
    String name = fresh("const");
    initializers.add(floatTensor(name, values, shape));
    return name;
  }

  @Override
  public String ints(long... values) {
    String name = fresh("const");
    initializers.add(intTensor(name, values, new long[] {values.length}));
    return name;
  }

  @Override
  public String intScalar(long value) {
    String name = fresh("const");
    initializers.add(intTensor(name, new long[] {value}, new long[0]));
    return name;
  }

  @Override
  public String[] block(Block block, String... inputs) {
    String path = blockPaths.get(block);
    if (path == null) {
      throw new IllegalStateException(
          "ONNX export: " + block.getClass().getName() + " is not a child of the exported model");
    }
    scope.push(path);
    try {
      if (block instanceof OnnxExportable e) {
        return e.toOnnx(this, inputs);
      }
      if (block instanceof Linear linear) {
        return new String[] {linear(linear, inputs[0])};
      }
      if (block instanceof Conv2d conv) {
        return new String[] {conv2d(conv, inputs[0])};
      }
      if (block instanceof Dropout) {
        return inputs; // inference: the identity
      }
      throw new UnsupportedOperationException(
          "ONNX export: block class "
              + block.getClass().getName()
              + (path.isEmpty() ? "" : " (at '" + path + "')")
              + " has no ONNX support. Implement org.attnzoo.export.OnnxExportable on it"
              + " (see src/docs/export.md, 'Adding ONNX support to a block').");
    } finally {
      scope.pop();
    }
  }

  private static Parameter direct(Block block, String name) {
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      if (p.getKey().equals(name)) {
        return p.getValue();
      }
    }
    return null;
  }

  /** DJL's Linear is {@code x W^T + b} over the last axis: MatMul with the transposed weight. */
  private String linear(Linear linear, String x) {
    String y = op("MatMul", x, paramTransposed(direct(linear, "weight")));
    Parameter bias = direct(linear, "bias");
    return bias == null ? y : op("Add", y, param(bias));
  }

  private String conv2d(Conv2d conv, String x) {
    List<String> in = new ArrayList<>(List.of(x, param(direct(conv, "weight"))));
    Parameter bias = direct(conv, "bias");
    if (bias != null) {
      in.add(param(bias));
    }
    long[] pad = conv.getPadding().getShape();
    return op(
        "Conv",
        in.toArray(String[]::new),
        Attr.ints("kernel_shape", conv.getKernelShape().getShape()),
        Attr.ints("strides", conv.getStride().getShape()),
        Attr.ints("dilations", conv.getDilation().getShape()),
        Attr.ints("pads", pad[0], pad[1], pad[0], pad[1]),
        Attr.of("group", (long) conv.getGroups()));
  }
}
