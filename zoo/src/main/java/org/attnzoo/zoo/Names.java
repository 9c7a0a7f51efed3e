package org.attnzoo.zoo;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** "Did you mean" hints for mistyped names: variants, datasets, arguments, commands. */
public final class Names {

  private Names() {}

  /**
   * The known names closest to a mistyped one: within an edit distance of a third of its length (at
   * least 2), or starting with it, ignoring case.
   *
   * @param name what was typed
   * @param known the valid names
   * @return up to three of them, closest first
   */
  public static List<String> closest(String name, Collection<String> known) {
    String typed = name.toLowerCase(Locale.ROOT);
    int limit = Math.max(2, typed.length() / 3);
    return known.stream()
        .map(k -> Map.entry(k, distance(typed, k.toLowerCase(Locale.ROOT))))
        .filter(e -> e.getValue() <= limit || e.getKey().toLowerCase(Locale.ROOT).startsWith(typed))
        .sorted(
            Comparator.comparingInt(Map.Entry<String, Integer>::getValue)
                .thenComparing(Map.Entry::getKey))
        .limit(3)
        .map(Map.Entry::getKey)
        .toList();
  }

  /** Levenshtein distance, two rows. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
