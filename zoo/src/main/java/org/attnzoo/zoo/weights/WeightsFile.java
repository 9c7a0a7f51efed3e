package org.attnzoo.zoo.weights;

import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.runtime.Autograd;

/**
 * A weights file, read once: the file is opened and mapped a single time, its format recognised
 * from its first bytes (not its name), and everything the loaders ask of it (a {@code .params}
 * header's properties, the tensors) comes from that one mapping. The tensors are slices of it, not
 * copies; they are copied once more, into the model's own arrays, by {@link #fill}.
 */
public final class WeightsFile {

  /** The two formats attnzoo reads. */
  public enum Format {
    /** DJL's {@code .params} ({@link ParamsFile}): parameters in DJL's order. */
    PARAMS,
    /** A safetensors state dict (timm's layout, mapped by the family's checkpoint mapper). */
    SAFETENSORS
  }

  private final Path file;
  private final Format format;
  private final ParamsFile.Contents params;
  private final Map<String, Tensor> tensors;

  private WeightsFile(
      Path file, Format format, ParamsFile.Contents params, Map<String, Tensor> tensors) {
    this.file = file;
    this.format = format;
    this.params = params;
    this.tensors = tensors;
  }

  /**
   * Reads a weights file: validated whole (a {@code .params} file's checksum and records, a
   * safetensors header against the file's size) before any model sees it.
   *
   * @param file a {@code .params} or {@code .safetensors} file
   * @return the file's contents
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException naming the file if it is missing, damaged or malformed
   */
  public static WeightsFile read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("weights file not found: " + file);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer bytes = SafeTensors.map(ch, file);
      if (isParams(bytes)) {
        return new WeightsFile(file, Format.PARAMS, ParamsFile.read(bytes, file.toString()), null);
      }
      return new WeightsFile(file, Format.SAFETENSORS, null, SafeTensors.read(bytes, file));
    }
  }

  // DJL's .params files begin with "DJL@"; a safetensors file with its header's length.
  private static boolean isParams(ByteBuffer bytes) {
    byte[] magic = "DJL@".getBytes(StandardCharsets.US_ASCII);
    if (bytes.remaining() < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (bytes.get(bytes.position() + i) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * @return the file as given
   */
  public Path file() {
    return file;
  }

  /**
   * @return the format found in the file
   */
  public Format format() {
    return format;
  }

  /**
   * @return a {@code .params} header's properties (e.g. {@link ParamsFile#VARIANT}); empty for a
   *     safetensors file
   */
  public Map<String, String> properties() {
    return params == null ? Map.of() : params.properties();
  }

  /**
   * Fills an initialised block of the variant, all or nothing: every parameter must find its value
   * with its shape, or the block is left unchanged and the error, naming the file, lists every
   * problem.
   *
   * @param block an initialised block
   * @param variant the variant's name ({@code .params} files record theirs)
   * @param family the variant's family, whose checkpoint mapper reads a state dict
   * @throws IllegalArgumentException naming the file if the weights do not fit
   */
  public void fill(Block block, String variant, String family) {
    // Copying into parameters that require gradients must not be recorded, on any thread.
    Autograd.off(block, () -> fillParameters(block, variant, family));
  }

  private void fillParameters(Block block, String variant, String family) {
    String source = file.toString();
    if (format == Format.PARAMS) {
      ParamsFile.fill(block, params, variant, source);
      return;
    }
    try {
      WeightImporter.load(block, tensors, CheckpointMappers.forFamily(family));
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(source)) {
        throw e;
      }
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }
}
