package org.attnzoo.zoo.io;

import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * What an {@code .onnx} file declares, read in Java before ONNX Runtime sees the file: the graph's
 * inputs and outputs and the model's {@code metadata_props}. ONNX Runtime runs any well-formed
 * graph it is given, whatever variant the user named, so the check that the file is the model the
 * user asked for is made here.
 *
 * <p>Only the fields needed are decoded; nodes and initializers are skipped by their declared
 * lengths, which still walks the whole file, so a truncated or structurally damaged file is found
 * here with a clear message. Files written by attnzoo also carry a CRC-32 of the graph ({@link
 * #GRAPH_CRC32}), so that damage inside a weight is found too.
 *
 * @param inputs the graph's inputs by name, {@code -1} for a symbolic dimension (initializers that
 *     old exporters list as inputs included)
 * @param outputs the graph's outputs by name
 * @param metadata the model's {@code metadata_props}
 */
public record OnnxFiles(
    Map<String, long[]> inputs, Map<String, long[]> outputs, Map<String, String> metadata) {

  /**
   * Key of the {@code metadata_props} entry holding the CRC-32 of the serialised graph (eight hex
   * digits). ONNX has no checksum of its own: a flipped byte in a weight runs and answers wrongly.
   */
  public static final String GRAPH_CRC32 = "attnzoo.graph_crc32";

  private static final int MODEL_GRAPH = 7;
  private static final int MODEL_METADATA = 14;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;

  /**
   * Reads the declarations of an ONNX file.
   *
   * @param file an {@code .onnx} file
   * @return its inputs, outputs and metadata
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file if it is not a well-formed ONNX model
   */
  public static OnnxFiles read(Path file) throws IOException {
    Map<String, long[]> inputs = new LinkedHashMap<>();
    Map<String, long[]> outputs = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    boolean graph = false;
    String graphCrc = null;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      CodedInputStream c = CodedInputStream.newInstance(in);
      c.setSizeLimit(Integer.MAX_VALUE);
      for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        if (field == MODEL_GRAPH && delimited) {
          ByteString bytes = c.readBytes();
          CRC32 crc = new CRC32();
          crc.update(bytes.asReadOnlyByteBuffer());
          graphCrc = String.format(Locale.ROOT, "%08x", crc.getValue());
          readGraph(bytes.newCodedInput(), inputs, outputs);
          graph = true;
        } else if (field == MODEL_METADATA && delimited) {
          OnnxMl.StringStringEntryProto e = OnnxMl.StringStringEntryProto.parseFrom(c.readBytes());
          metadata.put(e.getKey(), e.getValue());
        } else if (!c.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException | IllegalStateException e) {
      throw bad(file, e.getMessage());
    }
    if (!graph || outputs.isEmpty() || inputs.isEmpty()) {
      throw bad(file, "it has no graph with inputs and outputs");
    }
    String stored = metadata.get(GRAPH_CRC32);
    // attnzoo has written the checksum with its other metadata since it wrote metadata at all: an
    // attnzoo file without it had its key damaged, and must not skip the check.
    if (stored == null && metadata.keySet().stream().anyMatch(k -> k.startsWith("attnzoo."))) {
      throw new IllegalArgumentException(
          file
              + " is corrupt: its "
              + GRAPH_CRC32
              + " metadata entry is missing or damaged; export or copy it again");
    }
    if (stored != null && !stored.equals(graphCrc)) {
      throw new IllegalArgumentException(
          file
              + " is corrupt (graph CRC-32 "
              + graphCrc
              + ", stored "
              + stored
              + "): it was damaged on disk or in transfer; export or copy it again");
    }
    return new OnnxFiles(inputs, outputs, metadata);
  }

  /**
   * @param graph a graph about to be written
   * @return the {@link #GRAPH_CRC32} entry for it
   */
  public static OnnxMl.StringStringEntryProto graphChecksum(OnnxMl.GraphProto graph) {
    CRC32 crc = new CRC32();
    crc.update(graph.toByteString().asReadOnlyByteBuffer());
    return OnnxMl.StringStringEntryProto.newBuilder()
        .setKey(GRAPH_CRC32)
        .setValue(String.format(Locale.ROOT, "%08x", crc.getValue()))
        .build();
  }

  private static void readGraph(
      CodedInputStream c, Map<String, long[]> inputs, Map<String, long[]> outputs)
      throws IOException {
    while (!c.isAtEnd()) {
      int tag = c.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      if ((field == GRAPH_INPUT || field == GRAPH_OUTPUT)
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        OnnxMl.ValueInfoProto v = OnnxMl.ValueInfoProto.parseFrom(c.readBytes());
        (field == GRAPH_INPUT ? inputs : outputs).put(v.getName(), dims(v));
      } else if (tag == 0 || !c.skipField(tag)) {
        throw new InvalidProtocolBufferException("malformed graph");
      }
    }
  }

  private static long[] dims(OnnxMl.ValueInfoProto v) {
    List<OnnxMl.TensorShapeProto.Dimension> d = v.getType().getTensorType().getShape().getDimList();
    long[] out = new long[d.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = d.get(i).hasDimValue() ? d.get(i).getDimValue() : -1;
    }
    return out;
  }

  /**
   * Checks that the file is a model of the variant: the variant name it stores (attnzoo exports
   * write it in {@code metadata_props}), one input {@code [batch, C, H, W]} with the variant's
   * {@code C, H, W}, and an output whose last axis has the variant's class count.
   *
   * @param file the file, for messages
   * @param variant the variant asked for
   * @param variantKey the metadata key holding the variant name
   * @param inputShape the variant's input for one sample, {@code [C, H, W]}
   * @param numClasses the variant's classes
   * @throws IllegalArgumentException naming the file, what it holds and what to do, if it does not
   *     match
   */
  public void checkVariant(
      Path file, String variant, String variantKey, Shape inputShape, int numClasses) {
    String stored = metadata.get(variantKey);
    if (stored != null && !stored.equals(variant)) {
      throw new IllegalArgumentException(
          file
              + " is an ONNX model of variant '"
              + stored
              + "', not '"
              + variant
              + "'; run it with --variant "
              + stored);
    }
    List<String> problems = new ArrayList<>();
    long[] want = new Shape(-1).addAll(inputShape).getShape();
    List<long[]> real = new ArrayList<>(inputs.values());
    if (real.size() < 1 || !matches(real.get(0), want)) {
      problems.add(
          "input "
              + (real.isEmpty() ? "none" : text(real.get(0)))
              + ", expected "
              + text(want)
              + " (any batch, then the variant's input)");
    }
    long[] out = outputs.values().iterator().next();
    if (out.length < 1 || (out[out.length - 1] != numClasses && out[out.length - 1] != -1)) {
      problems.add("output " + text(out) + ", expected " + numClasses + " classes last");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          file
              + " does not fit variant '"
              + variant
              + "': "
              + String.join("; ", problems)
              + ". Pass the --variant it was exported from.");
    }
  }

  private static String text(long[] dims) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      b.append(i == 0 ? "" : ", ").append(dims[i] < 0 ? "batch" : Long.toString(dims[i]));
    }
    return b.append(']').toString();
  }

  private static boolean matches(long[] got, long[] want) {
    if (got.length != want.length) {
      return false;
    }
    for (int i = 1; i < got.length; i++) {
      if (got[i] != -1 && got[i] != want[i]) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(Path file, String why) {
    return new IllegalArgumentException(
        file
            + " is not a valid ONNX model ("
            + why
            + "); it is damaged or truncated: export it again (attnzoo export --format onnx)");
  }
}
