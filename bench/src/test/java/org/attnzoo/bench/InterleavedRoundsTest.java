package org.attnzoo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.DoubleSupplier;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;

/**
 * {@link InterleavedRounds} on a fake clock (every call takes a fixed time) and {@link
 * EngineTableBenchmark}'s command line.
 */
class InterleavedRoundsTest {

  /** A fake clock in nanoseconds, and calls that advance it and log their order. */
  private static final class Fake {
    long now;
    final List<Integer> log = new ArrayList<>();

    /** Call i takes ms milliseconds and reports the number of calls made before it. */
    DoubleSupplier call(int i, double ms) {
      return () -> {
        now += (long) (ms * 1e6);
        log.add(i);
        return log.size() - 1;
      };
    }
  }

  @Test
  void warmupIsDroppedAndEveryRoundCallsEachOnceInARandomOrder() {
    Fake f = new Fake();
    List<DoubleSupplier> calls = List.of(f.call(0, 10), f.call(1, 10));
    // 2 warm-up rounds, then exactly 8 (min = max): 10 rounds of 2 calls.
    double[][] ms =
        InterleavedRounds.run(
            calls, new InterleavedRounds.Budget(2, 8, 8, 100), new Random(3), () -> f.now);
    assertEquals(20, f.log.size());
    assertEquals(8, ms[0].length);
    assertEquals(8, ms[1].length);
    Set<List<Integer>> orders = new HashSet<>();
    for (int r = 0; r < 10; r++) {
      List<Integer> round = f.log.subList(2 * r, 2 * r + 2);
      assertEquals(Set.of(0, 1), Set.copyOf(round), "round " + r + ": " + f.log);
      orders.add(List.copyOf(round));
    }
    assertEquals(2, orders.size(), "both orders should occur in 10 rounds: " + f.log);
    // The kept times are those of the calls after the 4 warm-up calls, matched to their call.
    for (int r = 0; r < 8; r++) {
      for (int i = 0; i < 2; i++) {
        int position = (int) ms[i][r];
        assertTrue(position >= 4 + 2 * r && position < 6 + 2 * r, "round " + r + " call " + i);
        assertEquals(i, f.log.get(position));
      }
    }
  }

  @Test
  void stopsAfterTheTimeBudgetButNotBeforeTheMinimum() {
    // Rounds of 2 x 100 ms against a 1 s budget: 5 rounds reach it.
    Fake f = new Fake();
    List<DoubleSupplier> calls = List.of(f.call(0, 100), f.call(1, 100));
    double[][] ms =
        InterleavedRounds.run(
            calls, new InterleavedRounds.Budget(0, 3, 50, 1.0), new Random(1), () -> f.now);
    assertEquals(5, ms[0].length);

    // Rounds of 2 x 2 s: the budget is spent after one, the minimum still holds; the warm-up
    // stops after its first round.
    Fake slow = new Fake();
    calls = List.of(slow.call(0, 2000), slow.call(1, 2000));
    ms =
        InterleavedRounds.run(
            calls, new InterleavedRounds.Budget(3, 5, 50, 1.0), new Random(1), () -> slow.now);
    assertEquals(5, ms[0].length);
    assertEquals(12, slow.log.size(), "one warm-up round and five kept: " + slow.log);

    // Rounds of 2 x 1 ms: the maximum stops it long before the budget.
    Fake fast = new Fake();
    calls = List.of(fast.call(0, 1), fast.call(1, 1));
    ms =
        InterleavedRounds.run(
            calls, new InterleavedRounds.Budget(0, 2, 7, 1.0), new Random(1), () -> fast.now);
    assertArrayEquals(new int[] {7, 7}, new int[] {ms[0].length, ms[1].length});
  }

  @Test
  void rejectsImpossibleBudgets() {
    assertThrows(IllegalArgumentException.class, () -> new InterleavedRounds.Budget(0, 0, 5, 1));
    assertThrows(IllegalArgumentException.class, () -> new InterleavedRounds.Budget(0, 6, 5, 1));
    assertThrows(IllegalArgumentException.class, () -> new InterleavedRounds.Budget(-1, 1, 5, 1));
    assertThrows(
        IllegalArgumentException.class, () -> new InterleavedRounds.Budget(0, 1, 5, Double.NaN));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            InterleavedRounds.run(List.of(), new InterleavedRounds.Budget(0, 1, 1, 1), null, null));
  }

  @Test
  void commandLine() {
    EngineTableBenchmark.Settings all = EngineTableBenchmark.parse(new String[] {"--out", "x.csv"});
    assertEquals(Variants.ALL, all.variants());
    assertEquals(List.of(1, 8), all.batches());
    assertEquals(2, all.threads());

    EngineTableBenchmark.Settings some =
        EngineTableBenchmark.parse(
            new String[] {
              "--batches", "1,4", "--ort-session", "zoo", "--estimate-only", "efficientvit_b0"
            });
    assertEquals(List.of(Variants.get("efficientvit_b0")), some.variants());
    assertEquals(List.of(1, 4), some.batches());
    assertTrue(some.zooSession());

    for (String[] bad :
        new String[][] {
          {"efficientvit_b0"}, // no --out
          {"--out", "x.csv", "--batches", "0"},
          {"--out", "x.csv", "--ort-session", "fast"},
          {"--out", "x.csv", "--iters", "3"},
          {"--out", "x.csv", "no_such_variant"},
          {"--out"}
        }) {
      assertThrows(
          IllegalArgumentException.class,
          () -> EngineTableBenchmark.parse(bad),
          String.join(" ", bad));
    }
  }
}
