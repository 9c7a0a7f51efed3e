package org.attnzoo.nn;

import ai.djl.ndarray.types.Shape;

/**
 * Input validation shared by every attnzoo block. Each failure is an {@link
 * IllegalArgumentException} whose message names the block, what it expected and what came.
 */
public final class Checks {

  private Checks() {}

  /**
   * Requires {@code shape} to have {@code rank} axes.
   *
   * @param block the block's name, for the message
   * @param shape the input shape
   * @param rank the expected rank
   * @param layout a human-readable layout such as {@code "[B, N, C]"}
   */
  public static void rank(String block, Shape shape, int rank, String layout) {
    if (shape.dimension() != rank) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects a rank-%d input %s, got shape %s (rank %d)",
              block, rank, layout, shape, shape.dimension()));
    }
  }

  /**
   * Requires axis {@code axis} of {@code shape} to equal {@code expected}.
   *
   * @param block the block's name, for the message
   * @param shape the input shape
   * @param axis the axis to check (negative counts from the end)
   * @param expected the expected size
   * @param what what the axis holds, e.g. {@code "channels"}
   */
  public static void size(String block, Shape shape, int axis, long expected, String what) {
    int a = axis < 0 ? shape.dimension() + axis : axis;
    if (shape.get(a) != expected) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects %d %s on axis %d, got %d (input shape %s)",
              block, expected, what, a, shape.get(a), shape));
    }
  }

  /**
   * Requires a builder argument to be strictly positive.
   *
   * @param name the argument's name
   * @param value its value
   */
  public static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  /**
   * Requires a builder argument to be zero or positive.
   *
   * @param name the argument's name
   * @param value its value
   */
  public static void nonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  /**
   * Requires a probability in [0, 1).
   *
   * @param name the argument's name
   * @param value its value
   */
  public static void probability(String name, float value) {
    if (!(value >= 0f && value < 1f)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
    }
  }

  /**
   * Requires {@code dim} to be divisible by {@code by}.
   *
   * @param dimName the name of the dividend
   * @param dim the dividend
   * @param byName the name of the divisor
   * @param by the divisor
   */
  public static void divisible(String dimName, long dim, String byName, long by) {
    if (by <= 0 || dim % by != 0) {
      throw new IllegalArgumentException(
          String.format("%s %d is not divisible by %s %d", dimName, dim, byName, by));
    }
  }
}
