package org.attnzoo.zoo.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Safetensors files as the Hugging Face hub has them (BF16, F16, F64) and as a corrupted or crafted
 * header makes them (overlapping, sparse, oversized ranges).
 */
class SafeTensorsTest {

  @TempDir Path tmp;

  /**
   * Every parameter of a model loaded from a half or double file equals the value the file holds,
   * computed here independently of the reader (sign, exponent and mantissa through Math.scalb).
   * Before the conversion in Java, the PyTorch engine aborted the JVM on BF16 (SIGABRT).
   */
  @ParameterizedTest
  @ValueSource(strings = {"BF16", "F16", "F64"})
  void halfAndDoubleWeightsLoadExactly(String dtype) throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    CheckpointMapper mapper = CheckpointMappers.forFamily(v.family());
    Map<String, Tensor> shapes;
    try (Model fresh = AttnZoo.newModel(v, Device.cpu(), null)) {
      shapes = WeightImporter.export(fresh.getBlock(), mapper);
    }
    Random r = new Random(dtype.hashCode());
    Map<String, float[]> expected = new LinkedHashMap<>();
    Map<String, byte[]> raw = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : shapes.entrySet()) {
      int n = Math.toIntExact(e.getValue().shape().size());
      float[] want = new float[n];
      ByteBuffer b =
          ByteBuffer.allocate(n * (dtype.equals("F64") ? 8 : 2)).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        switch (dtype) {
          case "BF16" -> {
            int bits = randomFinite(r, 8, 7);
            b.putShort((short) bits);
            want[i] = value(bits, 8, 7);
          }
          case "F16" -> {
            int bits = randomFinite(r, 5, 10);
            b.putShort((short) bits);
            want[i] = value(bits, 5, 10);
          }
          default -> {
            double d = r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4);
            b.putDouble(d);
            want[i] = (float) d;
          }
        }
      }
      expected.put(e.getKey(), want);
      raw.put(e.getKey(), b.array());
    }
    Path file = tmp.resolve("w-" + dtype + ".safetensors");
    writeRaw(file, dtype, shapes, raw, null);
    try (Model m = AttnZoo.load(v, file.toString(), Device.cpu(), null)) {
      Map<String, Tensor> got = WeightImporter.export(m.getBlock(), mapper);
      for (Map.Entry<String, float[]> e : expected.entrySet()) {
        assertArrayEquals(e.getValue(), got.get(e.getKey()).toFloats(), e.getKey());
      }
    }
  }

  @Test
  void halfSpecialValuesConvertExactly() {
    short[] bits = {0x0000, (short) 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0x7bff, 0x7c00};
    float[] want = {
      0f, -0f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, 1f, 65504f, Float.POSITIVE_INFINITY
    };
    ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : bits) {
      b.putShort(s);
    }
    b.flip();
    float[] got = new Tensor(DataType.FLOAT16, new Shape(bits.length), b).toFloats();
    assertArrayEquals(want, got);
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(got[1]));
    ByteBuffer nan = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x7e00);
    nan.flip();
    assertTrue(Float.isNaN(new Tensor(DataType.FLOAT16, new Shape(1), nan).toFloats()[0]));
  }

  @Test
  void overlappingRangesAreRefusedNamingFileAndTensor() throws Exception {
    Path file = tmp.resolve("overlap.safetensors");
    // b starts inside a: reading b would silently return a's last value.
    writeHeader(file, "{\"a\":" + spec(0, 8) + ",\"b\":" + spec(4, 12) + "}", 12);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(
        e.getMessage().contains("'b'") && e.getMessage().contains("overlaps"), e.getMessage());
  }

  @Test
  void gapsAndTrailingBytesAreRefused() throws Exception {
    Path gap = tmp.resolve("gap.safetensors");
    writeHeader(gap, "{\"a\":" + spec(0, 8) + ",\"b\":" + spec(12, 20) + "}", 20);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(gap));
    assertTrue(
        e.getMessage().contains(gap.toString()) && e.getMessage().contains("'b'"), e.getMessage());
    Path trailing = tmp.resolve("trailing.safetensors");
    writeHeader(trailing, "{\"a\":" + spec(0, 8) + "}", 16);
    e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(trailing));
    assertTrue(e.getMessage().contains("'a'"), e.getMessage());
  }

  @Test
  void rangesBeyondTheBufferAndShapeOverflowAreRefused() throws Exception {
    Path beyond = tmp.resolve("beyond.safetensors");
    writeHeader(beyond, "{\"a\":" + spec(0, 8) + "}", 4);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(beyond));
    assertTrue(e.getMessage().contains(beyond.toString()) && e.getMessage().contains("'a'"));
    // 2^62 * 4 elements of 4 bytes wrap around to 0 bytes: must not pass as an empty tensor.
    Path wrap = tmp.resolve("wrap.safetensors");
    writeHeader(
        wrap,
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}",
        0);
    e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(wrap));
    assertTrue(e.getMessage().contains(wrap.toString()) && e.getMessage().contains("'a'"));
  }

  private static String spec(long begin, long end) {
    return "{\"dtype\":\"F32\",\"shape\":["
        + (end - begin) / 4
        + "],\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  // A random bit pattern of a binary float format with the given field widths, exponent not all
  // ones (finite).
  static int randomFinite(Random r, int expBits, int mantBits) {
    int max = (1 << expBits) - 1;
    int exp = r.nextInt(max);
    int mant = r.nextInt(1 << mantBits);
    int sign = r.nextBoolean() ? 1 : 0;
    return (sign << (expBits + mantBits)) | (exp << mantBits) | mant;
  }

  // The value of such a pattern, from the definition (subnormals included).
  static float value(int bits, int expBits, int mantBits) {
    int bias = (1 << (expBits - 1)) - 1;
    int mant = bits & ((1 << mantBits) - 1);
    int exp = (bits >>> mantBits) & ((1 << expBits) - 1);
    double m = exp == 0 ? mant / (double) (1 << mantBits) : 1 + mant / (double) (1 << mantBits);
    double v = Math.scalb(m, (exp == 0 ? 1 : exp) - bias);
    return (float) (((bits >>> (expBits + mantBits)) & 1) == 1 ? -v : v);
  }

  static void writeRaw(
      Path file, String dtype, Map<String, Tensor> shapes, Map<String, byte[]> raw, String extra)
      throws Exception {
    StringBuilder json = new StringBuilder("{");
    long offset = 0;
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> e : raw.entrySet()) {
      long[] dims = shapes.get(e.getKey()).shape().getShape();
      StringBuilder shape = new StringBuilder();
      for (long d : dims) {
        shape.append(shape.length() == 0 ? "" : ",").append(d);
      }
      json.append(json.length() == 1 ? "" : ",")
          .append(
              String.format(
                  "\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],\"data_offsets\":[%d,%d]}",
                  e.getKey(), dtype, shape, offset, offset + e.getValue().length));
      offset += e.getValue().length;
      data.write(e.getValue());
    }
    json.append("}");
    writeFile(file, json.toString(), data.toByteArray());
  }

  static void writeHeader(Path file, String json, int dataBytes) throws Exception {
    writeFile(file, json, new byte[dataBytes]);
  }

  static void writeFile(Path file, String json, byte[] data) throws Exception {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Files.write(file, b.array());
  }
}
