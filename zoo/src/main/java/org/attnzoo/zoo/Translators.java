package org.attnzoo.zoo;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoopTranslator;
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
        .addTransform(new Resize(size, size))
        .addTransform(new ToTensor())
        .addTransform(new Normalize(data.mean(), data.std()))
        .optSynset(Labels.of(data.labels()))
        .optApplySoftmax(true)
        .build();
  }

  /**
   * @return raw tensors in, raw model output out
   */
  public static Translator<NDList, NDList> raw() {
    return new NoopTranslator();
  }
}
