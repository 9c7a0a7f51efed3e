package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Copies host bytes into an existing array in place (the array keeps its identity and flags). */
public final class HostCopy {

  private HostCopy() {}

  /**
   * @param target the array to overwrite
   * @param data little-endian bytes of the same size
   */
  public static void into(NDArray target, ByteBuffer data) {
    ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
    direct.put(data.duplicate().order(ByteOrder.LITTLE_ENDIAN));
    direct.rewind();
    target.set(direct);
  }
}
