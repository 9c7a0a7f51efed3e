package org.attnzoo.zoo.weights;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DJL's {@code .params} format (what {@code Model.save} writes: the {@code DJL@} header, then the
 * block's parameters by position), with the variant name stored as a property so that loading a
 * file into the wrong architecture fails with a clear message instead of a shape error deep in DJL.
 * Files written here load with plain DJL {@code Model.load} too.
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
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try {
      try (DataOutputStream dos =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        dos.writeBytes(MAGIC);
        dos.writeInt(VERSION);
        dos.writeUTF(variant);
        dos.writeUTF(DataType.FLOAT32.name());
        dos.writeInt(1);
        dos.writeUTF("image");
        dos.write(inputShape.getEncoded());
        Map<String, String> props = new LinkedHashMap<>(properties);
        props.put(VARIANT, variant);
        dos.writeInt(props.size());
        for (Map.Entry<String, String> e : props.entrySet()) {
          dos.writeUTF(e.getKey());
          dos.writeUTF(e.getValue());
        }
        block.saveParameters(dos);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads only the header's properties ({@link #VARIANT} always present).
   *
   * @param file a {@code .params} file
   * @return the properties
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if it is not a DJL params file or is truncated
   */
  public static Map<String, String> properties(Path file) throws IOException {
    try (DataInputStream dis =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      return header(dis, file.toString());
    } catch (EOFException e) {
      throw new IllegalArgumentException(file + " is truncated", e);
    }
  }

  // Everything before the parameters; the variant name falls back to the model name of files
  // written by plain DJL.
  private static Map<String, String> header(DataInputStream dis, String source) throws IOException {
    byte[] magic = new byte[4];
    dis.readFully(magic);
    if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
      throw new IllegalArgumentException(source + " is not a DJL .params file (no DJL@ header)");
    }
    int version = dis.readInt();
    if (version != VERSION) {
      throw new IllegalArgumentException(source + ": unsupported .params version " + version);
    }
    String savedName = dis.readUTF();
    dis.readUTF(); // data type
    int inputs = dis.readInt();
    for (int i = 0; i < inputs; i++) {
      dis.readUTF();
      Shape.decode(dis);
    }
    Map<String, String> props = new LinkedHashMap<>();
    int n = dis.readInt();
    for (int i = 0; i < n; i++) {
      props.put(dis.readUTF(), dis.readUTF());
    }
    props.putIfAbsent(VARIANT, savedName);
    return props;
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
    try (DataInputStream dis = new DataInputStream(new BufferedInputStream(in))) {
      Map<String, String> props = header(dis, source);
      String saved = props.get(VARIANT);
      if (!variant.equals(saved)) {
        throw new IllegalArgumentException(
            source + " holds weights of variant '" + saved + "', not '" + variant + "'");
      }
      block.loadParameters(manager, dis);
      if (dis.read() != -1) {
        throw new IllegalArgumentException(
            source + " has trailing bytes: it does not match the architecture of " + variant);
      }
      return props;
    } catch (EOFException e) {
      throw new IllegalArgumentException(source + " is truncated", e);
    } catch (MalformedModelException | IllegalStateException e) {
      throw new IllegalArgumentException(
          source + " does not match the architecture of " + variant + ": " + e.getMessage(), e);
    }
  }
}
