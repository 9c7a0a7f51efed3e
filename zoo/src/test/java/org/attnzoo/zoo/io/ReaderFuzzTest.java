package org.attnzoo.zoo.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.export.OnnxExporter;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.ParamsFile;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The robustness suite's readers (issue 18): seeded random truncations, bit flips, header edits and
 * size fields at the integer limits against the safetensors, {@code .params}, {@code .npy} and ONNX
 * readers, each through the path a user's file takes (into a model, or through ONNX Runtime). Every
 * case must end in a clear error naming the file or in the original's exact values: never a crash,
 * a hang or a different answer. Mutations of tensor data in formats without a checksum
 * (safetensors, {@code .npy}) are not generated: no reader can tell them from real values.
 *
 * <p>Seconds in the normal build; {@code -Dattnzoo.soak=true} runs 40 times as many cases with a
 * random seed ({@code -Dattnzoo.soak.factor}, {@code -Dattnzoo.fuzz.seed}) and prints the table,
 * also appended to {@code target/robustness.md}.
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class ReaderFuzzTest {

  private static final String VIT = "vit_micro_patch4_32";

  @TempDir static Path tmp;
  static Variant v;
  static Model source;
  static Model target;

  @BeforeAll
  static void models() {
    v = Variants.get(VIT);
    source = AttnZoo.newModel(v, Device.cpu(), null);
    target = AttnZoo.newModel(v, Device.cpu(), null);
    System.out.println("fuzz seed " + FuzzTally.seed());
  }

  @AfterAll
  static void report() {
    source.close();
    target.close();
    FuzzTally.report("readers: safetensors, .params, .npy, ONNX");
  }

  private static boolean sameFloats(Map<String, Tensor> got, Map<String, float[]> want) {
    if (!got.keySet().equals(want.keySet())) {
      return false;
    }
    for (Map.Entry<String, float[]> e : want.entrySet()) {
      if (!Arrays.equals(e.getValue(), got.get(e.getKey()).toFloats())) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, float[]> floats(Map<String, Tensor> tensors) {
    Map<String, float[]> out = new LinkedHashMap<>();
    tensors.forEach((k, t) -> out.put(k, t.toFloats()));
    return out;
  }

  private static void assertNoFailures(String category) {
    assertEquals("", FuzzTally.failures(category), FuzzTally.table());
  }

  @Test
  void safetensors() throws Exception {
    String cat = "safetensors: header bits, header numbers, length field, truncation";
    CheckpointMapper mapper = CheckpointMappers.forFamily(v.family());
    Map<String, Tensor> w = WeightImporter.export(source.getBlock(), mapper);
    // A BF16 copy too, as the hub has them: the Java conversion is on the fuzzed path.
    Map<String, Tensor> bf = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : w.entrySet()) {
      float[] f = e.getValue().toFloats();
      ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      for (float x : f) {
        b.putShort((short) (Float.floatToRawIntBits(x) >>> 16));
      }
      b.flip();
      bf.put(e.getKey(), new Tensor(DataType.BFLOAT16, e.getValue().shape(), b));
    }
    Path p32 = tmp.resolve("f32.safetensors");
    Path pbf = tmp.resolve("bf16.safetensors");
    SafeTensors.write(w, p32);
    SafeTensors.write(bf, pbf);
    byte[][] bases = {Files.readAllBytes(p32), Files.readAllBytes(pbf)};
    Map<String, float[]>[] expected = new Map[] {floats(w), floats(bf)};
    Path file = tmp.resolve("case.safetensors");
    Random r = new Random(FuzzTally.seed());
    for (int i = 0, n = FuzzTally.cases(250); i < n; i++) {
      int which = r.nextInt(2);
      byte[] base = bases[which];
      int headerLen = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      int end = 8 + headerLen;
      byte[] m;
      String what;
      switch (r.nextInt(5)) {
        case 0 -> {
          m = FuzzTally.flipBits(base, r, 1 + r.nextInt(3), 0, end);
          what = "header bit flips";
        }
        case 1 -> {
          m = FuzzTally.truncate(base, r);
          what = "truncated to " + m.length;
        }
        case 2 -> {
          m = FuzzTally.sizeField(base, r, 0, 8, ByteOrder.LITTLE_ENDIAN);
          what = "header length " + ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        }
        case 3 -> {
          String h = new String(base, 8, headerLen, StandardCharsets.UTF_8);
          String edited = FuzzTally.editNumber(h, r);
          m = withHeader(edited.getBytes(StandardCharsets.UTF_8), base, end);
          what = "header number edit";
        }
        default -> {
          m = FuzzTally.shift(base, r, 0, end);
          what = "header byte inserted or deleted";
        }
      }
      Files.write(file, m);
      Map<String, float[]> want = expected[which];
      FuzzTally.run(
          cat,
          file,
          what,
          () -> {
            AttnZoo.loadWeights(target, v, file);
            return WeightImporter.export(target.getBlock(), mapper);
          },
          got -> sameFloats(got, want));
    }
    assertNoFailures(cat);
  }

  private static byte[] withHeader(byte[] header, byte[] base, int dataStart) {
    ByteBuffer b =
        ByteBuffer.allocate(8 + header.length + base.length - dataStart)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header).put(base, dataStart, base.length - dataStart);
    return b.array();
  }

  @Test
  void params() throws Exception {
    String cat = ".params: bit flips, 64 random bytes, truncation, size fields, shifts";
    Path orig = tmp.resolve("orig.params");
    ParamsFile.save(
        source.getBlock(), VIT, v.config().inputShape(1), Map.of("dataset", "fuzz"), orig);
    byte[] base = Files.readAllBytes(orig);
    Map<String, float[]> want =
        floats(WeightImporter.export(source.getBlock(), CheckpointMapper.IDENTITY));
    int[] fields = headerIntFields(base);
    Path file = tmp.resolve("case.params");
    Random r = new Random(FuzzTally.seed() + 1);
    for (int i = 0, n = FuzzTally.cases(150); i < n; i++) {
      byte[] m;
      String what;
      switch (r.nextInt(5)) {
        case 0 -> {
          int bits = new int[] {1, 8, 64}[r.nextInt(3)];
          m = FuzzTally.flipBits(base, r, bits, 0, base.length);
          what = bits + " bit flips";
        }
        case 1 -> {
          m = FuzzTally.randomBytes(base, r, 64, 0, base.length);
          what = "64 random bytes";
        }
        case 2 -> {
          m = FuzzTally.truncate(base, r);
          what = "truncated to " + m.length;
        }
        case 3 -> {
          int at =
              r.nextBoolean() ? fields[r.nextInt(fields.length)] : r.nextInt(base.length - 4) & ~3;
          m = FuzzTally.sizeField(base, r, at, 4, ByteOrder.BIG_ENDIAN);
          what = "int at " + at + " set to a limit";
        }
        default -> {
          m = FuzzTally.shift(base, r, 0, base.length);
          what = "byte inserted or deleted";
        }
      }
      Files.write(file, m);
      try (Model into = AttnZoo.newModel(v, Device.cpu(), null)) {
        paramsCase(into, cat, file, m, what, want);
      }
    }
    assertNoFailures(cat);
  }

  // DJL's loader replaces the block's arrays with ones from the given manager: each case gets a
  // scope, and the params tests their own model (its arrays die with the scopes).
  private static void paramsCase(
      Model into, String cat, Path file, byte[] bytes, String what, Map<String, float[]> want) {
    try (NDManager scope = into.getNDManager().newSubManager()) {
      FuzzTally.run(
          cat,
          file,
          what,
          () -> {
            ParamsFile.load(
                scope, into.getBlock(), VIT, new ByteArrayInputStream(bytes), file.toString());
            return WeightImporter.export(into.getBlock(), CheckpointMapper.IDENTITY);
          },
          got -> sameFloats(got, want));
    }
  }

  /**
   * Files with a valid checksum whose structure was edited, as a hostile writer would: every size
   * field DJL trusts (counts, shapes, byte lengths) is set to a limit and the CRC recomputed.
   */
  @Test
  void craftedParams() throws Exception {
    String cat = ".params crafted: size fields at limits, checksum recomputed";
    Path orig = tmp.resolve("orig2.params");
    ParamsFile.save(source.getBlock(), VIT, v.config().inputShape(1), Map.of(), orig);
    byte[] base = Files.readAllBytes(orig);
    Map<String, float[]> want =
        floats(WeightImporter.export(source.getBlock(), CheckpointMapper.IDENTITY));
    int checksumAt = indexOf(base, ParamsFile.CHECKSUM.getBytes(StandardCharsets.US_ASCII)) + 15;
    // Every size field: the header's counts and, per array, DJL's encoding version, rank, each
    // dimension, layout length and byte length.
    java.util.List<int[]> fields = new java.util.ArrayList<>();
    for (int f : headerIntFields(base)) {
      fields.add(new int[] {f, 4});
    }
    fields.addAll(arrayFields(base));
    Path file = tmp.resolve("crafted.params");
    Random r = new Random(FuzzTally.seed() + 2);
    for (int i = 0, n = FuzzTally.cases(120); i < n; i++) {
      int[] f = fields.get(r.nextInt(fields.size()));
      byte[] m = FuzzTally.sizeField(base, r, f[0], f[1], ByteOrder.BIG_ENDIAN);
      reseal(m, checksumAt);
      Files.write(file, m);
      try (Model into = AttnZoo.newModel(v, Device.cpu(), null)) {
        paramsCase(
            into,
            cat,
            file,
            m,
            f[1] + "-byte field at " + f[0] + " set to a limit, resealed",
            want);
      }
    }
    assertNoFailures(cat);
  }

  // The size fields of DJL's NDArray encoding (NDSerializer): after the "NDAR" magic, version int,
  // a name flag byte (and name), the sparse format and data type strings, the shape (rank, dims,
  // layout length, layout chars), a byte-order byte, then the byte length.
  private static java.util.List<int[]> arrayFields(byte[] b) {
    java.util.List<int[]> out = new java.util.ArrayList<>();
    ByteBuffer bb = ByteBuffer.wrap(b);
    byte[] magic = "NDAR".getBytes(StandardCharsets.US_ASCII);
    for (int k = 0; k + 4 <= b.length; k++) {
      if (b[k] != magic[0]
          || b[k + 1] != magic[1]
          || b[k + 2] != magic[2]
          || b[k + 3] != magic[3]
          || bb.getShort(k - 2) != 4) {
        continue;
      }
      int i = k + 4;
      int version = bb.getInt(i);
      out.add(new int[] {i, 4});
      i += 4;
      if (version > 1 && b[i++] == 1) {
        i += 2 + bb.getShort(i);
      }
      i += 2 + bb.getShort(i); // sparse format
      i += 2 + bb.getShort(i); // data type
      out.add(new int[] {i, 4});
      int rank = bb.getInt(i);
      i += 4;
      for (int d = 0; d < rank; d++, i += 8) {
        out.add(new int[] {i, 8});
      }
      out.add(new int[] {i, 4});
      i += 4 + 2 * bb.getInt(i);
      if (version > 2) {
        i++;
      }
      out.add(new int[] {i, 4});
      k = i + 4 + bb.getInt(i) - 1;
    }
    return out;
  }

  private static void reseal(byte[] m, int checksumAt) {
    byte[] zero = "00000000".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(zero, 0, m, checksumAt, 8);
    CRC32 crc = new CRC32();
    crc.update(m);
    byte[] hex = String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(hex, 0, m, checksumAt, 8);
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("not found");
  }

  // Offsets of the header's int counts: inputs, shape dimensions, layout length, properties.
  private static int[] headerIntFields(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b);
    int i = 8;
    i += 2 + bb.getShort(i); // name
    i += 2 + bb.getShort(i); // data type
    int inputs = i;
    i += 4;
    i += 2 + bb.getShort(i); // input name
    int dims = i;
    i += 4 + 8 * bb.getInt(i);
    int layout = i;
    i += 4 + 2 * bb.getInt(i);
    return new int[] {inputs, dims, layout, i};
  }

  @Test
  void npy() throws Exception {
    String cat = ".npy: header bits, header numbers, length and version fields, truncation";
    Random r = new Random(FuzzTally.seed() + 3);
    float[] values = new float[2 * 32 * 32];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) r.nextGaussian();
    }
    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    Tensor orig = new Tensor(DataType.FLOAT32, new Shape(2, 1, 32, 32), data);
    ByteArrayOutputStream os = new ByteArrayOutputStream();
    Npy.write(orig, os);
    byte[] base = os.toByteArray();
    int headerLen = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getShort(8);
    int end = 10 + headerLen;
    Path file = tmp.resolve("case.npy");
    for (int i = 0, n = FuzzTally.cases(300); i < n; i++) {
      byte[] m;
      String what;
      switch (r.nextInt(6)) {
        case 0 -> {
          m = FuzzTally.flipBits(base, r, 1 + r.nextInt(3), 0, end);
          what = "header bit flips";
        }
        case 1 -> {
          m = FuzzTally.truncate(base, r);
          what = "truncated to " + m.length;
        }
        case 2 -> {
          m = FuzzTally.sizeField(base, r, 8, 2, ByteOrder.LITTLE_ENDIAN);
          what = "header length field at a limit";
        }
        case 3 -> {
          m = base.clone();
          m[6] = (byte) r.nextInt(256);
          if (m[6] >= 2 && m[6] <= 3) {
            m = FuzzTally.sizeField(m, r, 8, 4, ByteOrder.LITTLE_ENDIAN);
          }
          what = "version " + m[6];
        }
        case 4 -> {
          String h = new String(base, 10, headerLen, StandardCharsets.ISO_8859_1);
          byte[] e = FuzzTally.editNumber(h, r).getBytes(StandardCharsets.ISO_8859_1);
          ByteBuffer b =
              ByteBuffer.allocate(10 + e.length + base.length - end).order(ByteOrder.LITTLE_ENDIAN);
          b.put(base, 0, 8).putShort((short) e.length).put(e).put(base, end, base.length - end);
          m = b.array();
          what = "header number edit: " + new String(e, StandardCharsets.ISO_8859_1).trim();
        }
        default -> {
          m = FuzzTally.shift(base, r, 0, end);
          what = "header byte inserted or deleted";
        }
      }
      Files.write(file, m);
      FuzzTally.run(
          cat,
          file,
          what,
          () -> Npy.read(file),
          got ->
              got.dataType() == DataType.FLOAT32
                  && got.shape().equals(orig.shape())
                  && got.data().equals(orig.data()));
    }
    assertNoFailures(cat);
  }

  @Test
  void onnx() throws Exception {
    String cat = "ONNX: bit flips, random bytes, truncation, varint lengths";
    byte[] base =
        OnnxExporter.toModel(source.getBlock(), v.config().inputShape(), VIT).toByteArray();
    Path orig = tmp.resolve("orig.onnx");
    Files.write(orig, base);
    Random r = new Random(FuzzTally.seed() + 4);
    float[] x = new float[2 * 32 * 32];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] want = runOnnx(orig, x);
    Path file = tmp.resolve("case.onnx");
    for (int i = 0, n = FuzzTally.cases(120); i < n; i++) {
      byte[] m;
      String what;
      switch (r.nextInt(4)) {
        case 0 -> {
          int bits = 1 + r.nextInt(8);
          m = FuzzTally.flipBits(base, r, bits, 0, base.length);
          what = bits + " bit flips";
        }
        case 1 -> {
          m = FuzzTally.randomBytes(base, r, 8, 0, base.length);
          what = "8 random bytes";
        }
        case 2 -> {
          m = FuzzTally.truncate(base, r);
          what = "truncated to " + m.length;
        }
        default -> {
          // A varint length of 2^32 - 1 or 2^63 - 1 written over the bytes at a random place.
          m = base.clone();
          int at = r.nextInt(base.length - 10);
          byte[] varint =
              r.nextBoolean()
                  ? new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}
                  : new byte[] {
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    0x7f
                  };
          System.arraycopy(varint, 0, m, at, varint.length);
          what = "varint limit at " + at;
        }
      }
      Files.write(file, m);
      FuzzTally.run(cat, file, what, () -> runOnnx(file, x), got -> Arrays.equals(got, want));
    }
    assertNoFailures(cat);
  }

  private static float[] runOnnx(Path file, float[] x) throws Exception {
    try (Model m = AttnZoo.loadOnnxRuntime(v, file.toString(), Device.cpu());
        NDManager scope = m.getNDManager().newSubManager();
        Predictor<NDList, NDList> p = m.newPredictor(new NoopTranslator())) {
      return p.predict(new NDList(scope.create(x, new Shape(2, 1, 32, 32))))
          .singletonOrThrow()
          .toFloatArray();
    }
  }
}
