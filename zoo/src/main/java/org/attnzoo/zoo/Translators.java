package org.attnzoo.zoo;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.Translator;
import org.attnzoo.zoo.image.ClassificationTranslator;
import org.attnzoo.zoo.image.EvalTransform;

/** The translators of a variant: images to class probabilities, or raw tensors. */
public final class Translators {

  private Translators() {}

  /**
   * Image classification as timm evaluates: the variant's data config ({@code crop_pct},
   * interpolation, mean, std) through {@link EvalTransform}, softmax over the variant's label set.
   *
   * @param variant the variant
   * @return the translator
   */
  public static ClassificationTranslator classification(Variant variant) {
    return new ClassificationTranslator(
        new EvalTransform(variant.data()), Labels.of(variant.data().labels()));
  }

  /**
   * @return raw tensors in, raw model output out
   */
  public static Translator<NDList, NDList> raw() {
    return new NoopTranslator();
  }
}
