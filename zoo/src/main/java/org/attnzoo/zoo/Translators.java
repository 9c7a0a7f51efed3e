package org.attnzoo.zoo;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.Transform;
import ai.djl.translate.Translator;

/** The translators of a variant: images to class probabilities, or raw tensors. */
public final class Translators {

  private Translators() {}

  /**
   * Image classification with the variant's preprocessing: resize to the input size (grayscale for
   * one-channel variants), scale to [0, 1], normalise with the variant's mean and std; softmax over
   * the variant's label set.
   *
   * @param variant the variant
   * @return the translator
   */
  public static Translator<Image, Classifications> classification(Variant variant) {
    int size = (int) variant.config().inputShape().get(1);
    DataConfig data = variant.data();
    return ImageClassificationTranslator.builder()
        .optFlag(data.channels() == 1 ? Image.Flag.GRAYSCALE : Image.Flag.COLOR)
        .setImageSize(size, size)
        .addTransform(new Resize(size, size))
        .addTransform(new ToTensor())
        .addTransform(normalize(data))
        .optSynset(Labels.of(data.labels()))
        .optApplySoftmax(true)
        .build();
  }

  /**
   * Per-channel {@code (x - mean) / std} on a {@code [C, H, W]} tensor. DJL's {@code Normalize}
   * assumes three channels; grayscale variants have one.
   */
  private static Transform normalize(DataConfig data) {
    int c = data.channels();
    return array -> {
      var m = array.getManager();
      return array
          .sub(m.create(data.mean(), new Shape(c, 1, 1)))
          .div(m.create(data.std(), new Shape(c, 1, 1)));
    };
  }

  /**
   * @return raw tensors in, raw model output out
   */
  public static Translator<NDList, NDList> raw() {
    return new NoopTranslator();
  }
}
