package org.attnzoo.zoo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Class names of the label sets shipped as resources {@code labels/<name>.txt}. */
public final class Labels {

  private Labels() {}

  /**
   * @param labelSet e.g. {@code imagenet-1k}
   * @return the class names in index order
   */
  public static List<String> of(String labelSet) {
    String path = "/labels/" + labelSet + ".txt";
    try (InputStream in = Labels.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no label set '" + labelSet + "' (" + path + ")");
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .lines()
          .filter(l -> !l.isBlank())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
