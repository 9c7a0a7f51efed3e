package org.attnzoo.training.data;

/** Derived seeds: every random stream of a run is a pure function of the run seed and a counter. */
public final class Seeds {

  /** Stream of the model's initialisation (mixed with the run seed, then the engine's seed). */
  public static final long INIT_STREAM = 0x1_0000_0000L;

  /** Stream of the per-step augmentation draws (plus the step). */
  public static final long AUGMENT_STREAM = 0x2_0000_0000L;

  /** Stream of the engine's per-step draws, e.g. DropPath (plus the step). */
  public static final long ENGINE_STREAM = 0x3_0000_0000L;

  /** Stream of the ToSA selector stage's own run seed. */
  public static final long TOSA_STAGE2_STREAM = 0x7_0000_0000L;

  private Seeds() {}

  /**
   * @param seed a 64-bit seed
   * @return the non-negative {@code int} an engine's {@code setRandomSeed} takes, from both halves
   */
  public static int engineSeed(long seed) {
    return (int) (seed ^ (seed >>> 32)) & Integer.MAX_VALUE;
  }

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
