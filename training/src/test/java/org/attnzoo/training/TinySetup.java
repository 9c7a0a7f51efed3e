package org.attnzoo.training;

import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.training.data.Augment;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Reference;
import org.attnzoo.zoo.Variant;

/** A tiny ViT and recipe, so that training tests take seconds on two cores. */
final class TinySetup {

  private TinySetup() {}

  static Variant variant(int classes) {
    return new Variant(
        "vit_test_tiny",
        VitConfig.builder()
            .setImage(16, 4)
            .setSize(32, 2, 2)
            .optInChans(1)
            .optNumClasses(classes)
            .optMlpRatio(2)
            .build(),
        new DataConfig(new float[] {0.3f}, new float[] {0.35f}, "fashion-mnist"),
        new Reference(0, null, null, "test"));
  }

  static TrainConfig recipe(int epochs, int batchSize, boolean randomness) {
    Augment augment =
        randomness ? new Augment("pad-crop", 2, 0.35, true, 0.2, 1.0, 0.5) : Augment.NONE;
    return new TrainConfig(
        epochs,
        batchSize,
        2e-3,
        1e-5,
        0.5,
        0.05,
        0.9,
        0.999,
        1e-8,
        0.1,
        1.0,
        randomness ? 0.9 : 0.0,
        randomness ? 0.1f : null,
        augment,
        7,
        256);
  }
}
