package org.attnzoo.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.attnzoo.backbones.conv2former.Conv2FormerConfig;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.efficientvit.EfficientVitConfig;
import org.attnzoo.backbones.swiftformer.SwiftFormerConfig;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.nn.ParameterPaths;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link Backbone} contract on a small configuration of every family: timm's {@code forward =
 * forward_head(forward_features)}, feature maps that match their {@code feature_info}, pre-logits
 * of {@code head_hidden_size}, and {@code reset_classifier} giving exactly the block that {@code
 * withNumClasses} builds, with the rest of the weights kept.
 */
class BackboneContractTest {

  static Stream<Arguments> families() {
    return Stream.of(
        Arguments.of(
            VitConfig.builder().setImage(16, 4).setSize(16, 2, 2).optNumClasses(5).build()),
        Arguments.of(
            VitConfig.builder()
                .setImage(16, 4)
                .setSize(16, 2, 2)
                .optPooling(false, "avg")
                .optNumClasses(5)
                .build()),
        Arguments.of(
            SwinConfig.builder()
                .setImage(32, 2, 4)
                .setSize(8, List.of(1, 1, 1, 1), List.of(1, 2, 2, 4))
                .optNumClasses(5)
                .optDropPathRate(0f)
                .build()),
        Arguments.of(
            EdgeNeXtConfig.builder()
                .setStages(List.of(1, 1, 1, 1), List.of(8, 16, 16, 24))
                .optHeads(2, 2, 2, 2)
                .optImgSize(32)
                .optNumClasses(5)
                .build()),
        Arguments.of(
            SwiftFormerConfig.builder()
                .setStages(List.of(1, 2, 1, 1), List.of(8, 16, 16, 24))
                .optImgSize(32)
                .optNumClasses(5)
                .build()),
        Arguments.of(
            EfficientVitConfig.builder()
                .setStages(List.of(8, 8, 16, 16, 24), List.of(1, 1, 1, 1, 1))
                .setHead(32, 40)
                .optHeadDim(8)
                .optImgSize(32)
                .optNumClasses(5)
                .build()),
        Arguments.of(
            Conv2FormerConfig.builder()
                .setStages(List.of(8, 16, 16, 24), List.of(1, 1, 1, 1))
                .optKernelSize(5)
                .optHeadWidth(32)
                .optImgSize(32)
                .optNumClasses(5)
                .build()));
  }

  private static Backbone initialized(NDManager manager, BackboneConfig config) {
    Backbone net = config.newBlock();
    net.initialize(manager, DataType.FLOAT32, config.inputShape(2));
    return net;
  }

  private static NDArray image(NDManager manager, BackboneConfig config) {
    manager.getEngine().setRandomSeed(7);
    return manager.randomNormal(config.inputShape(2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void forwardIsHeadOfFeatures(BackboneConfig config) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Backbone net = initialized(manager, config);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = image(manager, config);
      NDArray logits = net.forward(ps, new NDList(x), false).singletonOrThrow();
      NDArray features = net.forwardFeatures(ps, x, false);
      assertTrue(logits.contentEquals(net.forwardHead(ps, features, false, false)));
      assertEquals(new Shape(2, config.numClasses()), logits.getShape());
      NDArray pre = net.forwardHead(ps, features, false, true);
      assertEquals(new Shape(2, net.headHiddenSize()), pre.getShape());
      assertSame(config, net.config());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void featureMapsAreWhatFeatureInfoSays(BackboneConfig config) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Backbone net = initialized(manager, config);
      NDArray x = image(manager, config);
      NDList maps = net.forwardIntermediates(new ParameterStore(manager, false), x, false);
      List<FeatureInfo> info = net.featureInfo();
      assertEquals(info.size(), maps.size());
      long h = x.getShape().get(2);
      long w = x.getShape().get(3);
      for (int i = 0; i < info.size(); i++) {
        FeatureInfo f = info.get(i);
        Shape want = new Shape(2, f.numChs(), h / f.reduction(), w / f.reduction());
        assertEquals(want, maps.get(i).getShape(), f.module());
        String prefix = f.module() + ".";
        assertTrue(
            ParameterPaths.of(net).keySet().stream().anyMatch(k -> k.startsWith(prefix)),
            f.module() + " is not a child with parameters");
      }
      assertEquals(info.get(info.size() - 1).numChs(), net.numFeatures());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void resetClassifierGivesTheBlockWithThatManyClassesAndKeepsTheRest(BackboneConfig config) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Backbone net = initialized(manager, config);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray x = image(manager, config);
      NDArray pre = net.forwardHead(ps, net.forwardFeatures(ps, x, false), false, true);
      Map<String, NDArray> before = new LinkedHashMap<>();
      ParameterPaths.of(net).forEach((k, p) -> before.put(k, p.getArray()));

      for (int classes : new int[] {3, 0, 7}) {
        net.resetClassifier(classes);
        assertEquals(config.withNumClasses(classes), net.config());
        assertFalse(classes > 0 && net.isInitialized(), "the new classifier must be uninitialised");
        net.initialize(manager, DataType.FLOAT32, config.inputShape(2));

        Backbone fresh = initialized(manager, config.withNumClasses(classes));
        Map<String, Parameter> got = ParameterPaths.of(net);
        Map<String, Parameter> want = ParameterPaths.of(fresh);
        // Same paths in the same order (the .params layout) with the same shapes.
        assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()));
        want.forEach(
            (k, p) -> assertEquals(p.getArray().getShape(), got.get(k).getArray().getShape(), k));
        for (Map.Entry<String, Parameter> e : got.entrySet()) {
          NDArray kept = before.get(e.getKey());
          if (kept != null && kept.getShape().equals(e.getValue().getArray().getShape())) {
            // Every layer but the classifier is the very same array.
            assertSame(kept, e.getValue().getArray(), e.getKey());
          }
        }
        NDArray out = net.forward(ps, new NDList(x), false).singletonOrThrow();
        long width = classes > 0 ? classes : net.headHiddenSize();
        assertEquals(new Shape(2, width), out.getShape());
        if (classes == 0) {
          // No classifier: the pre-logits, unchanged by the reset.
          assertArrayEquals(pre.toFloatArray(), out.toFloatArray());
        }
      }
      assertThrows(IllegalArgumentException.class, () -> net.resetClassifier(-1));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void newClassifierIsDrawnAfresh(BackboneConfig config) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Backbone net = initialized(manager, config);
      Map<String, Parameter> old = ParameterPaths.of(net);
      net.resetClassifier(config.numClasses());
      net.initialize(manager, DataType.FLOAT32, config.inputShape(2));
      int replaced = 0;
      for (Map.Entry<String, Parameter> e : ParameterPaths.of(net).entrySet()) {
        if (old.get(e.getKey()).getArray() != e.getValue().getArray()) {
          replaced++;
          assertNotSame(old.get(e.getKey()), e.getValue(), e.getKey());
        }
      }
      // A linear classifier: weight and bias (SwiftFormer's two heads: four).
      assertTrue(replaced == 2 || replaced == 4, replaced + " parameters replaced");
    }
  }
}
