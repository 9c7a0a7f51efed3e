package org.attnzoo.training.data;

/** Derived seeds: every random stream of a run is a pure function of the run seed and a counter. */
public final class Seeds {

  private Seeds() {}

  /**
   * SplitMix64 finaliser of {@code seed} and {@code counter}: well-spread, independent-looking
   * seeds for each epoch and step, so a resumed run draws exactly what an uninterrupted one would.
   *
   * @param seed the run seed
   * @param counter epoch or step number (with a stream tag)
   * @return a 64-bit seed
   */
  public static long mix(long seed, long counter) {
    long z = seed * 0x9E3779B97F4A7C15L + counter + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
