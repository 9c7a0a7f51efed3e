package org.attnzoo.spark;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnzoo.zoo.runtime.Engines;

/**
 * PyTorch's autograd switch is per thread, and DJL's PyTorch engine turns it off only in the thread
 * that starts the engine. Spark runs tasks on a pool of threads: in any other one, loading weights
 * (an in-place copy into parameters that require gradients) fails with "a leaf Variable that
 * requires grad is being used in an in-place operation", and every forward call would record an
 * autograd graph. Each task's thread turns it off here before it loads or runs a model.
 */
final class InferenceThreads {

  private InferenceThreads() {}

  /**
   * Turns autograd off for the calling thread when the engine is PyTorch (starting the engine if it
   * has not started); other engines have no such switch.
   *
   * @param engine the DJL engine name
   */
  static void noGrad(String engine) {
    if (Engines.PYTORCH.equals(engine)) {
      Engine.getEngine(Engines.PYTORCH);
      JniUtils.setGradMode(false);
    }
  }
}
