package org.attnzoo.zoo.weights;

import java.util.Map;

/** The checkpoint mapper of each architecture family (see {@code BackboneConfig#family()}). */
public final class CheckpointMappers {

  private static final Map<String, CheckpointMapper> BY_FAMILY =
      Map.of(
          "vit", VitCheckpointMapper.INSTANCE,
          "swin", SwinCheckpointMapper.INSTANCE,
          "edgenext", CheckpointMapper.IDENTITY,
          "swiftformer", CheckpointMapper.IDENTITY,
          // timm efficientvit_mit names and the official Conv2Former names are the child names.
          "efficientvit", CheckpointMapper.IDENTITY,
          "conv2former", CheckpointMapper.IDENTITY);

  private CheckpointMappers() {}

  /**
   * @param family a family name
   * @return its mapper
   * @throws IllegalArgumentException if the family has none
   */
  public static CheckpointMapper forFamily(String family) {
    CheckpointMapper m = BY_FAMILY.get(family);
    if (m == null) {
      throw new IllegalArgumentException(
          "no checkpoint mapper for family '" + family + "'; known: " + BY_FAMILY.keySet());
    }
    return m;
  }
}
