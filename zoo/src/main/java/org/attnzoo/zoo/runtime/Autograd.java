package org.attnzoo.zoo.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;

/**
 * PyTorch's autograd switch, which is per thread. DJL's PyTorch engine turns it off only in the
 * thread that starts the engine, and a {@code GradientCollector} turns it on and off in its own
 * thread; every other thread starts with it on. There, copying weights into parameters (which
 * require gradients) fails with "a leaf Variable that requires grad is being used in an in-place
 * operation", and every inference forward records an autograd graph it will never use. The zoo's
 * loaders and predictors scope it off with this class; other engines have no such switch.
 */
public final class Autograd {

  private Autograd() {}

  /**
   * Work that returns a value and may throw {@code E}.
   *
   * @param <T> its result
   * @param <E> what it throws
   */
  @FunctionalInterface
  public interface Work<T, E extends Exception> {

    /**
     * @return the result
     * @throws E if the work fails
     */
    T call() throws E;
  }

  /**
   * Runs {@code body} with PyTorch's autograd off in the calling thread, then puts the switch back
   * as it was; on other engines just runs it.
   *
   * @param manager a manager of the engine the work runs on
   * @param body the work
   * @param <T> its result
   * @param <E> what it throws
   * @return what {@code body} returned
   * @throws E what {@code body} threw
   */
  public static <T, E extends Exception> T off(NDManager manager, Work<T, E> body) throws E {
    if (!isPyTorch(manager)) {
      return body.call();
    }
    boolean was = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return body.call();
    } finally {
      JniUtils.setGradMode(was);
    }
  }

  /**
   * {@link #off(NDManager, Work)} for work on a block's parameters, which must be initialised.
   *
   * @param block the block whose parameters the work writes
   * @param body the work
   */
  public static void off(Block block, Runnable body) {
    NDManager manager = null;
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().isInitialized()) {
        manager = p.getValue().getArray().getManager();
        break;
      }
    }
    if (manager == null) {
      body.run();
      return;
    }
    off(
        manager,
        () -> {
          body.run();
          return null;
        });
  }

  private static boolean isPyTorch(NDManager manager) {
    return Engines.PYTORCH.equals(manager.getEngine().getEngineName());
  }
}
