package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.attnzoo.zoo.runtime.Engines;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PyTorch's autograd switch is per thread, and DJL's engine turns it off only in the thread that
 * starts it. A model loaded and run from any other thread (a web server's request pool, Spark's
 * task threads) must load its weights and infer without recording a gradient graph.
 */
class InferenceThreadsTest {

  private static Criteria<NDList, NDList> shippedMicro() {
    return Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optGroupId(AttnZoo.GROUP_ID)
        .optArtifactId("vit_micro_patch4_32")
        .optEngine(Engines.PYTORCH)
        .optFilter("dataset", "fashion-mnist")
        .optTranslator(new NoopTranslator())
        .build();
  }

  /** Runs {@code task} on a new thread, whose grad mode is PyTorch's default (on). */
  private static <T> T onFreshThread(Callable<T> task) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.set(task.call());
              } catch (Throwable e) {
                failure.set(e);
              }
            });
    t.start();
    t.join();
    if (failure.get() != null) {
      throw new AssertionError("on a fresh thread: " + failure.get(), failure.get());
    }
    return result.get();
  }

  /**
   * Whether a forward on this thread recorded autograd: backward through the output succeeds
   * exactly when a graph was recorded. (DJL's {@code requiresGrad} answers false for a recorded
   * output, and asking for the grad function's name crashes the JVM when there is none.)
   */
  private static boolean forwardRecordsAutograd(ZooModel<NDList, NDList> model) throws Exception {
    try (Predictor<NDList, NDList> p = model.newPredictor();
        NDManager m = NDManager.newBaseManager(Engines.PYTORCH)) {
      NDArray x = m.randomNormal(new Shape(2, 1, 32, 32));
      NDArray y = p.predict(new NDList(x)).singletonOrThrow();
      PtNDArray sum = (PtNDArray) y.sum();
      try {
        JniUtils.backward(sum, (PtNDArray) m.ones(sum.getShape()), false, false);
        return true;
      } catch (EngineException noGraph) {
        return false; // "element 0 of tensors does not require grad and does not have a grad_fn"
      }
    }
  }

  @BeforeAll
  static void startTheEngineInThisThread() {
    Engine.getEngine(Engines.PYTORCH); // turns autograd off here only
  }

  @Test
  void loadsAndInfersOnAThreadThatDidNotStartTheEngine() throws Exception {
    assertEquals(
        Boolean.TRUE, onFreshThread(JniUtils::isGradMode), "a fresh thread starts with grad on");
    boolean recorded =
        onFreshThread(
            () -> {
              try (ZooModel<NDList, NDList> model = shippedMicro().loadModel()) {
                return forwardRecordsAutograd(model);
              }
            });
    assertFalse(recorded, "the forward recorded an autograd graph");
  }

  @Test
  void modelLoadedHereInfersWithoutAutogradOnAnotherThread() throws Exception {
    try (ZooModel<NDList, NDList> model = shippedMicro().loadModel()) {
      assertFalse(
          onFreshThread(() -> forwardRecordsAutograd(model)),
          "the forward recorded an autograd graph");
    }
  }

  @Test
  void putsTheThreadsSwitchBack() throws Exception {
    boolean after =
        onFreshThread(
            () -> {
              try (ZooModel<NDList, NDList> model = shippedMicro().loadModel()) {
                forwardRecordsAutograd(model);
              }
              return JniUtils.isGradMode();
            });
    assertTrue(after, "a thread that had autograd on has it on after loading and predicting");
    try (ZooModel<NDList, NDList> model = shippedMicro().loadModel()) {
      forwardRecordsAutograd(model);
    }
    assertFalse(JniUtils.isGradMode(), "the engine's thread keeps autograd off");
  }
}
