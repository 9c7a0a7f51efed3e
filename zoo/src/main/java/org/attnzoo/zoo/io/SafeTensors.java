package org.attnzoo.zoo.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length, a
 * JSON header mapping names to dtype, shape and byte offsets, then the raw data. This is how timm
 * checkpoints are stored.
 */
public final class SafeTensors {

  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /**
   * Reads every tensor of a file, validating the header against the file's size.
   *
   * @param file a {@code .safetensors} file
   * @return tensors by name, in header order
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file and the problem if it is malformed
   */
  public static Map<String, Tensor> read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      if (fileSize < 8) {
        throw bad(file, "shorter than the 8-byte header length");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long headerLen = len.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
        throw bad(file, "header length " + headerLen + " does not fit a file of " + fileSize);
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(ch, header, 8);
      JsonObject json;
      try {
        json =
            new Gson()
                .fromJson(
                    new String(header.array(), StandardCharsets.UTF_8).trim(), JsonObject.class);
      } catch (JsonParseException e) {
        throw bad(file, "header is not JSON: " + e.getMessage());
      }
      if (json == null) {
        throw bad(file, "empty header");
      }
      long dataStart = 8 + headerLen;
      long dataSize = fileSize - dataStart;
      ByteBuffer data =
          ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataSize).order(ByteOrder.LITTLE_ENDIAN);
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : json.entrySet()) {
        if ("__metadata__".equals(e.getKey())) {
          continue;
        }
        out.put(e.getKey(), tensor(file, e.getKey(), e.getValue(), data, dataSize));
      }
      return out;
    }
  }

  private static Tensor tensor(
      Path file, String name, JsonElement spec, ByteBuffer data, long dataSize) {
    try {
      JsonObject o = spec.getAsJsonObject();
      DataType type = dataType(o.get("dtype").getAsString());
      JsonArray dims = o.getAsJsonArray("shape");
      long[] shape = new long[dims.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = dims.get(i).getAsLong();
      }
      JsonArray off = o.getAsJsonArray("data_offsets");
      long begin = off.get(0).getAsLong();
      long end = off.get(1).getAsLong();
      if (begin < 0 || end < begin || end > dataSize) {
        throw bad(file, "tensor '" + name + "' has offsets " + off + " outside " + dataSize);
      }
      ByteBuffer slice = data.duplicate();
      slice.position((int) begin).limit((int) end);
      return new Tensor(type, new Shape(shape), slice);
    } catch (IllegalStateException | NullPointerException | IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
        throw (IllegalArgumentException) e;
      }
      throw bad(file, "tensor '" + name + "': " + e.getMessage());
    }
  }

  private static DataType dataType(String code) {
    return switch (code) {
      case "F32" -> DataType.FLOAT32;
      case "F64" -> DataType.FLOAT64;
      case "F16" -> DataType.FLOAT16;
      case "BF16" -> DataType.BFLOAT16;
      case "I64" -> DataType.INT64;
      case "I32" -> DataType.INT32;
      case "U8" -> DataType.UINT8;
      case "BOOL" -> DataType.BOOLEAN;
      default -> throw new IllegalArgumentException("unsupported dtype " + code);
    };
  }

  private static String code(DataType type) {
    return switch (type) {
      case FLOAT32 -> "F32";
      case FLOAT64 -> "F64";
      case FLOAT16 -> "F16";
      case BFLOAT16 -> "BF16";
      case INT64 -> "I64";
      case INT32 -> "I32";
      case UINT8 -> "U8";
      case BOOLEAN -> "BOOL";
      default -> throw new IllegalArgumentException("cannot write " + type);
    };
  }

  private static IllegalArgumentException bad(Path file, String why) {
    return new IllegalArgumentException(file + " is not a valid safetensors file: " + why);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  /**
   * Writes tensors atomically: to a temporary file beside {@code file}, then moved over it, so a
   * crash never leaves a half-written checkpoint.
   *
   * @param tensors tensors by name, written in this order
   * @param file the target
   * @throws IOException if writing fails
   */
  public static void write(Map<String, Tensor> tensors, Path file) throws IOException {
    JsonObject header = new JsonObject();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      JsonObject o = new JsonObject();
      o.addProperty("dtype", code(t.dataType()));
      JsonArray shape = new JsonArray();
      for (long d : t.shape().getShape()) {
        shape.add(d);
      }
      o.add("shape", shape);
      JsonArray off = new JsonArray();
      off.add(offset);
      offset += t.data().remaining();
      off.add(offset);
      o.add("data_offsets", off);
      header.add(e.getKey(), o);
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int pad = (8 - json.length % 8) % 8; // keep the data 8-byte aligned
    byte[] padded = new byte[json.length + pad];
    System.arraycopy(json, 0, padded, 0, json.length);
    java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    Path parent = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try {
      try (OutputStream os = Files.newOutputStream(tmp)) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        len.putLong(padded.length);
        os.write(len.array());
        os.write(padded);
        for (Tensor t : tensors.values()) {
          ByteBuffer d = t.data().duplicate();
          byte[] raw = new byte[d.remaining()];
          d.get(raw);
          os.write(raw);
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
