package org.attnzoo.zoo.weights;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.io.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DJL's {@code .params} format (what {@code Model.save} writes: the {@code DJL@} header, then the
 * block's parameters by position), with the variant name stored as a property so that loading a
 * file into the wrong architecture fails with a clear message instead of a shape error deep in DJL.
 * Files written here load with plain DJL {@code Model.load} too. A CRC-32 in the header ({@link
 * #CHECKSUM}) is verified before any parameter is read, so a damaged file is refused instead of
 * silently changing the model's answers.
 */
public final class ParamsFile {

  private static final String MAGIC = "DJL@";
  private static final int VERSION = 1;

  /** Property holding the variant name. */
  public static final String VARIANT = "attnzoo.variant";

  /**
   * Property holding the keep ratio a ToSA model was trained with, when it differs from its
   * variant's ({@code attnzoo train --recipe tosa --keep-ratio}); {@code AttnZoo.load} builds the
   * model with it.
   */
  public static final String TOSA_KEEP_RATIO = "tosa.keep_ratio";

  /**
   * Property holding the CRC-32 (eight hex digits) of the whole file, computed with this value
   * itself as {@code 00000000}. A header property rather than a trailer, so that DJL's own {@code
   * Model.load} reads the files as before.
   */
  public static final String CHECKSUM = "attnzoo.crc32";

  private static final String PLACEHOLDER = "00000000";
  private static final Logger LOG = LoggerFactory.getLogger(ParamsFile.class);

  private ParamsFile() {}

  /**
   * Writes the block's parameters atomically (temporary file, then move).
   *
   * @param block an initialised block
   * @param variant the variant name, stored in the header
   * @param inputShape the input shape recorded in the header
   * @param properties further properties to store (may be empty)
   * @param file the target
   * @throws IOException if writing fails
   */
  public static void save(
      Block block, String variant, Shape inputShape, Map<String, String> properties, Path file)
      throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    DataOutputStream dos = new DataOutputStream(head);
    dos.writeBytes(MAGIC);
    dos.writeInt(VERSION);
    dos.writeUTF(variant);
    dos.writeUTF(DataType.FLOAT32.name());
    dos.writeInt(1);
    dos.writeUTF("image");
    dos.write(inputShape.getEncoded());
    Map<String, String> props = new LinkedHashMap<>(properties);
    props.remove(CHECKSUM);
    props.put(VARIANT, variant);
    dos.writeInt(props.size() + 1);
    for (Map.Entry<String, String> e : props.entrySet()) {
      dos.writeUTF(e.getKey());
      dos.writeUTF(e.getValue());
    }
    // The checksum is the last property; it is computed with its own value as eight '0's and
    // written over them once the parameters are out.
    dos.writeUTF(CHECKSUM);
    long checksumAt = dos.size() + 2L;
    dos.writeUTF(PLACEHOLDER);
    dos.flush();
    byte[] header = head.toByteArray();
    AtomicFiles.write(
        file,
        ch -> {
          CRC32 crc = new CRC32();
          crc.update(header);
          ch.write(ByteBuffer.wrap(header));
          // Not closed: closing would close the channel, which AtomicFiles still forces.
          DataOutputStream out =
              new DataOutputStream(
                  new BufferedOutputStream(
                      new CheckedOutputStream(Channels.newOutputStream(ch), crc), 1 << 16));
          block.saveParameters(out);
          out.flush();
          ch.write(
              ByteBuffer.wrap(hex(crc.getValue()).getBytes(StandardCharsets.US_ASCII)), checksumAt);
        });
  }

  private static String hex(long crc) {
    return String.format(Locale.ROOT, "%08x", crc);
  }

  /**
   * Reads only the header's properties ({@link #VARIANT} is absent from files saved by DJL's own
   * {@code Model.save}). The checksum is not verified here: this is the cheap look at a file that
   * {@link #load} then reads in full.
   *
   * @param file a {@code .params} file
   * @return the properties
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if it is not a DJL params file or is truncated
   */
  public static Map<String, String> properties(Path file) throws IOException {
    try (DataInputStream dis =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      return header(dis, file.toString(), new long[1]);
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          file + " is truncated: it ends inside the header; the copy is incomplete", e);
    }
  }

  // Everything before the parameters; files written by DJL's own Model.save have no VARIANT
  // property (only their model name, e.g. "vit-djl", which says nothing about the architecture).
  // checksumAt[0] receives the offset of the checksum's value (0: none).
  // Every count is bounded before anything is allocated: a corrupt count must give a message, not
  // an OutOfMemoryError.
  private static Map<String, String> header(DataInputStream dis, String source, long[] checksumAt)
      throws IOException {
    CountingInput in = new CountingInput(dis);
    DataInputStream d = new DataInputStream(in);
    byte[] magic = new byte[4];
    d.readFully(magic);
    if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
      throw new IllegalArgumentException(
          source
              + " is not a DJL .params file (no DJL@ header); expected a file written by"
              + " attnzoo train or DJL Model.save");
    }
    int version = d.readInt();
    if (version != VERSION) {
      throw new IllegalArgumentException(
          source + ": unsupported .params version " + version + " (expected " + VERSION + ")");
    }
    d.readUTF(); // DJL's model name
    d.readUTF(); // data type
    int inputs = count(d.readInt(), 64, "inputs", source);
    for (int i = 0; i < inputs; i++) {
      d.readUTF();
      int dims = count(d.readInt(), 64, "shape dimensions", source);
      for (int k = 0; k < dims; k++) {
        d.readLong();
      }
      int layout = count(d.readInt(), 64, "layout characters", source);
      for (int k = 0; k < layout; k++) {
        d.readChar();
      }
    }
    Map<String, String> props = new LinkedHashMap<>();
    int n = count(d.readInt(), 4096, "properties", source);
    for (int i = 0; i < n; i++) {
      String key = d.readUTF();
      long at = in.count + 2;
      String value = d.readUTF();
      if (CHECKSUM.equals(key)) {
        checksumAt[0] = at;
      }
      props.put(key, value);
    }
    return props;
  }

  private static int count(int n, int max, String what, String source) {
    if (n < 0 || n > max) {
      throw new IllegalArgumentException(
          source + " is corrupt: its header claims " + n + " " + what + " (at most " + max + ")");
    }
    return n;
  }

  /** One parameter as a {@code .params} file stores it: DJL's name for it and its values. */
  public record Stored(String name, Tensor tensor) {}

  /**
   * A {@code .params} file read: its header's properties and its parameters in DJL's order (the
   * order of {@link ParameterPaths#of}).
   *
   * @param properties the header's properties
   * @param parameters the stored parameters, in order
   */
  public record Contents(Map<String, String> properties, List<Stored> parameters) {}

  /**
   * Reads a {@code .params} file into a block of the variant, in place: every parameter must be
   * there with its shape, or nothing changes (see {@link #fill}).
   *
   * @param manager unused: the values are copied into the block's own arrays, which keep their
   *     manager, device and gradient state
   * @param block an initialised block of the variant
   * @param variant the expected variant name
   * @param in the file's bytes
   * @param source the file's name, for messages
   * @return the properties stored in the header
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if the file is not a DJL params file, was written for another
   *     variant, or does not match the architecture
   */
  public static Map<String, String> load(
      NDManager manager, Block block, String variant, InputStream in, String source)
      throws IOException {
    Contents contents = read(ByteBuffer.wrap(in.readAllBytes()), source);
    fill(block, contents, variant, source);
    return contents.properties();
  }

  /**
   * Parses a whole {@code .params} file in memory: the header, the checksum (verified before
   * anything else is trusted) and every parameter record. DJL's own reader is not used: it trusts
   * the shapes and lengths in the stream (a corrupted one may reach native code), and it replaces a
   * block's arrays as it goes, so a file that fails half-way leaves the block half-filled.
   *
   * @param bytes the file's bytes (a heap array or a read-only mapping)
   * @param source the file's name, for messages
   * @return the properties and the parameters, whose data are slices of {@code bytes}
   * @throws IllegalArgumentException naming {@code source} if the file is not a DJL params file, is
   *     damaged or is malformed
   */
  public static Contents read(ByteBuffer bytes, String source) {
    ByteBuffer all = bytes.duplicate().order(ByteOrder.BIG_ENDIAN);
    int start = all.position();
    try (DataInputStream dis = new DataInputStream(new BufferInput(all))) {
      long[] checksumAt = new long[1];
      Map<String, String> props = header(dis, source, checksumAt);
      ByteBuffer file = bytes.duplicate().position(start).slice();
      verify(file, checksumAt[0], props, source);
      return new Contents(props, parameters(file, all.position() - start, source));
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          source + " is truncated: it ends inside the header; the copy is incomplete", e);
    } catch (UTFDataFormatException e) {
      throw new IllegalArgumentException(
          source + " is corrupt: a name in it is not valid text (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new IllegalStateException("reading memory cannot fail", e);
    }
  }

  /**
   * Fills a block of the variant from a file's parameters, in place and all or nothing: the
   * parameters are matched to the block's by position (DJL's order), their DJL names and shapes
   * checked, and nothing is written unless every one fits.
   *
   * @param block an initialised block of the variant
   * @param contents what {@link #read} returned
   * @param variant the expected variant name
   * @param source the file's name, for messages
   * @throws IllegalArgumentException if the file names another variant or does not fit the block
   */
  public static void fill(Block block, Contents contents, String variant, String source) {
    String saved = contents.properties().get(VARIANT);
    // A file saved by DJL's Model.save names no variant: it loads as the caller's variant, and the
    // structure check below still refuses another architecture.
    if (saved != null && !variant.equals(saved)) {
      throw new IllegalArgumentException(
          source + " holds weights of variant '" + saved + "', not '" + variant + "'");
    }
    List<Stored> stored = contents.parameters();
    List<Map.Entry<String, Parameter>> params =
        new ArrayList<>(ParameterPaths.of(block).entrySet());
    if (stored.size() != params.size()) {
      throw new IllegalArgumentException(
          String.format(
              "%s does not match the architecture of %s: it holds %d parameters, %s has %d",
              source, variant, stored.size(), variant, params.size()));
    }
    Map<String, Tensor> byPath = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      Map.Entry<String, Parameter> p = params.get(i);
      if (!p.getValue().getName().equals(stored.get(i).name())) {
        throw new IllegalArgumentException(
            String.format(
                "%s does not match the architecture of %s: its parameter %d is '%s', %s expects"
                    + " %s ('%s')",
                source,
                variant,
                i + 1,
                stored.get(i).name(),
                variant,
                p.getKey(),
                p.getValue().getName()));
      }
      byPath.put(p.getKey(), stored.get(i).tensor());
    }
    try {
      WeightImporter.load(block, byPath, CheckpointMapper.IDENTITY);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          source + " does not match the architecture of " + variant + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks a file's CRC-32 ({@link #CHECKSUM}). Files written before the checksum existed have
   * none: they still load, with a warning that they could not be verified.
   */
  private static void verify(ByteBuffer all, long at, Map<String, String> props, String source) {
    String stored = props.get(CHECKSUM);
    if (stored == null) {
      // A damaged key must not pass for an old file without checksum: that would skip the check.
      for (String key : props.keySet()) {
        if (nearlyChecksumKey(key)) {
          throw new IllegalArgumentException(
              source
                  + " is corrupt: its checksum property is damaged ('"
                  + key
                  + "'); copy or download it again");
        }
      }
      LOG.warn(
          "{} has no checksum (saved by DJL's Model.save, or by attnzoo before checksums); it is"
              + " loaded unverified. Save it again with attnzoo to add one.",
          source);
      return;
    }
    if (stored.length() != PLACEHOLDER.length()) {
      throw new IllegalArgumentException(
          source + " is corrupt: its checksum field '" + stored + "' is not 8 hex digits");
    }
    CRC32 crc = new CRC32();
    int off = (int) at;
    crc.update(all.duplicate().position(0).limit(off));
    crc.update(PLACEHOLDER.getBytes(StandardCharsets.US_ASCII));
    crc.update(all.duplicate().position(off + PLACEHOLDER.length()));
    String actual = hex(crc.getValue());
    if (!actual.equals(stored)) {
      throw new IllegalArgumentException(
          source
              + " is corrupt (CRC-32 "
              + actual
              + ", stored "
              + stored
              + "): it was damaged on disk or in transfer; copy or download it again");
    }
  }

  // The checksum key with a few characters changed (bit flips, random bytes): at least 8 of its
  // 13 characters in place.
  private static boolean nearlyChecksumKey(String key) {
    if (key.length() != CHECKSUM.length()) {
      return false;
    }
    int same = 0;
    for (int i = 0; i < key.length(); i++) {
      same += key.charAt(i) == CHECKSUM.charAt(i) ? 1 : 0;
    }
    return same >= 8;
  }

  private static final byte[] ARRAY_MAGIC = {0, 4, 'N', 'D', 'A', 'R'};

  /** Types DJL may be given: the PyTorch engine aborts the JVM on half types (BF16, F16). */
  private static final java.util.Set<String> ARRAY_TYPES =
      java.util.Set.of("FLOAT32", "FLOAT64", "INT32", "INT64", "INT8", "UINT8", "BOOLEAN");

  /** Longest parameter name looked for before an array: DJL's names are short words. */
  private static final int MAX_NAME = 255;

  /**
   * The parameter records of the section after the header, each a DJL {@code Parameter.save}: the
   * char {@code 'P'}, a version byte, the parameter's name, then the array in DJL's {@code
   * NDSerializer} layout (the {@code NDAR} magic, version, optional name, sparse format, data type,
   * shape, byte order, byte length, data). Between them lie the blocks' own records (a version byte
   * and their input shapes), which say nothing about the weights. Every size field is checked
   * against the bytes that are there before anything is allocated: a length of 2^31 - 1 must not
   * allocate 2 GB, a shape that disagrees with its length must not give a parameter of the wrong
   * size, a half type must never reach the engine. Each array is walked past by its declared
   * length, so the data itself is never searched for the magic.
   */
  private static List<Stored> parameters(ByteBuffer b, int from, String source) {
    List<Stored> out = new ArrayList<>();
    int i = from;
    while (true) {
      int k = find(b, ARRAY_MAGIC, i);
      if (k < 0) {
        return out;
      }
      int n = out.size() + 1;
      try {
        String name = parameterName(b, i, k);
        if (name == null) {
          throw new IllegalArgumentException("no parameter record before it");
        }
        int at = k + ARRAY_MAGIC.length;
        int version = b.getInt(at);
        at += 4;
        if (version < 1 || version > 3) {
          throw new IllegalArgumentException("encoding version " + version);
        }
        if (version > 1 && b.get(at++) == 1) {
          at += 2 + Short.toUnsignedInt(b.getShort(at));
        }
        at += 2 + Short.toUnsignedInt(b.getShort(at)); // sparse format
        int typeLen = Short.toUnsignedInt(b.getShort(at));
        byte[] typeBytes = new byte[typeLen];
        b.get(at + 2, typeBytes);
        String type = new String(typeBytes, StandardCharsets.UTF_8);
        at += 2 + typeLen;
        if (!ARRAY_TYPES.contains(type)) {
          throw new IllegalArgumentException("data type '" + type + "'");
        }
        int rank = b.getInt(at);
        at += 4;
        if (rank < 0 || rank > 32) {
          throw new IllegalArgumentException("rank " + rank);
        }
        long[] dims = new long[rank];
        for (int d = 0; d < rank; d++, at += 8) {
          dims[d] = b.getLong(at);
        }
        int layout = b.getInt(at);
        if (layout < 0 || layout > 32) {
          throw new IllegalArgumentException("layout length " + layout);
        }
        at += 4 + 2 * layout;
        // Version 3 records the byte order; older encodings wrote the machine's own.
        ByteOrder order =
            version > 2
                ? (b.get(at++) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                : ByteOrder.nativeOrder();
        int length = b.getInt(at);
        at += 4;
        DataType dataType = DataType.valueOf(type);
        Shape shape = new Shape(dims);
        long needed = Tensor.byteCount(dataType, shape);
        if (length != needed || length > b.limit() - at) {
          throw new IllegalArgumentException(
              String.format(
                  "shape %s of %s needs %d bytes, the file declares %d and has %d left",
                  shape, type, needed, length, b.limit() - at));
        }
        ByteBuffer data = b.slice(at, length);
        out.add(new Stored(name, new Tensor(dataType, shape, littleEndian(data, order, dataType))));
        i = at + length;
      } catch (IndexOutOfBoundsException e) {
        throw new IllegalArgumentException(source + " is truncated inside array " + n, e);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            source + " is malformed: array " + n + " has " + e.getMessage(), e);
      }
    }
  }

  /**
   * The name of the parameter record ({@code 'P'}, version 1, the name as DJL's modified UTF-8)
   * that ends right before the array at {@code k}, or null if none does. Searched from the shortest
   * name up, no further back than {@code from}, where the previous array ended.
   */
  private static String parameterName(ByteBuffer b, int from, int k) {
    for (int len = 0; len <= MAX_NAME && k - len - 5 >= from; len++) {
      int at = k - len - 5;
      if (b.get(at) == 0
          && b.get(at + 1) == 'P'
          && b.get(at + 2) == 1
          && Short.toUnsignedInt(b.getShort(at + 3)) == len) {
        try {
          return new DataInputStream(new BufferInput(b.duplicate().position(at + 3))).readUTF();
        } catch (IOException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static ByteBuffer littleEndian(ByteBuffer data, ByteOrder order, DataType type) {
    int width = type.getNumOfBytes();
    if (order == ByteOrder.LITTLE_ENDIAN || width == 1) {
      return data;
    }
    byte[] swapped = new byte[data.remaining()];
    for (int e = 0; e < swapped.length; e += width) {
      for (int j = 0; j < width; j++) {
        swapped[e + j] = data.get(e + width - 1 - j);
      }
    }
    return ByteBuffer.wrap(swapped);
  }

  private static int find(ByteBuffer hay, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= hay.limit(); i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay.get(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Bytes in memory as a stream, for {@link DataInputStream}'s readers. */
  private static final class BufferInput extends InputStream {
    private final ByteBuffer buffer;

    BufferInput(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public int read() {
      return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (!buffer.hasRemaining()) {
        return -1;
      }
      int n = Math.min(len, buffer.remaining());
      buffer.get(b, off, n);
      return n;
    }
  }

  /** Counts the bytes read, to find the checksum's offset while the header is parsed. */
  private static final class CountingInput extends FilterInputStream {
    private long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count += b < 0 ? 0 : 1;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count += Math.max(n, 0);
      return n;
    }
  }
}
