package org.attnzoo.zoo.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format 1.0-3.0, C order, little-endian), the raw
 * tensor format of {@code attnzoo run} and of the parity fixtures.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=]?)(\\w\\d*)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * @param file a {@code .npy} file
   * @return its tensor
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file and the problem if it is not a valid npy file
   */
  public static Tensor read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return parse(bytes);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + " is not a valid .npy file: " + e.getMessage(), e);
    }
  }

  private static Tensor parse(byte[] bytes) {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new IllegalArgumentException("missing the \\x93NUMPY magic");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6];
    long headerLen;
    int offset;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(b.getShort(8));
      offset = 10;
    } else if (major == 2 || major == 3) {
      headerLen = Integer.toUnsignedLong(b.getInt(8));
      offset = 12;
    } else {
      throw new IllegalArgumentException("unsupported npy version " + major);
    }
    if (offset + headerLen > bytes.length) {
      throw new IllegalArgumentException("header runs past the end of the file");
    }
    String header = new String(bytes, offset, (int) headerLen, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher o = ORDER.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !o.find() || !s.find()) {
      throw new IllegalArgumentException("malformed header " + header.trim());
    }
    if (">".equals(d.group(1))) {
      throw new IllegalArgumentException("big-endian data is not supported");
    }
    if ("True".equals(o.group(1))) {
      throw new IllegalArgumentException("Fortran-order arrays are not supported");
    }
    DataType type = dataType(d.group(2));
    long[] dims =
        Arrays.stream(s.group(1).split(","))
            .map(String::trim)
            .filter(t -> !t.isEmpty())
            .mapToLong(Long::parseLong)
            .toArray();
    Shape shape = new Shape(dims);
    int start = offset + (int) headerLen;
    long size = shape.size() * type.getNumOfBytes();
    if (start + size != bytes.length) {
      throw new IllegalArgumentException(
          String.format(
              "%s %s needs %d data bytes, the file has %d",
              type, shape, size, bytes.length - start));
    }
    return new Tensor(type, shape, ByteBuffer.wrap(bytes, start, (int) size));
  }

  private static DataType dataType(String code) {
    return switch (code) {
      case "f4" -> DataType.FLOAT32;
      case "f8" -> DataType.FLOAT64;
      case "f2" -> DataType.FLOAT16;
      case "i8" -> DataType.INT64;
      case "i4" -> DataType.INT32;
      case "u1" -> DataType.UINT8;
      case "b1" -> DataType.BOOLEAN;
      default -> throw new IllegalArgumentException("unsupported dtype '" + code + "'");
    };
  }

  private static String code(DataType type) {
    return switch (type) {
      case FLOAT32 -> "<f4";
      case FLOAT64 -> "<f8";
      case FLOAT16 -> "<f2";
      case INT64 -> "<i8";
      case INT32 -> "<i4";
      case UINT8 -> "|u1";
      case BOOLEAN -> "|b1";
      default -> throw new IllegalArgumentException("cannot write " + type + " as npy");
    };
  }

  /**
   * Writes a tensor as a version 1.0 {@code .npy} file.
   *
   * @param tensor the tensor
   * @param os where to write
   * @throws IOException if writing fails
   */
  public static void write(Tensor tensor, OutputStream os) throws IOException {
    long[] dims = tensor.shape().getShape();
    String shape =
        dims.length == 1
            ? "(" + dims[0] + ",)"
            : Arrays.toString(dims).replace('[', '(').replace(']', ')');
    String dict =
        String.format(
            Locale.ROOT,
            "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
            code(tensor.dataType()),
            shape);
    // Pad so that the data starts on a 64-byte boundary, ending the header with a newline.
    int total = MAGIC.length + 4 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer preamble = ByteBuffer.allocate(MAGIC.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    preamble.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    os.write(preamble.array());
    os.write(header.getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer data = tensor.data().duplicate();
    byte[] raw = new byte[data.remaining()];
    data.get(raw);
    os.write(raw);
  }

  /**
   * Writes a tensor to a file, atomically ({@link AtomicFiles}).
   *
   * @param tensor the tensor
   * @param file the target
   * @throws IOException if writing fails
   */
  public static void write(Tensor tensor, Path file) throws IOException {
    AtomicFiles.write(
        file,
        ch -> {
          OutputStream os = new java.io.BufferedOutputStream(Channels.newOutputStream(ch));
          write(tensor, os);
          os.flush();
        });
  }
}
