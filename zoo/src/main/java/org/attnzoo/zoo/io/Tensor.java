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

  /** Checks that the byte count matches the shape. */
  public Tensor {
    long expected = shape.size() * dataType.getNumOfBytes();
    if (data.remaining() != expected) {
      throw new IllegalArgumentException(
          String.format(
              "tensor of %s %s needs %d bytes, got %d",
              dataType, shape, expected, data.remaining()));
    }
    data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
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
   * @return the values as float32 (float64 and integer types are converted)
   */
  public float[] toFloats() {
    int n = Math.toIntExact(shape.size());
    float[] out = new float[n];
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (dataType) {
            case FLOAT32 -> b.getFloat();
            case FLOAT64 -> (float) b.getDouble();
            case INT64 -> b.getLong();
            case INT32 -> b.getInt();
            default -> throw new IllegalStateException("cannot convert " + dataType + " to float");
          };
    }
    return out;
  }
}
