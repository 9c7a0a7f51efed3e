package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The robustness suite's checkpoint reader (issue 18): damaged files (bit flips, random bytes,
 * truncations, shifts) and crafted ones (every size field at the integer limits, checksum
 * recomputed) must end in a clear error naming the file or in the original checkpoint: never an
 * exception without a sentence, an OutOfMemoryError or a different checkpoint. Same soak switches
 * as the zoo's reader suite: {@code -Dattnzoo.soak=true}, {@code -Dattnzoo.soak.factor}, {@code
 * -Dattnzoo.fuzz.seed}.
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class CheckpointFuzzTest {

  private static final boolean SOAK = Boolean.getBoolean("attnzoo.soak");
  private static final long[] LIMITS = {
    0,
    1,
    -1,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE,
    Integer.MAX_VALUE + 1L,
    0xffffffffL,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    1L << 62
  };
  // clear errors, right answers, crashes, silent wrong results
  private static final Map<String, long[]> COUNTS = new LinkedHashMap<>();
  private static final List<String> FAILURES = new ArrayList<>();

  @TempDir static Path tmp;

  private static int cases(int normal) {
    return SOAK ? normal * Integer.getInteger("attnzoo.soak.factor", 40) : normal;
  }

  private static long seed() {
    Long given = Long.getLong("attnzoo.fuzz.seed");
    return given != null ? given : SOAK ? System.nanoTime() : 18L;
  }

  static Checkpoint original() {
    Random r = new Random(1);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : new String[] {"model/a", "adamw/m/a", "adamw/v/a", "model/b"}) {
      Shape s = name.endsWith("b") ? new Shape(7) : new Shape(3, 5);
      ByteBuffer b = ByteBuffer.allocate((int) s.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < s.size(); i++) {
        b.putFloat((float) r.nextGaussian());
      }
      b.flip();
      tensors.put(name, new Tensor(DataType.FLOAT32, s, b));
    }
    List<EpochMetrics> history = new ArrayList<>();
    return new Checkpoint(
        new Checkpoint.Meta(
            "vit_micro_patch4_32",
            "synthetic",
            TrainConfig.defaults(),
            2,
            20L,
            19L,
            new Checkpoint.RngState(42, 2, 20L),
            history,
            null),
        tensors);
  }

  private static boolean same(Checkpoint a, Checkpoint b) {
    if (!a.meta().equals(b.meta()) || !a.tensors().keySet().equals(b.tensors().keySet())) {
      return false;
    }
    for (String k : a.tensors().keySet()) {
      Tensor x = a.tensors().get(k);
      Tensor y = b.tensors().get(k);
      if (x.dataType() != y.dataType()
          || !x.shape().equals(y.shape())
          || !x.data().equals(y.data())) {
        return false;
      }
    }
    return true;
  }

  private static void run(String cat, Path file, byte[] bytes, String what, Checkpoint want)
      throws IOException {
    Files.write(file, bytes);
    int o;
    String detail = "";
    try {
      o = same(Checkpoint.load(file), want) ? 1 : 3;
    } catch (IllegalArgumentException e) {
      o = String.valueOf(e.getMessage()).contains(file.toString()) ? 0 : 2;
      detail = e.toString();
    } catch (Exception | Error e) {
      o = 2;
      detail = e.toString();
    }
    COUNTS.computeIfAbsent(cat, k -> new long[4])[o]++;
    if (o >= 2 && FAILURES.size() < 10) {
      FAILURES.add(cat + ": " + what + " -> " + (o == 2 ? "crash " + detail : "silent wrong"));
    }
  }

  private static void reseal(byte[] all) {
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    ByteBuffer.wrap(all, all.length - 8, 8).putLong(crc.getValue());
  }

  // Every size field of the layout, as {offset, width}: the header length, the tensor count, and
  // per tensor the name and type lengths, the rank, each dimension and the byte count.
  private static List<int[]> sizeFields(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b);
    List<int[]> out = new ArrayList<>();
    out.add(new int[] {8, 4});
    int i = 12 + bb.getInt(8);
    out.add(new int[] {i, 4});
    int n = bb.getInt(i);
    i += 4;
    for (int t = 0; t < n; t++) {
      out.add(new int[] {i, 2});
      i += 2 + bb.getShort(i);
      out.add(new int[] {i, 2});
      i += 2 + bb.getShort(i);
      out.add(new int[] {i, 4});
      int rank = bb.getInt(i);
      i += 4;
      for (int d = 0; d < rank; d++, i += 8) {
        out.add(new int[] {i, 8});
      }
      out.add(new int[] {i, 4});
      i += 4 + bb.getInt(i);
    }
    return out;
  }

  @Test
  void damagedAndCraftedCheckpoints() throws Exception {
    Checkpoint want = original();
    Path orig = tmp.resolve("orig.ckpt");
    want.save(orig);
    byte[] base = Files.readAllBytes(orig);
    List<int[]> fields = sizeFields(base);
    Path file = tmp.resolve("case.ckpt");
    Random r = new Random(seed());
    String damaged = "checkpoint: bit flips, random bytes, truncation, shifts";
    for (int c = 0, n = cases(300); c < n; c++) {
      byte[] m = base.clone();
      String what;
      switch (r.nextInt(4)) {
        case 0 -> {
          int bits = new int[] {1, 8, 64}[r.nextInt(3)];
          for (int k = 0; k < bits; k++) {
            m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
          }
          what = bits + " bit flips";
        }
        case 1 -> {
          for (int k = 0; k < 64; k++) {
            m[r.nextInt(m.length)] = (byte) r.nextInt(256);
          }
          what = "64 random bytes";
        }
        case 2 -> {
          m = Arrays.copyOf(base, r.nextInt(base.length));
          what = "truncated to " + m.length;
        }
        default -> {
          int at = r.nextInt(base.length);
          m = new byte[base.length + 1];
          System.arraycopy(base, 0, m, 0, at);
          m[at] = (byte) r.nextInt(256);
          System.arraycopy(base, at, m, at + 1, base.length - at);
          what = "byte inserted at " + at;
        }
      }
      run(damaged, file, m, what, want);
    }
    String crafted = "checkpoint crafted: size fields at limits, checksum recomputed";
    for (int c = 0, n = cases(300); c < n; c++) {
      int[] f = fields.get(r.nextInt(fields.size()));
      long v = LIMITS[r.nextInt(LIMITS.length)];
      byte[] m = base.clone();
      ByteBuffer bb = ByteBuffer.wrap(m);
      switch (f[1]) {
        case 8 -> bb.putLong(f[0], v);
        case 4 -> bb.putInt(f[0], (int) v);
        default -> bb.putShort(f[0], (short) v);
      }
      reseal(m);
      run(crafted, file, m, f[1] + "-byte field at " + f[0] + " = " + v, want);
    }
    assertEquals(List.of(), FAILURES);
  }

  @AfterAll
  static void report() throws IOException {
    StringBuilder b =
        new StringBuilder(
            "## readers: checkpoint"
                + (SOAK ? " (soak)" : "")
                + "\n\n| category | cases tried | clear errors | right answers | crashes | silent"
                + " wrong results |\n|---|---:|---:|---:|---:|---:|\n");
    COUNTS.forEach(
        (k, c) ->
            b.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %d | %d |%n",
                    k,
                    c[0] + c[1] + c[2] + c[3],
                    c[0],
                    c[1],
                    c[2],
                    c[3])));
    System.out.println(b);
    Path out = Path.of("target", "robustness.md");
    Files.createDirectories(out.getParent());
    Files.writeString(
        out,
        b + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }
}
