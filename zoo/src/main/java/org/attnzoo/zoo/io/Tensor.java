package org.attnzoo.zoo.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A host-side tensor read from or written to a file: a data type, a shape and little-endian bytes.
 *
 * @param dataType element type
 * @param shape dimensions
 * @param data little-endian element bytes, {@code shape.size() * dataType.getNumOfBytes()} long
 */
public record Tensor(DataType dataType, Shape shape, ByteBuffer data) {

  /**
   * Checks that the byte count matches the shape. The count is computed with overflow checks: a
   * crafted shape whose element count wraps around a {@code long} must not match a short buffer.
   */
  public Tensor {
    long expected = byteCount(dataType, shape);
    if (data.remaining() != expected) {
      throw new IllegalArgumentException(
          String.format(
              "tensor of %s %s needs %d bytes, got %d",
              dataType, shape, expected, data.remaining()));
    }
    data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The number of data bytes a tensor of this type and shape needs.
   *
   * @param dataType element type
   * @param shape dimensions, none negative
   * @return the byte count
   * @throws IllegalArgumentException if a dimension is negative or the count overflows a long
   */
  public static long byteCount(DataType dataType, Shape shape) {
    long n = dataType.getNumOfBytes();
    for (long d : shape.getShape()) {
      if (d < 0) {
        throw new IllegalArgumentException("shape " + shape + " has a negative dimension");
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "shape " + shape + " of " + dataType + " needs more than 2^63 bytes", e);
      }
    }
    return n;
  }

  /**
   * The same values as float32, converted here in Java. DJL cannot be trusted with half types: the
   * PyTorch engine aborts the JVM on {@code NDManager.create(buffer, BFLOAT16)}. Every conversion
   * is exact except float64, which rounds to nearest-even exactly as PyTorch's {@code .float()}.
   *
   * @return this tensor if it is float32 already, else a new float32 tensor of the same shape
   * @throws IllegalArgumentException if the type is not a number type
   */
  public Tensor toFloat32() {
    if (dataType == DataType.FLOAT32) {
      return this;
    }
    float[] values = toFloats();
    ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    out.asFloatBuffer().put(values);
    return new Tensor(DataType.FLOAT32, shape, out);
  }

  /**
   * Converts an IEEE 754 half-precision value exactly (every float16 is a float32).
   *
   * @param bits the 16 bits
   * @return the value
   */
  static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) { // infinity or NaN: keep the payload
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) { // zero or subnormal: mant * 2^-24, exact in float32
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /**
   * @param manager where the array lives
   * @return a new array with this tensor's values (same dtype)
   */
  public NDArray toNDArray(NDManager manager) {
    ByteBuffer copy = manager.allocateDirect(data.remaining());
    copy.put(data.duplicate());
    copy.rewind();
    return manager.create(copy, shape, dataType);
  }

  /**
   * @param array an array (any device)
   * @return its values as a tensor
   */
  public static Tensor of(NDArray array) {
    ByteBuffer bytes = array.toByteBuffer();
    ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(bytes.order(ByteOrder.nativeOrder()));
    copy.flip();
    return new Tensor(array.getDataType(), array.getShape(), copy);
  }

  /**
   * @return the values as float32 (float64, float16, bfloat16, integer and boolean types are
   *     converted; see {@link #toFloat32})
   * @throws IllegalArgumentException if the type has no float value or the tensor has more than
   *     2^31 - 1 elements
   */
  public float[] toFloats() {
    long count = shape.size();
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "tensor " + shape + " has too many elements for one Java array");
    }
    int n = (int) count;
    float[] out = new float[n];
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (dataType) {
            case FLOAT32 -> b.getFloat();
            case FLOAT64 -> (float) b.getDouble();
            case INT64 -> b.getLong();
            case INT32 -> b.getInt();
            case FLOAT16 -> halfToFloat(Short.toUnsignedInt(b.getShort()));
            // bfloat16 is the upper half of a float32
            case BFLOAT16 -> Float.intBitsToFloat(Short.toUnsignedInt(b.getShort()) << 16);
            case UINT8, BOOLEAN -> Byte.toUnsignedInt(b.get());
            case INT8 -> b.get();
            default ->
                throw new IllegalArgumentException("cannot convert " + dataType + " to float");
          };
    }
    return out;
  }
}
