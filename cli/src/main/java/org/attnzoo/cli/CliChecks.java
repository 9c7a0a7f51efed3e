package org.attnzoo.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks the commands make on what the user gave before any model is built: a missing file is
 * reported in a second, not after minutes of loading and running, and every message says what to
 * do.
 */
final class CliChecks {

  private CliChecks() {}

  /**
   * @param file a file the command reads
   * @param option the option that named it, e.g. {@code --input}
   * @param expected what the file should be, for the message
   * @throws IllegalArgumentException if it does not exist or is not a readable file
   */
  static void requireInputFile(Path file, String option, String expected) {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(
          option + " " + file + " is a folder; give " + expected + " inside it");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          option + " " + file + " does not exist; give " + expected + " (check the path)");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(
          option + " " + file + " is not readable (permission denied); check its permissions");
    }
  }

  /**
   * @param file a file the command will write
   * @param option the option that named it
   * @throws IllegalArgumentException if its folder does not exist or is not writable, or the path
   *     is a folder
   */
  static void requireWritableTarget(Path file, String option) {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(
          option + " " + file + " is a folder; give a file name inside it");
    }
    Path parent = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + ": the folder "
              + parent
              + " does not exist; create it first (mkdir -p "
              + parent
              + ")");
    }
    if (!Files.isWritable(parent) || (Files.exists(file) && !Files.isWritable(file))) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + " cannot be written (permission denied); choose a folder you can write to");
    }
  }

  /**
   * Refuses NaN and infinite values: they mean damaged weights or input, never an answer.
   *
   * @param values an output's values
   * @param what which output, for the message
   * @throws IllegalArgumentException counting the non-finite values and naming the first
   */
  static void requireFinite(float[] values, String what) {
    int bad = 0;
    int first = -1;
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        bad++;
        first = first < 0 ? i : first;
      }
    }
    if (bad > 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s has %d non-finite values of %d (first: %s at flat index %d): the weights or the"
                  + " input are damaged or out of range; --allow-nonfinite writes them anyway",
              what,
              bad,
              values.length,
              values[first],
              first));
    }
  }
}
