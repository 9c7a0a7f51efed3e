package org.attnzoo.zoo.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
      return read(map(ch, file), file);
    }
  }

  /**
   * Maps a whole file into memory, read-only: the one read of a weights file (the tensors are
   * slices of the mapping, not copies).
   *
   * @param ch an open channel
   * @param file its name, for messages
   * @return the file's bytes
   * @throws IOException if mapping fails
   * @throws IllegalArgumentException if the file is 2 GiB or larger (one mapping's limit)
   */
  public static ByteBuffer map(FileChannel ch, Path file) throws IOException {
    long size = ch.size();
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          file + " is " + size + " bytes; attnzoo reads weights files smaller than 2 GiB");
    }
    return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
  }

  /**
   * Reads every tensor of a file already in memory, validating the header against its size.
   *
   * @param bytes the whole file
   * @param file its name, for messages
   * @return tensors by name, in header order; their data are slices of {@code bytes}
   * @throws IllegalArgumentException naming the file and the problem if it is malformed
   */
  public static Map<String, Tensor> read(ByteBuffer bytes, Path file) {
    ByteBuffer all = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long fileSize = all.remaining();
    if (fileSize < 8) {
      throw bad(file, "shorter than the 8-byte header length");
    }
    long headerLen = all.getLong(all.position());
    if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
      throw bad(file, "header length " + headerLen + " does not fit a file of " + fileSize);
    }
    byte[] header = new byte[(int) headerLen];
    all.get(all.position() + 8, header);
    JsonObject json;
    try {
      json =
          new Gson().fromJson(new String(header, StandardCharsets.UTF_8).trim(), JsonObject.class);
    } catch (JsonParseException | IllegalStateException e) {
      throw bad(file, "header is not a JSON object: " + e.getMessage());
    }
    if (json == null) {
      throw bad(file, "empty header");
    }
    long dataSize = fileSize - 8 - headerLen;
    ByteBuffer data =
        all.position(all.position() + 8 + (int) headerLen).slice().order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, long[]> ranges = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : json.entrySet()) {
      if ("__metadata__".equals(e.getKey())) {
        continue;
      }
      long[] range = new long[2];
      out.put(e.getKey(), tensor(file, e.getKey(), e.getValue(), data, dataSize, range));
      ranges.put(e.getKey(), range);
    }
    checkLayout(file, ranges, dataSize);
    return out;
  }

  /**
   * The safetensors specification requires the tensors to tile the data section exactly: no two
   * share a byte, no byte is unused. Overlapping ranges would let one tensor silently read
   * another's values (a crafted or corrupted header changes the model's output without any error),
   * and holes mean the header does not describe the file it came with.
   */
  private static void checkLayout(Path file, Map<String, long[]> ranges, long dataSize) {
    List<Map.Entry<String, long[]>> sorted = new ArrayList<>(ranges.entrySet());
    sorted.sort(
        Comparator.<Map.Entry<String, long[]>>comparingLong(e -> e.getValue()[0])
            .thenComparingLong(e -> e.getValue()[1]));
    long expected = 0;
    String previous = null;
    for (Map.Entry<String, long[]> e : sorted) {
      long begin = e.getValue()[0];
      if (begin < expected) {
        throw bad(
            file,
            String.format(
                "tensor '%s' (bytes %d-%d) overlaps tensor '%s' (ending at byte %d); the file"
                    + " is corrupt or was not written by a safetensors library",
                e.getKey(), begin, e.getValue()[1], previous, expected));
      }
      if (begin > expected) {
        throw bad(
            file,
            String.format(
                "bytes %d-%d before tensor '%s' belong to no tensor; the header does not describe"
                    + " this file",
                expected, begin, e.getKey()));
      }
      expected = e.getValue()[1];
      previous = e.getKey();
    }
    if (expected != dataSize) {
      throw bad(
          file,
          String.format(
              "the data section has %d bytes but the tensors end at byte %d%s; the file is"
                  + " truncated or has trailing bytes",
              dataSize, expected, previous == null ? "" : " (last: '" + previous + "')"));
    }
  }

  private static Tensor tensor(
      Path file, String name, JsonElement spec, ByteBuffer data, long dataSize, long[] range) {
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
      if (off.size() != 2 || begin < 0 || end < begin || end > dataSize) {
        throw bad(
            file,
            "tensor '"
                + name
                + "' has data_offsets "
                + off
                + " outside the data section of "
                + dataSize
                + " bytes");
      }
      Shape s = new Shape(shape);
      long needed = Tensor.byteCount(type, s);
      if (needed != end - begin) {
        throw bad(
            file,
            String.format(
                "tensor '%s' is %s %s, which needs %d bytes, but its data_offsets %s span %d",
                name, o.get("dtype").getAsString(), s, needed, off, end - begin));
      }
      range[0] = begin;
      range[1] = end;
      ByteBuffer slice = data.duplicate();
      slice.position((int) begin).limit((int) end);
      return new Tensor(type, s, slice);
    } catch (RuntimeException e) {
      // Gson reports a wrong JSON type as IllegalStateException, UnsupportedOperationException,
      // ClassCastException or IndexOutOfBoundsException: all are a malformed header here.
      if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
        throw e;
      }
      throw bad(file, "tensor '" + name + "': " + e);
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
      case "I8" -> DataType.INT8;
      default ->
          throw new IllegalArgumentException(
              "unsupported dtype '"
                  + code
                  + "' (expected F32, F64, F16, BF16, I64, I32, I8, U8 or BOOL)");
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
      case INT8 -> "I8";
      case BOOLEAN -> "BOOL";
      default -> throw new IllegalArgumentException("cannot write " + type);
    };
  }

  private static IllegalArgumentException bad(Path file, String why) {
    return new IllegalArgumentException(file + " is not a valid safetensors file: " + why);
  }

  /**
   * Writes tensors atomically ({@link AtomicFiles}): a crash never leaves a half-written file, and
   * an existing file keeps its permissions.
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
    AtomicFiles.write(
        file,
        ch -> {
          // Not closed here: closing the stream would close the channel before it is forced.
          OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
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
          os.flush();
        });
  }
}
