package org.attnzoo.backbones;

import org.attnzoo.nn.Checks;

/**
 * One feature map a backbone offers to dense-prediction heads, as an entry of timm's {@code
 * feature_info}.
 *
 * @param numChs channels of the map
 * @param reduction total stride: the input side divided by the map's side
 * @param module the parameter-path prefix of the child that produces it, e.g. {@code stages.2}
 */
public record FeatureInfo(long numChs, int reduction, String module) {

  /** Validates the entry. */
  public FeatureInfo {
    Checks.positive("numChs", numChs);
    Checks.positive("reduction", reduction);
    if (module == null || module.isEmpty()) {
      throw new IllegalArgumentException("module must name a child, got '" + module + "'");
    }
  }
}
