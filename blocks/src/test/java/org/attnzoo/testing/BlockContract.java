package org.attnzoo.testing;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.attnzoo.nn.ParameterPaths;

/**
 * The checks every attnzoo block must pass, usable from any module's tests (and by authors of new
 * blocks): shape inference agrees with the forward pass at several batch sizes, every parameter
 * receives a gradient, gradients do not change when the garbage collector runs between the forward
 * and the backward pass, parameters survive a save/load round trip, and bad input is rejected with
 * an {@link IllegalArgumentException}. Failures throw {@link AssertionError}.
 */
public final class BlockContract {

  private BlockContract() {}

  /**
   * Runs all checks for a block built by {@code factory} on inputs shaped like {@code input} (batch
   * axis first; the batch size is varied).
   *
   * @param factory builds a fresh, uninitialised block
   * @param input one input shape, batch axis first
   */
  public static void verify(Supplier<Block> factory, Shape input) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = factory.get();
      block.initialize(manager, DataType.FLOAT32, input);
      for (long batch : new long[] {1, 3}) {
        shapesAgree(manager, block, withBatch(input, batch));
      }
      gradientsReachEveryParameter(manager, block, input);
      gradientsSurviveGarbageCollection(manager, block, input);
      saveLoadRoundTrip(manager, block, factory.get(), input);
    }
  }

  /**
   * @param shape a shape
   * @param batch a batch size
   * @return the shape with its first axis replaced
   */
  public static Shape withBatch(Shape shape, long batch) {
    long[] dims = shape.getShape().clone();
    dims[0] = batch;
    return new Shape(dims);
  }

  /**
   * Inference-mode forward on random input: output shape equals {@code getOutputShapes}, values
   * finite.
   *
   * @param manager the manager
   * @param block an initialised block
   * @param input the input shape
   * @return the output
   */
  public static NDArray shapesAgree(NDManager manager, Block block, Shape input) {
    NDArray x = manager.randomNormal(input);
    NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
    Shape inferred = block.getOutputShapes(new Shape[] {input})[0];
    if (!out.getShape().equals(inferred)) {
      throw new AssertionError(
          "getOutputShapes says " + inferred + " but forward gave " + out.getShape());
    }
    if (!out.isInfinite().logicalOr(out.isNaN()).none().getBoolean()) {
      throw new AssertionError("non-finite output for input " + input);
    }
    return out;
  }

  /**
   * One training-mode forward and backward: every parameter that requires a gradient gets a
   * non-zero one.
   *
   * @param manager the manager
   * @param block an initialised block
   * @param input the input shape
   */
  public static void gradientsReachEveryParameter(NDManager manager, Block block, Shape input) {
    NDArray x = manager.randomNormal(withBatch(input, Math.max(2, input.get(0))));
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), true).head();
      // A random projection of the output: a plain sum would give zero gradients to parameters
      // followed by a normalisation.
      NDArray loss = out.mul(manager.randomNormal(out.getShape())).sum();
      gc.backward(loss);
    }
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : ParameterPaths.of(block).entrySet()) {
      Parameter p = e.getValue();
      if (!p.requiresGradient()) {
        continue;
      }
      NDArray g = p.getArray().getGradient();
      if (g == null || g.abs().sum().getFloat() == 0f) {
        missing.add(e.getKey());
      }
    }
    if (!missing.isEmpty()) {
      throw new AssertionError("parameters without gradient: " + missing);
    }
  }

  /**
   * Runs the same training-mode forward and backward twice, the second time with {@link
   * FreedMemory#overwrite()} between the two passes, and requires identical gradients for the input
   * and every parameter. A block whose autograd graph keeps a tensor over memory the JVM may free
   * (DJL's number arithmetic, see {@code org.attnzoo.nn.Scalars}) fails here with garbage
   * gradients.
   *
   * @param manager the manager
   * @param block an initialised block
   * @param input the input shape
   */
  public static void gradientsSurviveGarbageCollection(
      NDManager manager, Block block, Shape input) {
    Shape batch = withBatch(input, Math.max(2, input.get(0)));
    NDArray x = manager.randomNormal(batch);
    NDArray projection = manager.randomNormal(block.getOutputShapes(new Shape[] {batch})[0]);
    Map<String, float[]> calm = gradients(manager, block, x, projection, false);
    Map<String, float[]> collected = gradients(manager, block, x, projection, true);
    for (Map.Entry<String, float[]> e : calm.entrySet()) {
      float[] a = e.getValue();
      float[] b = collected.get(e.getKey());
      for (int i = 0; i < a.length; i++) {
        if (Math.abs(a[i] - b[i]) > 1e-5f * (1 + Math.abs(a[i]))) {
          throw new AssertionError(
              "gradient of "
                  + e.getKey()
                  + " changed when freed direct memory was reused before the backward pass: "
                  + a[i]
                  + " became "
                  + b[i]
                  + " at index "
                  + i
                  + " (a tensor the autograd graph saved lives in JVM-owned memory)");
        }
      }
    }
  }

  private static Map<String, float[]> gradients(
      NDManager manager, Block block, NDArray x, NDArray projection, boolean overwriteFreed) {
    Map<String, Parameter> params = ParameterPaths.of(block);
    for (Parameter p : params.values()) {
      if (p.requiresGradient() && p.getArray().hasGradient()) {
        NDArray g = p.getArray().getGradient();
        g.subi(g);
      }
    }
    // Same seed for both runs, so that dropout and drop path draw the same masks.
    Engine.getInstance().setRandomSeed(11);
    try (NDManager scope = manager.newSubManager()) {
      NDArray input = x.duplicate();
      input.attach(scope);
      input.setRequiresGradient(true);
      Map<String, float[]> out = new java.util.LinkedHashMap<>();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = block.forward(new ParameterStore(scope, false), new NDList(input), true).head();
        NDArray loss = y.mul(projection).sum();
        if (overwriteFreed) {
          try (FreedMemory claim = FreedMemory.overwrite()) {
            gc.backward(loss);
          }
        } else {
          gc.backward(loss);
        }
      }
      out.put("input", input.getGradient().toFloatArray());
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        if (e.getValue().requiresGradient()) {
          out.put(e.getKey(), e.getValue().getArray().getGradient().toFloatArray());
        }
      }
      return out;
    }
  }

  /**
   * Saves {@code trained}'s parameters, loads them into {@code fresh} and checks equal outputs.
   *
   * @param manager the manager
   * @param trained an initialised block
   * @param fresh an uninitialised block of the same architecture
   * @param input the input shape
   */
  public static void saveLoadRoundTrip(NDManager manager, Block trained, Block fresh, Shape input) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      trained.saveParameters(new DataOutputStream(bytes));
      fresh.initialize(manager, DataType.FLOAT32, input);
      fresh.loadParameters(
          manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      if (!ParameterPaths.of(trained).keySet().equals(ParameterPaths.of(fresh).keySet())) {
        throw new AssertionError("parameter names differ after reload");
      }
      NDArray x = manager.randomNormal(input);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray a = trained.forward(ps, new NDList(x), false).head();
      NDArray b = fresh.forward(ps, new NDList(x), false).head();
      if (!a.allClose(b, 1e-6, 1e-6, false)) {
        throw new AssertionError("outputs differ after a save/load round trip");
      }
    } catch (IOException | ai.djl.MalformedModelException e) {
      throw new AssertionError("save/load failed", e);
    }
  }

  /**
   * Checks that {@code block} rejects {@code bad} in both shape inference and forward with an
   * {@link IllegalArgumentException} whose message contains {@code fragment} and the bad shape.
   *
   * @param manager the manager
   * @param block an initialised block
   * @param bad a shape the block must reject
   * @param fragment text the message must contain
   */
  public static void rejects(NDManager manager, Block block, Shape bad, String fragment) {
    IllegalArgumentException inferred = null;
    try {
      block.getOutputShapes(new Shape[] {bad});
    } catch (IllegalArgumentException e) {
      inferred = e;
    }
    IllegalArgumentException forward = null;
    try {
      block.forward(new ParameterStore(manager, false), new NDList(manager.zeros(bad)), false);
    } catch (IllegalArgumentException e) {
      forward = e;
    }
    for (IllegalArgumentException e : Arrays.asList(inferred, forward)) {
      if (e == null) {
        throw new AssertionError("input " + bad + " was not rejected");
      }
      if (!e.getMessage().contains(fragment) || !e.getMessage().contains(bad.toString())) {
        throw new AssertionError(
            "message should name '" + fragment + "' and " + bad + ": " + e.getMessage());
      }
    }
  }
}
