package org.attnzoo.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a read of freed Java direct memory visible: runs the garbage collector so that unreachable
 * direct buffers are released, then claims many small direct buffers (the size class of DJL's 0-d
 * arrays, which {@code malloc} serves from the chunks just freed) and fills them with a huge value.
 * A native tensor still pointing into a released buffer then reads {@link #POISON} instead of its
 * old value. Used between a forward and a backward pass to prove that the autograd graph owns every
 * tensor it saved (see {@code org.attnzoo.nn.Scalars}).
 */
public final class FreedMemory implements AutoCloseable {

  /** What reused memory holds. */
  public static final float POISON = 1e30f;

  private static final int BUFFERS = 20_000;

  private List<ByteBuffer> claimed = new ArrayList<>(BUFFERS);

  private FreedMemory() {}

  /**
   * Collects garbage, then overwrites the freed small direct buffers.
   *
   * @return the claim, to close after the code under test has run
   */
  public static FreedMemory overwrite() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        // The reference handler frees direct buffers asynchronously after a collection.
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    FreedMemory m = new FreedMemory();
    for (int i = 0; i < BUFFERS; i++) {
      for (int bytes : new int[] {4, 8}) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        for (int k = 0; k + 4 <= bytes; k += 4) {
          b.putFloat(k, POISON);
        }
        m.claimed.add(b);
      }
    }
    return m;
  }

  /**
   * Runs {@link #overwrite()} over and over on a background thread until closed, so that any read
   * of freed direct memory during the code under test (a training run, say) sees garbage and shows
   * up as a difference between runs.
   *
   * @return closes the background thread
   */
  public static AutoCloseable pressure() {
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread t =
        new Thread(
            () -> {
              while (running.get()) {
                try (FreedMemory claim = overwrite()) {
                  Thread.onSpinWait();
                }
              }
            },
            "freed-memory-pressure");
    t.setDaemon(true);
    t.start();
    return () -> {
      running.set(false);
      t.join();
    };
  }

  /** Lets the claimed buffers go. */
  @Override
  public void close() {
    claimed = null;
  }
}
