package org.attnzoo.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Times several calls against each other: every round calls each once, in a random order, so that a
 * change of load on a shared machine, and whatever one call leaves behind (caches, spinning
 * threads), hits all of them alike. Warm-up rounds come first and are not kept; then rounds run
 * until a time budget is spent, with a minimum and a maximum number of rounds, so that a slow model
 * still gets enough samples and a fast one does not take longer than it needs.
 */
final class InterleavedRounds {

  private InterleavedRounds() {}

  /**
   * How many rounds to run.
   *
   * @param warmupRounds rounds run first and not kept; the warm-up stops early (after at least one
   *     round) once it has taken {@code seconds}
   * @param minRounds rounds always kept
   * @param maxRounds rounds kept at most
   * @param seconds the time after which no new round starts once {@code minRounds} are done
   */
  record Budget(int warmupRounds, int minRounds, int maxRounds, double seconds) {

    /** Checks the bounds. */
    Budget {
      if (warmupRounds < 0 || minRounds < 1 || maxRounds < minRounds || !(seconds >= 0)) {
        throw new IllegalArgumentException(
            String.format(
                "need warm-up >= 0, 1 <= min rounds <= max rounds and seconds >= 0; got warm-up %d,"
                    + " min %d, max %d, seconds %s",
                warmupRounds, minRounds, maxRounds, seconds));
      }
    }
  }

  /**
   * Runs the calls round by round.
   *
   * @param calls the calls; each times itself and returns milliseconds
   * @param budget how many rounds
   * @param order the random order of the calls within a round
   * @param clock nanoseconds, for the budget (the calls' own times are what is kept)
   * @return for each call, its milliseconds in the kept rounds, in round order
   */
  static double[][] run(
      List<DoubleSupplier> calls, Budget budget, Random order, LongSupplier clock) {
    if (calls.isEmpty()) {
      throw new IllegalArgumentException("no calls to time");
    }
    List<Integer> indices = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      indices.add(i);
    }
    long limit = (long) (budget.seconds() * 1e9);
    long start = clock.getAsLong();
    for (int r = 0; r < budget.warmupRounds(); r++) {
      round(calls, indices, order);
      if (clock.getAsLong() - start >= limit) {
        break;
      }
    }
    List<double[]> rounds = new ArrayList<>();
    start = clock.getAsLong();
    while (rounds.size() < budget.minRounds()
        || (rounds.size() < budget.maxRounds() && clock.getAsLong() - start < limit)) {
      rounds.add(round(calls, indices, order));
    }
    double[][] ms = new double[calls.size()][rounds.size()];
    for (int r = 0; r < rounds.size(); r++) {
      for (int i = 0; i < calls.size(); i++) {
        ms[i][r] = rounds.get(r)[i];
      }
    }
    return ms;
  }

  /** One round: every call once, shuffled; the times indexed as the calls. */
  private static double[] round(List<DoubleSupplier> calls, List<Integer> indices, Random order) {
    Collections.shuffle(indices, order);
    double[] ms = new double[calls.size()];
    for (int i : indices) {
      ms[i] = calls.get(i).getAsDouble();
    }
    return ms;
  }
}
