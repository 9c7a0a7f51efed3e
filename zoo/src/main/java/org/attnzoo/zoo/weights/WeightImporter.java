package org.attnzoo.zoo.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.zoo.io.Tensor;

/**
 * Fills an initialised block's parameters from a reference checkpoint. All or nothing: every
 * parameter must find its key with the same shape and every checkpoint key must be used (or be
 * declared derived by the mapper); otherwise nothing is changed and the error lists every problem,
 * naming keys and both shapes.
 */
public final class WeightImporter {

  private static final NDIndex ALL = new NDIndex("...");

  private WeightImporter() {}

  /**
   * @param block an initialised block
   * @param checkpoint tensors by key
   * @param mapper the family's key mapping
   * @throws IllegalArgumentException listing missing, mismatched and unused keys
   */
  public static void load(Block block, Map<String, Tensor> checkpoint, CheckpointMapper mapper) {
    if (!block.isInitialized()) {
      throw new IllegalStateException("initialize the block before importing weights");
    }
    Map<String, Parameter> params = ParameterPaths.of(block);
    Map<Parameter, Tensor> plan = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    TreeSet<String> unused = new TreeSet<>(checkpoint.keySet());
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String key = mapper.checkpointKey(e.getKey());
      Tensor t = checkpoint.get(key);
      unused.remove(key);
      Parameter p = e.getValue();
      if (t != null && !t.shape().equals(p.getArray().getShape())) {
        try {
          t = mapper.adapt(block, e.getKey(), t, p.getArray().getShape());
        } catch (IllegalArgumentException ex) {
          problems.add(
              "cannot adapt '" + key + "' to " + p.getArray().getShape() + ": " + ex.getMessage());
          continue;
        }
      }
      if (t == null) {
        problems.add("missing key '" + key + "' for parameter " + e.getKey());
      } else if (!t.shape().equals(p.getArray().getShape())) {
        problems.add(
            String.format(
                "shape mismatch for '%s': checkpoint %s, model %s (parameter %s)",
                key, t.shape(), p.getArray().getShape(), e.getKey()));
      } else {
        plan.put(p, t);
      }
    }
    unused.removeIf(mapper::isDerived);
    for (String key : unused) {
      problems.add("unused checkpoint key '" + key + "' " + checkpoint.get(key).shape());
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "checkpoint does not match the model ("
              + problems.size()
              + " problems):\n  "
              + String.join("\n  ", problems));
    }
    for (Map.Entry<Parameter, Tensor> e : plan.entrySet()) {
      NDArray target = e.getKey().getArray();
      try (NDManager scratch = target.getManager().newSubManager()) {
        Tensor t = e.getValue();
        if (target.getDataType() == DataType.FLOAT32) {
          // Converted here, exactly, in Java: the PyTorch engine aborts the JVM (SIGABRT) when
          // given a bfloat16 buffer, so half and double types never reach it.
          t = t.toFloat32();
        }
        NDArray value = t.toNDArray(scratch);
        if (value.getDataType() != target.getDataType()) {
          value = value.toType(target.getDataType(), false);
        }
        // In-place copy into the parameter's own storage: NDArray.set(Buffer) would make the
        // PyTorch tensor alias a Java buffer instead.
        target.set(ALL, value);
      }
    }
  }

  /**
   * The reverse of {@link #load}: the block's parameters under their checkpoint keys, as float32.
   *
   * @param block an initialised block
   * @param mapper the family's key mapping
   * @return tensors by checkpoint key, in parameter order
   */
  public static Map<String, Tensor> export(Block block, CheckpointMapper mapper) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : ParameterPaths.of(block).entrySet()) {
      NDArray a = e.getValue().getArray();
      out.put(
          mapper.checkpointKey(e.getKey()),
          Tensor.of(a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false)));
    }
    return out;
  }
}
