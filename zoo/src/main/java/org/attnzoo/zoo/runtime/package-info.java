/**
 * Engines, devices and platforms in one place: which DJL engine runs a model ({@code PyTorch},
 * {@code OnnxRuntime}), which device ({@code cpu}, {@code gpu}, {@code auto}) and what the platform
 * can do, plus the forward-timing helper the CLI and the benchmarks share.
 *
 * <p>Depends on DJL's API only, so every other package may use it.
 */
package org.attnzoo.zoo.runtime;
