package org.attnzoo.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One in-process {@code attnzoo} call with its standard output and error captured, for the CLI
 * tests.
 *
 * @param code the exit code
 * @param out what the command printed to standard output
 * @param err what it printed to standard error
 */
record CliRun(int code, String out, String err) {

  /**
   * Runs {@link AttnZooCli#execute} with {@code System.out} and {@code System.err} redirected, and
   * restores them afterwards.
   *
   * @param args the command line
   * @return the exit code and the captured output
   */
  static CliRun of(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = AttnZooCli.execute(args);
      return new CliRun(
          code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
