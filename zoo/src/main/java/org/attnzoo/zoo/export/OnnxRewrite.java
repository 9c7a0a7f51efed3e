package org.attnzoo.zoo.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.io.OnnxFiles;

/**
 * What the passes over an exported float32 model ({@link OnnxQuantizer}, {@link OnnxFloat16})
 * share: the check that the model is not converted already, the metadata of the converted model,
 * and the file round trip (check, read, convert, write atomically).
 */
final class OnnxRewrite {

  private OnnxRewrite() {}

  /**
   * @param model a model about to be converted
   * @throws IllegalArgumentException naming the entry if the model is already quantised or float16
   */
  static void requireFloat32(OnnxMl.ModelProto model) {
    for (OnnxMl.StringStringEntryProto p : model.getMetadataPropsList()) {
      if (p.getKey().equals(OnnxQuantizer.QUANTIZATION)
          || p.getKey().equals(OnnxFloat16.PRECISION)) {
        throw new IllegalArgumentException(
            "the model is already converted ("
                + p.getKey()
                + " = "
                + p.getValue()
                + "); expected a float32 model, e.g. from attnzoo export --format onnx");
      }
    }
  }

  /**
   * @param model the model before the pass
   * @param graph its converted graph
   * @param key the metadata entry naming the conversion
   * @param value the conversion
   * @return {@code model} with {@code graph}, its metadata kept, {@code key = value} added and the
   *     graph checksum recomputed (the old one would call the new file corrupt)
   */
  static OnnxMl.ModelProto withGraph(
      OnnxMl.ModelProto model, OnnxMl.GraphProto graph, String key, String value) {
    OnnxMl.ModelProto.Builder out = model.toBuilder().setGraph(graph).clearMetadataProps();
    for (OnnxMl.StringStringEntryProto p : model.getMetadataPropsList()) {
      if (!p.getKey().equals(OnnxFiles.GRAPH_CRC32)) {
        out.addMetadataProps(p);
      }
    }
    return out.addMetadataProps(
            OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value))
        .addMetadataProps(OnnxFiles.graphChecksum(graph))
        .build();
  }

  /**
   * Reads an {@code .onnx} file, applies a pass and writes the result atomically. Nothing is
   * written if the source is damaged or the pass refuses the model.
   *
   * @param source the model
   * @param target the file to write
   * @param what the result, for the message if {@code target} is {@code source} (e.g. "the int8
   *     model")
   * @param pass the conversion
   * @throws IOException if reading or writing fails
   * @throws IllegalArgumentException if {@code target} is {@code source}, naming the source if it
   *     is not a valid ONNX model, or as {@code pass} refuses the model
   */
  static void file(Path source, Path target, String what, UnaryOperator<OnnxMl.ModelProto> pass)
      throws IOException {
    if (source.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException(
          what + " must go to another file than its source " + source);
    }
    OnnxFiles.read(source); // a damaged or truncated file is named here, not deep in protobuf
    OnnxMl.ModelProto model;
    try (InputStream in = Files.newInputStream(source)) {
      CodedInputStream c = CodedInputStream.newInstance(in);
      c.setSizeLimit(Integer.MAX_VALUE);
      model = OnnxMl.ModelProto.parseFrom(c);
    }
    OnnxMl.ModelProto converted = pass.apply(model);
    AtomicFiles.write(
        target,
        ch -> {
          OutputStream os = Channels.newOutputStream(ch); // closed with the channel
          converted.writeTo(os);
          os.flush();
        });
  }
}
