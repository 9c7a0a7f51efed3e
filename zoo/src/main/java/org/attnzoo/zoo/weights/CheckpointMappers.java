package org.attnzoo.zoo.weights;

import java.util.Map;

/** The checkpoint mapper of each architecture family (see {@code BackboneConfig#family()}). */
public final class CheckpointMappers {

  private static final Map<String, CheckpointMapper> BY_FAMILY =
      Map.of("vit", CheckpointMapper.IDENTITY, "swin", SwinCheckpointMapper.INSTANCE);

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
