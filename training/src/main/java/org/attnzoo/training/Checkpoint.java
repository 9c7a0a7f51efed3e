package org.attnzoo.training;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import org.attnzoo.zoo.io.AtomicFiles;
import org.attnzoo.zoo.io.Tensor;

/**
 * A training checkpoint: weights, AdamW moments, EMA weights, epoch, step (schedule position) and
 * the random-number state, in one file.
 *
 * <p>Layout: {@code AZCKPT01}, a length-prefixed JSON header ({@link Meta}), the tensors (name,
 * dtype, shape, little-endian bytes), and a CRC-32 of everything before it. Files are written to a
 * temporary sibling, forced to disk and atomically renamed over the target, so a crash mid-write
 * leaves the previous checkpoint intact; loading verifies the checksum before anything is used.
 *
 * @param meta the header
 * @param tensors {@code model/<path>}, {@code adamw/m/<path>}, {@code adamw/v/<path>}, {@code
 *     ema/<path>}
 */
public record Checkpoint(Checkpoint.Meta meta, Map<String, Tensor> tensors) {

  private static final byte[] MAGIC = "AZCKPT01".getBytes(StandardCharsets.US_ASCII);
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  /**
   * Everything but the tensors.
   *
   * @param variant the variant trained
   * @param dataset what it was trained on
   * @param config the recipe
   * @param epochsDone completed epochs
   * @param steps training steps taken (the schedule position)
   * @param optimizerSteps AdamW updates applied (steps minus skipped non-finite ones)
   * @param rng random-number state
   * @param history metrics of the completed epochs
   * @param stage what else must match on resume besides variant and recipe (e.g. the ToSA stage,
   *     keep ratio, teacher and loss weights); null for a plain run
   */
  public record Meta(
      String variant,
      String dataset,
      TrainConfig config,
      int epochsDone,
      long steps,
      long optimizerSteps,
      RngState rng,
      List<EpochMetrics> history,
      String stage) {}

  /**
   * The random-number state. Every stream is re-derived from the seed and a counter (shuffle per
   * epoch, augmentation and the engine's generator per step, see {@code Seeds}), so these counters
   * are the complete state.
   *
   * @param seed run seed
   * @param nextEpoch the epoch whose shuffle comes next
   * @param nextStep the step whose augmentation and engine seed come next
   */
  public record RngState(long seed, int nextEpoch, long nextStep) {}

  /**
   * Writes atomically.
   *
   * @param file the target
   * @throws IOException if writing fails (the target then still holds the previous checkpoint)
   */
  public void save(Path file) throws IOException {
    save(file, UnaryOperator.identity());
  }

  /** As {@link #save(Path)}, with the output stream wrapped (tests simulate crashes with this). */
  void save(Path file, UnaryOperator<OutputStream> wrap) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    AtomicFiles.write(
        file,
        ch -> {
          CRC32 crc = new CRC32();
          // Not closed: closing would close the channel, which AtomicFiles still forces to disk.
          DataOutputStream out =
              new DataOutputStream(
                  new BufferedOutputStream(
                      wrap.apply(
                          new CrcStream(java.nio.channels.Channels.newOutputStream(ch), crc)),
                      1 << 16));
          out.write(MAGIC);
          byte[] json = GSON.toJson(meta).getBytes(StandardCharsets.UTF_8);
          out.writeInt(json.length);
          out.write(json);
          out.writeInt(tensors.size());
          for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            out.writeUTF(e.getKey());
            out.writeUTF(t.dataType().name());
            long[] dims = t.shape().getShape();
            out.writeInt(dims.length);
            for (long d : dims) {
              out.writeLong(d);
            }
            byte[] bytes = new byte[t.data().remaining()];
            t.data().duplicate().get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
          }
          out.flush();
          // The checksum covers every byte before it; written outside the checksummed stream.
          ByteBuffer tail = ByteBuffer.allocate(8).putLong(crc.getValue());
          tail.flip();
          while (tail.hasRemaining()) {
            ch.write(tail);
          }
        });
  }

  /**
   * Reads and verifies a checkpoint.
   *
   * @param file the file
   * @return the checkpoint
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException naming the file if it is not a checkpoint or is corrupt
   */
  public static Checkpoint load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("checkpoint not found: " + file);
    }
    byte[] all = Files.readAllBytes(file);
    if (all.length < MAGIC.length + 8
        || !java.util.Arrays.equals(java.util.Arrays.copyOf(all, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException(
          file + " is not an attnzoo checkpoint (no AZCKPT01 header)");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    long stored = ByteBuffer.wrap(all, all.length - 8, 8).getLong();
    if (stored != crc.getValue()) {
      throw new IllegalArgumentException(
          file + " is corrupt (checksum mismatch): it was damaged or only partly written");
    }
    // The checksum proves the bytes are the ones written, not that a writer wrote them right: a
    // crafted file with a valid checksum still gets every count bounded by the bytes that remain,
    // so it ends in a sentence, not a NegativeArraySizeException or OutOfMemoryError.
    int end = all.length - 8;
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(all, MAGIC.length, end - MAGIC.length))) {
      byte[] json = new byte[bounded(in.readInt(), in.available(), "header length")];
      in.readFully(json);
      Meta meta = GSON.fromJson(new String(json, StandardCharsets.UTF_8), Meta.class);
      if (meta == null || meta.variant() == null || meta.config() == null) {
        throw new IllegalArgumentException("its header lacks the variant or the recipe");
      }
      int n = bounded(in.readInt(), in.available(), "tensor count");
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        String typeName = in.readUTF();
        DataType type;
        try {
          type = DataType.valueOf(typeName);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "tensor '" + name + "' has unknown data type '" + typeName + "'", e);
        }
        long[] dims = new long[bounded(in.readInt(), 32, "rank of tensor '" + name + "'")];
        for (int d = 0; d < dims.length; d++) {
          dims[d] = in.readLong();
        }
        byte[] bytes =
            new byte[bounded(in.readInt(), in.available(), "byte count of tensor '" + name + "'")];
        in.readFully(bytes);
        try {
          tensors.put(
              name,
              new Tensor(
                  type, new Shape(dims), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
      }
      if (in.available() != 0) {
        throw new IllegalArgumentException(in.available() + " bytes follow the last tensor");
      }
      return new Checkpoint(meta, tensors);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          file
              + " is malformed although its checksum is valid ("
              + (e instanceof EOFException ? "it ends too early" : e.getMessage())
              + "): it was not written by attnzoo train; start a new run with --overwrite or"
              + " point --out elsewhere",
          e);
    }
  }

  private static int bounded(int n, int max, String what) {
    if (n < 0 || n > max) {
      throw new IllegalArgumentException(what + " " + n + " is outside 0.." + max);
    }
    return n;
  }

  /** Feeds every written byte to a checksum. */
  private static final class CrcStream extends java.io.FilterOutputStream {
    private final CRC32 crc;

    CrcStream(OutputStream out, CRC32 crc) {
      super(out);
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      crc.update(b);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      crc.update(b, off, len);
      out.write(b, off, len);
    }
  }
}
