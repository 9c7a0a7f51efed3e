package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Copies host bytes into an existing array in place (the array keeps its identity and flags). */
public final class HostCopy {

  private static final NDIndex ALL = new NDIndex("...");

  private HostCopy() {}

  /**
   * Copies into the array's own storage. {@code NDArray.set(Buffer)} is avoided on purpose: the
   * PyTorch engine makes the tensor point at the Java buffer's memory instead of copying it.
   *
   * @param target the array to overwrite
   * @param data little-endian bytes of the same size
   */
  public static void into(NDArray target, ByteBuffer data) {
    ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
    direct.put(data.duplicate().order(ByteOrder.LITTLE_ENDIAN));
    direct.rewind();
    try (NDArray source =
        target.getManager().create(direct, target.getShape(), target.getDataType())) {
      target.set(ALL, source);
    }
  }
}
