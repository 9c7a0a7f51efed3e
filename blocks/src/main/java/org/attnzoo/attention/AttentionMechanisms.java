package org.attnzoo.attention;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Looks token mixers up by their short name ({@code vit_tiny_patch16_224_<name>}), for code that
 * starts from a string: a command line, a benchmark's arguments. Configurations hold the typed key,
 * {@link TokenMixer}; a new mechanism is a new constant there.
 */
public final class AttentionMechanisms {

  private AttentionMechanisms() {}

  /**
   * @param name the mechanism's short name
   * @return its factory, the {@link TokenMixer} of that name
   * @throws IllegalArgumentException listing the known names if {@code name} is unknown
   */
  public static AttentionFactory get(String name) {
    return TokenMixer.parse(name);
  }

  /**
   * @return every mechanism by short name, in declaration order
   */
  public static Map<String, AttentionFactory> all() {
    Map<String, AttentionFactory> out = new LinkedHashMap<>();
    for (TokenMixer m : TokenMixer.values()) {
      out.put(m.key(), m);
    }
    return Collections.unmodifiableMap(out);
  }
}
