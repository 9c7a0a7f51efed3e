package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A caller's {@code optTranslator} / {@code optTranslatorFactory} wins over attnzoo's. */
class CriteriaUserTranslatorTest {

  private static final String MICRO = "vit_micro_patch4_32";

  /** Feeds zeros and reports a fixed class, so the test sees whose translator ran. */
  private static final class Marker implements Translator<Image, Classifications> {
    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
      return new NDList(ctx.getNDManager().zeros(new Shape(1, 32, 32)));
    }

    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList list) {
      return new Classifications(List.of("mine"), List.of(1.0));
    }
  }

  private static Image image() {
    try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
      return ImageFactory.getInstance().fromNDArray(m.zeros(new Shape(8, 8, 3), DataType.UINT8));
    }
  }

  @Test
  void optTranslatorWins() throws Exception {
    Marker mine = new Marker();
    Criteria<Image, Classifications> c =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(MICRO)
            .optArgument("randomInit", true)
            .optTranslator(mine)
            .build();
    try (ZooModel<Image, Classifications> model = c.loadModel();
        Predictor<Image, Classifications> p = model.newPredictor()) {
      assertSame(mine, model.getTranslator());
      assertEquals("mine", p.predict(image()).best().getClassName());
    }
  }

  @Test
  void optTranslatorFactoryWinsAndSeesTheModel() throws Exception {
    Model[] seen = new Model[1];
    TranslatorFactory factory =
        new TranslatorFactory() {
          @Override
          public Set<Pair<Type, Type>> getSupportedTypes() {
            return Set.of(new Pair<>(Image.class, Classifications.class));
          }

          @Override
          @SuppressWarnings("unchecked")
          public <I, O> Translator<I, O> newInstance(
              Class<I> input, Class<O> output, Model model, Map<String, ?> arguments) {
            seen[0] = model;
            return (Translator<I, O>) new Marker();
          }
        };
    Criteria<Image, Classifications> c =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(MICRO)
            .optArgument("randomInit", true)
            .optTranslatorFactory(factory)
            .build();
    try (ZooModel<Image, Classifications> model = c.loadModel();
        Predictor<Image, Classifications> p = model.newPredictor()) {
      assertSame(model.getWrappedModel(), seen[0]);
      assertEquals("mine", p.predict(image()).best().getClassName());
    }
  }
}
