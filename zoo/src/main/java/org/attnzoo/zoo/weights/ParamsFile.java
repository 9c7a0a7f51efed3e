package org.attnzoo.zoo.weights;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

  /**
   * Reads a {@code .params} file into a freshly initialised block.
   *
   * @param manager the block's manager
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
    // Read whole and verified before DJL sees a byte: DJL trusts the shapes and lengths in the
    // stream, and a corrupted one may reach native code.
    byte[] all = in.readAllBytes();
    try (DataInputStream dis = new DataInputStream(new ByteArrayInputStream(all))) {
      long[] checksumAt = new long[1];
      Map<String, String> props = header(dis, source, checksumAt);
      verify(all, checksumAt[0], props, source);
      String saved = props.get(VARIANT);
      // A file saved by DJL's Model.save names no variant: it loads as the caller's variant, and
      // the shape check below still refuses another architecture.
      if (saved != null && !variant.equals(saved)) {
        throw new IllegalArgumentException(
            source + " holds weights of variant '" + saved + "', not '" + variant + "'");
      }
      checkArrays(all, all.length - dis.available(), source);
      Map<String, Shape> shapes = new LinkedHashMap<>();
      ParameterPaths.of(block).forEach((k, p) -> shapes.put(k, p.getArray().getShape()));
      try {
        block.loadParameters(manager, dis);
      } catch (NegativeArraySizeException | IndexOutOfBoundsException | OutOfMemoryError e) {
        // A file whose checksum matches but whose structure does not: a writer other than DJL.
        throw new IllegalArgumentException(
            source + " is malformed although its checksum matches (" + e + ")", e);
      }
      ParameterPaths.of(block)
          .forEach(
              (k, p) -> {
                if (!p.getArray().getShape().equals(shapes.get(k))) {
                  throw new IllegalArgumentException(
                      String.format(
                          "%s gives parameter %s the shape %s; %s needs %s",
                          source, k, p.getArray().getShape(), variant, shapes.get(k)));
                }
              });
      if (dis.read() != -1) {
        throw new IllegalArgumentException(
            source + " has trailing bytes: it does not match the architecture of " + variant);
      }
      return props;
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          source + " is truncated: it ends before all parameters of " + variant + " were read", e);
    } catch (UTFDataFormatException e) {
      throw new IllegalArgumentException(
          source + " is corrupt: a name in it is not valid text (" + e.getMessage() + ")", e);
    } catch (MalformedModelException | IllegalStateException | IllegalArgumentException e) {
      if (e instanceof IllegalArgumentException
          && e.getMessage() != null
          && e.getMessage().startsWith(source)) {
        throw (IllegalArgumentException) e;
      }
      throw new IllegalArgumentException(
          source + " does not match the architecture of " + variant + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks a file's CRC-32 ({@link #CHECKSUM}). Files written before the checksum existed have
   * none: they still load, with a warning that they could not be verified.
   */
  private static void verify(byte[] all, long at, Map<String, String> props, String source) {
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
    crc.update(all, 0, off);
    crc.update(PLACEHOLDER.getBytes(StandardCharsets.US_ASCII));
    crc.update(all, off + PLACEHOLDER.length(), all.length - off - PLACEHOLDER.length());
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

  /**
   * Checks every array encoding in the parameter section before DJL reads it (DJL's {@code
   * NDSerializer} layout: the {@code NDAR} magic, version, optional name, sparse format, data type,
   * shape, byte order, byte length, data). DJL trusts these fields: a length of 2^31 - 1 makes it
   * allocate 2 GB before reading, a shape that disagrees with the length gives a parameter of the
   * wrong size, a half type aborts the engine. Each array is walked past by its declared length, so
   * the data itself is never searched for the magic.
   */
  private static void checkArrays(byte[] b, int from, String source) {
    ByteBuffer bb = ByteBuffer.wrap(b);
    int i = from;
    int arrays = 0;
    while (true) {
      int k = find(b, ARRAY_MAGIC, i);
      if (k < 0) {
        return;
      }
      arrays++;
      try {
        int at = k + ARRAY_MAGIC.length;
        int version = bb.getInt(at);
        at += 4;
        if (version < 1 || version > 3) {
          throw new IllegalArgumentException("encoding version " + version);
        }
        if (version > 1 && b[at++] == 1) {
          at += 2 + Short.toUnsignedInt(bb.getShort(at));
        }
        at += 2 + Short.toUnsignedInt(bb.getShort(at)); // sparse format
        int typeLen = Short.toUnsignedInt(bb.getShort(at));
        String type = new String(b, at + 2, typeLen, StandardCharsets.UTF_8);
        at += 2 + typeLen;
        if (!ARRAY_TYPES.contains(type)) {
          throw new IllegalArgumentException("data type '" + type + "'");
        }
        int rank = bb.getInt(at);
        at += 4;
        if (rank < 0 || rank > 32) {
          throw new IllegalArgumentException("rank " + rank);
        }
        long[] dims = new long[rank];
        for (int d = 0; d < rank; d++, at += 8) {
          dims[d] = bb.getLong(at);
        }
        int layout = bb.getInt(at);
        if (layout < 0 || layout > 32) {
          throw new IllegalArgumentException("layout length " + layout);
        }
        at += 4 + 2 * layout;
        at += version > 2 ? 1 : 0;
        int length = bb.getInt(at);
        at += 4;
        long needed = Tensor.byteCount(DataType.valueOf(type), new Shape(dims));
        if (length != needed || length > b.length - at) {
          throw new IllegalArgumentException(
              "shape "
                  + new Shape(dims)
                  + " of "
                  + type
                  + " needs "
                  + needed
                  + " bytes, the"
                  + " file declares "
                  + length
                  + " and has "
                  + (b.length - at)
                  + " left");
        }
        i = at + length;
      } catch (IndexOutOfBoundsException e) {
        throw new IllegalArgumentException(source + " is truncated inside array " + arrays, e);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            source + " is malformed: array " + arrays + " has " + e.getMessage(), e);
      }
    }
  }

  private static int find(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
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
