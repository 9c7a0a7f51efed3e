package org.attnzoo.zoo.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the outcomes of fuzz cases per category, for the robustness suite and its soak mode
 * ({@code -Dattnzoo.soak=true}): a clear error (an {@code IllegalArgumentException} or {@code
 * IOException} whose message names the file), the right answer, a crash (any other exception or
 * error: in the command line that is a stack trace or a dead process, not a sentence) or a silent
 * wrong result (the reader returned something other than the original).
 *
 * <p>Also the mutations: bit flips, truncations, byte insertions and deletions, and size fields set
 * to the integer limits.
 */
public final class FuzzTally {

  /** Whether the long soak mode runs. */
  public static final boolean SOAK = Boolean.getBoolean("attnzoo.soak");

  /** Size fields are set to these values: the integer limits and their neighbours. */
  public static final long[] LIMITS = {
    0,
    1,
    -1,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE,
    Integer.MAX_VALUE + 1L,
    0xffffffffL,
    1L << 32,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    Long.MAX_VALUE - 7,
    1L << 62
  };

  private static final Map<String, long[]> COUNTS = new LinkedHashMap<>();
  private static final Map<String, List<String>> EXAMPLES = new LinkedHashMap<>();

  private FuzzTally() {}

  /** One case's outcome. */
  public enum Outcome {
    CLEAR_ERROR,
    RIGHT,
    CRASH,
    SILENT_WRONG
  }

  /**
   * @param normal cases per category in the normal test run
   * @return the cases to run: many more in soak mode
   */
  public static int cases(int normal) {
    return SOAK ? normal * Integer.getInteger("attnzoo.soak.factor", 40) : normal;
  }

  /**
   * @return the seed: fixed in the normal run (reproducible), random in soak mode (printed)
   */
  public static long seed() {
    Long given = Long.getLong("attnzoo.fuzz.seed");
    return given != null ? given : SOAK ? System.nanoTime() : 18L;
  }

  /**
   * Runs one case and counts it.
   *
   * @param category the table row
   * @param file the file read, which a clear error must name
   * @param what the mutation, for the report of a failure
   * @param read reads the file and returns what it holds
   * @param right whether that is the original
   * @param <T> what the reader returns
   * @return the outcome
   */
  public static <T> Outcome run(
      String category, Path file, String what, Callable<T> read, Predicate<T> right) {
    Outcome o;
    String detail = "";
    try {
      T got = read.call();
      o = right.test(got) ? Outcome.RIGHT : Outcome.SILENT_WRONG;
    } catch (IllegalArgumentException | IOException e) {
      String m = String.valueOf(e.getMessage());
      o =
          m.contains(file.toString()) || m.contains(file.getFileName().toString())
              ? Outcome.CLEAR_ERROR
              : Outcome.CRASH;
      detail = e.toString();
    } catch (Exception | Error e) {
      o = Outcome.CRASH;
      detail = e.toString();
    }
    record(category, o, what + (detail.isEmpty() ? "" : " -> " + detail));
    return o;
  }

  /**
   * Counts an outcome decided by the caller.
   *
   * @param category the table row
   * @param o the outcome
   * @param what the case, kept for the report when it is a crash or a silent wrong result
   */
  public static synchronized void record(String category, Outcome o, String what) {
    COUNTS.computeIfAbsent(category, k -> new long[4])[o.ordinal()]++;
    if (o == Outcome.CRASH || o == Outcome.SILENT_WRONG) {
      List<String> ex = EXAMPLES.computeIfAbsent(category, k -> new ArrayList<>());
      if (ex.size() < 5) {
        ex.add(o + ": " + what);
      }
    }
  }

  /**
   * @param category a table row
   * @return crashes and silent wrong results so far, with examples, or "" if none
   */
  public static synchronized String failures(String category) {
    long[] c = COUNTS.getOrDefault(category, new long[4]);
    if (c[2] + c[3] == 0) {
      return "";
    }
    return category
        + ": "
        + c[2]
        + " crashes, "
        + c[3]
        + " silent wrong results; "
        + EXAMPLES.get(category);
  }

  /**
   * @return the table: category | cases tried | clear errors | right answers | crashes | silent
   *     wrong results
   */
  public static synchronized String table() {
    StringBuilder b =
        new StringBuilder(
            "| category | cases tried | clear errors | right answers | crashes | silent wrong"
                + " results |\n|---|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, long[]> e : COUNTS.entrySet()) {
      long[] c = e.getValue();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %d | %d | %d |%n",
              e.getKey(),
              c[0] + c[1] + c[2] + c[3],
              c[0],
              c[1],
              c[2],
              c[3]));
    }
    return b.toString();
  }

  /**
   * Prints the table and appends it to {@code target/robustness.md}.
   *
   * @param title what ran
   */
  public static synchronized void report(String title) {
    String text = "## " + title + (SOAK ? " (soak)" : "") + "\n\n" + table();
    System.out.println(text);
    try {
      Path out = Path.of("target", "robustness.md");
      Files.createDirectories(out.getParent());
      Files.writeString(
          out,
          text + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("could not write target/robustness.md: " + e);
    }
  }

  // ---- mutations ----

  /**
   * @return a copy with {@code n} random bits flipped in {@code [from, to)}
   */
  public static byte[] flipBits(byte[] b, Random r, int n, int from, int to) {
    byte[] out = b.clone();
    for (int i = 0; i < n; i++) {
      int at = from + r.nextInt(Math.max(1, to - from));
      out[at] ^= (byte) (1 << r.nextInt(8));
    }
    return out;
  }

  /**
   * @return a copy with {@code n} random bytes in {@code [from, to)} set to random values
   */
  public static byte[] randomBytes(byte[] b, Random r, int n, int from, int to) {
    byte[] out = b.clone();
    for (int i = 0; i < n; i++) {
      out[from + r.nextInt(Math.max(1, to - from))] = (byte) r.nextInt(256);
    }
    return out;
  }

  /**
   * @return the first {@code 0 <= k < length} bytes
   */
  public static byte[] truncate(byte[] b, Random r) {
    return java.util.Arrays.copyOf(b, r.nextInt(b.length));
  }

  /**
   * @return a copy with one byte inserted or deleted at a random position in {@code [from, to)}
   */
  public static byte[] shift(byte[] b, Random r, int from, int to) {
    int at = from + r.nextInt(Math.max(1, to - from));
    if (r.nextBoolean()) {
      byte[] out = new byte[b.length + 1];
      System.arraycopy(b, 0, out, 0, at);
      out[at] = (byte) r.nextInt(256);
      System.arraycopy(b, at, out, at + 1, b.length - at);
      return out;
    }
    byte[] out = new byte[b.length - 1];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(b, at + 1, out, at, b.length - at - 1);
    return out;
  }

  /**
   * @return a copy with the {@code width}-byte integer at {@code at} set to a random limit value
   */
  public static byte[] sizeField(byte[] b, Random r, int at, int width, ByteOrder order) {
    byte[] out = b.clone();
    long v = LIMITS[r.nextInt(LIMITS.length)];
    ByteBuffer w = ByteBuffer.wrap(out).order(order);
    if (width == 8) {
      w.putLong(at, v);
    } else if (width == 4) {
      w.putInt(at, (int) v);
    } else {
      w.putShort(at, (short) v);
    }
    return out;
  }

  private static final Pattern NUMBER = Pattern.compile("-?\\d+");

  /**
   * Replaces one number in a text header (JSON, a Python dict) with a limit value or beyond.
   *
   * @return the new header, or the same if it holds no number
   */
  public static String editNumber(String header, Random r) {
    List<int[]> spans = new ArrayList<>();
    Matcher m = NUMBER.matcher(header);
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    if (spans.isEmpty()) {
      return header;
    }
    int[] s = spans.get(r.nextInt(spans.size()));
    String[] beyond = {"18446744073709551616", "99999999999999999999999", "1e30", "-0"};
    String v =
        r.nextInt(5) == 0
            ? beyond[r.nextInt(beyond.length)]
            : Long.toString(LIMITS[r.nextInt(LIMITS.length)]);
    return header.substring(0, s[0]) + v + header.substring(s[1]);
  }

  /**
   * @return UTF-8 bytes of a string
   */
  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
