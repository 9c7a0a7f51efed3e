package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.attnzoo.backbones.Backbone;
import org.attnzoo.nn.ParameterPaths;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The block's own {@link Backbone#resetClassifier} and the zoo's {@link TransferLearning} agree,
 * for the small row of every family: the parameters the block replaces are those {@link
 * TransferLearning#classifierPaths} finds by comparing blocks built for 1 and 2 classes, and a
 * model whose classifier {@link TransferLearning#resetClassifier} replaced has the parameters of a
 * block built for the new number of classes: paths, order and shapes.
 */
class ResetClassifierConsistencyTest {

  static Stream<String> micros() {
    return Stream.of(
        "vit_micro_patch4_32",
        "swin_micro_patch2_window4_32",
        "edgenext_micro_64",
        "swiftformer_micro_64",
        "efficientvit_micro_32",
        "conv2former_micro_32");
  }

  private static Map<String, Shape> shapes(Map<String, Parameter> params) {
    Map<String, Shape> out = new LinkedHashMap<>();
    params.forEach((k, p) -> out.put(k, p.getArray().getShape()));
    return out;
  }

  @ParameterizedTest
  @MethodSource("micros")
  void blockResetAndTransferLearningAgree(String name) {
    Variant v = Variants.get(name);
    Shape input = v.config().inputShape(1);
    try (NDManager manager = NDManager.newBaseManager();
        Model model = Model.newInstance(name)) {
      Backbone block = v.config().newBlock();
      block.initialize(manager, DataType.FLOAT32, input);
      Map<String, NDArray> before = new LinkedHashMap<>();
      ParameterPaths.of(block).forEach((k, p) -> before.put(k, p.getArray()));
      block.resetClassifier(5);
      block.initialize(manager, DataType.FLOAT32, input);
      Set<String> replaced = new TreeSet<>();
      ParameterPaths.of(block)
          .forEach(
              (k, p) -> {
                if (before.get(k) != p.getArray()) {
                  replaced.add(k);
                }
              });
      assertEquals(TransferLearning.classifierPaths(v), replaced);

      Backbone other = v.config().newBlock();
      other.initialize(model.getNDManager(), DataType.FLOAT32, input);
      model.setBlock(other);
      TransferLearning.Report report = TransferLearning.resetClassifier(model, v, 5);
      assertEquals(replaced, report.newHead().keySet());
      // The model as if built for 5 classes: the same paths, order and shapes.
      Backbone five = v.config().withNumClasses(5).newBlock();
      five.initialize(manager, DataType.FLOAT32, input);
      assertEquals(
          shapes(ParameterPaths.of(five)).entrySet().stream().toList(),
          shapes(ParameterPaths.of(model.getBlock())).entrySet().stream().toList());
    }
  }
}
