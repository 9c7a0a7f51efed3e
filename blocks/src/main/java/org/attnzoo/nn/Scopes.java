package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;

/**
 * Keeps arrays derived from parameters in the caller's scope.
 *
 * <p>An operation's result belongs to the manager of its first operand. A reshaped weight, an
 * expanded class token or a gathered bias table therefore lands in the model's manager, and so does
 * every activation computed from it: callers that scope inference in a sub-manager would leak them
 * until the model is closed. Blocks move such arrays into the input's manager.
 */
public final class Scopes {

  private Scopes() {}

  /**
   * @param derived an array computed from parameters only
   * @param input the block's input, whose manager scopes this call
   * @return {@code derived}, now owned by the input's manager
   */
  public static NDArray withInput(NDArray derived, NDArray input) {
    derived.attach(input.getManager());
    return derived;
  }
}
