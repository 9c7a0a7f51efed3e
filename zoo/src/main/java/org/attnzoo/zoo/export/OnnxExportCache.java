package org.attnzoo.zoo.export;

import ai.djl.nn.Block;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import org.attnzoo.export.OnnxGraph;

/**
 * ONNX exports made on the fly (weights run on ONNX Runtime), kept in DJL's cache folder so that
 * the next run loads the graph instead of exporting again.
 *
 * <p>An entry is keyed by the variant, the SHA-256 of the weights file and a fingerprint of the
 * code that wrote the graph (the class files of the exporter and of every block in the model), so
 * new weights or a changed exporter never reuse a stale graph. Entries are written atomically by
 * the exporter, so a reader never sees half a file.
 */
public final class OnnxExportCache {

  private final Path dir;

  /**
   * @param dir the folder holding the cached exports (created when needed)
   */
  public OnnxExportCache(Path dir) {
    this.dir = dir;
  }

  /**
   * @return the cache under DJL's cache folder ({@code DJL_CACHE_DIR}, default {@code ~/.djl.ai}):
   *     {@code attnzoo/onnx}
   */
  public static OnnxExportCache fromEnvironment() {
    return new OnnxExportCache(Utils.getCacheDir().resolve("attnzoo").resolve("onnx"));
  }

  /** Writes the export of a model into a file. */
  @FunctionalInterface
  public interface Export {

    /**
     * @param file where to write the {@code .onnx} model
     * @throws IOException if writing fails
     */
    void writeTo(Path file) throws IOException;
  }

  /**
   * The cached export of these weights, made by {@code export} when there is none.
   *
   * @param variant the variant name
   * @param weights the weights file the model was loaded from
   * @param model the model's block, for the exporter fingerprint
   * @param export writes the export (called only on a miss)
   * @return the {@code .onnx} file in the cache
   * @throws IOException if the weights cannot be read or the export cannot be written
   */
  public Path get(String variant, Path weights, Block model, Export export) throws IOException {
    Path file = path(variant, weights, model);
    if (!Files.isRegularFile(file)) {
      Files.createDirectories(file.getParent());
      export.writeTo(file);
    }
    return file;
  }

  /**
   * @param variant the variant name
   * @param weights the weights file
   * @param model the model's block
   * @return where the export of these weights by this code lives
   * @throws IOException if the weights cannot be read
   */
  public Path path(String variant, Path weights, Block model) throws IOException {
    String key = sha256(weights).substring(0, 24) + "-" + exporterFingerprint(model);
    return dir.resolve(variant).resolve(key + ".onnx");
  }

  /** The SHA-256 of a file's content, in hex. */
  static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * A digest of the class files that decide the graph: the exporter, the graph interface and the
   * class of every block in the model (each writes its own nodes).
   */
  static String exporterFingerprint(Block model) throws IOException {
    Set<String> classes = new TreeSet<>();
    classes.add(OnnxExporter.class.getName());
    classes.add(OnnxGraph.class.getName());
    Deque<Block> todo = new ArrayDeque<>();
    todo.push(model);
    while (!todo.isEmpty()) {
      Block block = todo.pop();
      for (Class<?> c = block.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
        classes.add(c.getName());
      }
      block.getChildren().values().forEach(todo::push);
    }
    MessageDigest digest = newDigest();
    for (String name : classes) {
      digest.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String resource = "/" + name.replace('.', '/') + ".class";
      try (InputStream in = OnnxExportCache.class.getResourceAsStream(resource)) {
        if (in != null) {
          digest.update(in.readAllBytes());
        }
      }
    }
    return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
