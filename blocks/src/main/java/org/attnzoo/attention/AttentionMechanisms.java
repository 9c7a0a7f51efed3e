package org.attnzoo.attention;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The token-mixing mechanisms that plug into token backbones (ViT), by the short name used in
 * variant names and configurations ({@code vit_tiny_patch16_224_<name>}). A new mechanism adds one
 * line here.
 */
public final class AttentionMechanisms {

  private static final Map<String, AttentionFactory> MECHANISMS = new LinkedHashMap<>();

  static {
    MECHANISMS.put("mhsa", MultiHeadSelfAttention::new);
    MECHANISMS.put("elu", EluLinearAttention::new);
    MECHANISMS.put("cosformer", CosFormerAttention::new);
    MECHANISMS.put("hydra", HydraAttention::new);
    MECHANISMS.put("sima", SimAAttention::new);
  }

  private AttentionMechanisms() {}

  /**
   * @param name the mechanism's short name
   * @return its factory
   * @throws IllegalArgumentException listing the known names if {@code name} is unknown
   */
  public static AttentionFactory get(String name) {
    AttentionFactory factory = MECHANISMS.get(name);
    if (factory == null) {
      throw new IllegalArgumentException(
          "Unknown attention mechanism '" + name + "'; known: " + MECHANISMS.keySet());
    }
    return factory;
  }

  /**
   * @return every mechanism by name, in registration order
   */
  public static Map<String, AttentionFactory> all() {
    return Collections.unmodifiableMap(MECHANISMS);
  }
}
