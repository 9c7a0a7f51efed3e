package org.attnzoo.zoo;

import org.attnzoo.backbones.BackboneConfig;

/**
 * One row of the variant table: a name, its architecture, its data configuration and the published
 * figures it is checked against.
 *
 * @param name the variant's name (timm's name where timm has it); the zoo's artifact id
 * @param config the architecture
 * @param data the input normalisation and label set
 * @param reference published figures
 */
public record Variant(String name, BackboneConfig config, DataConfig data, Reference reference) {

  /**
   * Checks that the data configuration fits the architecture and gives it the backbone's input size
   * when it has none.
   */
  public Variant {
    int channels = (int) config.inputShape().get(0);
    if (data.channels() != channels) {
      throw new IllegalArgumentException(
          String.format(
              "variant %s: data config has %d channels, the backbone takes %d",
              name, data.channels(), channels));
    }
    int[] size = {channels, (int) config.inputShape().get(1), (int) config.inputShape().get(2)};
    if (data.inputSize() == null) {
      data = data.withInputSize(size);
    } else if (!java.util.Arrays.equals(data.inputSize(), size)) {
      throw new IllegalArgumentException(
          String.format(
              "variant %s: data config input size %s, the backbone takes %s",
              name, java.util.Arrays.toString(data.inputSize()), java.util.Arrays.toString(size)));
    }
  }

  /**
   * This variant as timm evaluates it at its {@code test_input_size}: the same weights, the
   * backbone built for the test size and the data config at the test size and {@code test_crop_pct}
   * (e.g. {@code edgenext_xx_small} at 288, crop 1.0, where its published top-1 is 71.89 rather
   * than 71.13 at 256). Only families whose parameters do not depend on the input size have a test
   * size in timm, so a checkpoint for the variant loads unchanged.
   *
   * @return the variant at its test size
   * @throws IllegalArgumentException if timm gives the variant no test size
   */
  public Variant atTestSize() {
    if (!data.hasTestSize()) {
      throw new IllegalArgumentException(
          "variant "
              + name
              + " has no test size (timm's pretrained_cfg has no test_input_size for it); the"
              + " variants with one: "
              + Variants.ALL.stream()
                  .filter(v -> v.data().hasTestSize())
                  .map(Variant::name)
                  .collect(java.util.stream.Collectors.joining(", ")));
    }
    DataConfig test = data.atTestSize();
    int size = test.inputSize()[1];
    BackboneConfig resized;
    if (config instanceof org.attnzoo.backbones.edgenext.EdgeNeXtConfig c) {
      resized = c.toBuilder().optImgSize(size).build();
    } else if (config instanceof org.attnzoo.backbones.vit.VitConfig c) {
      resized = c.toBuilder().optImgSize(size).build();
    } else {
      throw new IllegalArgumentException(
          "variant "
              + name
              + ": building a "
              + family()
              + " backbone at its test size is not supported");
    }
    return new Variant(name, resized, test, reference);
  }

  /**
   * @return the architecture family, e.g. {@code vit}
   */
  public String family() {
    return config.family();
  }
}
