package org.attnzoo.zoo.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the {@code --engine pytorch|onnxruntime|auto} choice to a DJL engine name.
 *
 * <p>DJL's aarch64 PyTorch library uses ARMv8.1 atomic instructions and dies with SIGILL on ARMv8.0
 * cores (Cortex-A72, Raspberry Pi 4). On such a CPU (aarch64 without the {@code atomics} feature in
 * {@code /proc/cpuinfo}) PyTorch is replaced by ONNX Runtime with a warning, instead of a crash.
 */
public final class Engines {

  private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

  /** DJL's PyTorch engine: runs attnzoo blocks directly (training and inference). */
  public static final String PYTORCH = "PyTorch";

  /** DJL's ONNX Runtime engine: runs a model exported by attnzoo (inference only). */
  public static final String ONNX_RUNTIME = "OnnxRuntime";

  private Engines() {}

  /**
   * @param choice {@code pytorch}, {@code onnxruntime} or {@code auto} (any case; DJL's names work
   *     too); null means auto
   * @return the DJL engine name to use on this machine
   * @throws IllegalArgumentException for an unknown choice
   */
  public static String resolve(String choice) {
    String engine = resolve(choice, Platforms.current(), cpuInfo());
    if (!engine.equals(PYTORCH)) {
      // ONNX Runtime would fall back to PyTorch for NDArray ops it lacks: never load it here.
      System.setProperty("ai.djl.onnx.disable_alternative", "true");
    }
    return engine;
  }

  /**
   * The decision of {@link #resolve(String)} for a given platform, testable anywhere.
   *
   * @param choice the user's choice
   * @param platform a DJL platform such as {@code linux-aarch64}
   * @param cpuInfo the content of {@code /proc/cpuinfo} (may be empty)
   * @return the DJL engine name
   */
  static String resolve(String choice, String platform, String cpuInfo) {
    String c = choice == null ? "auto" : choice.toLowerCase(Locale.ROOT);
    String engine =
        switch (c) {
          case "pytorch", "auto" -> PYTORCH;
          case "onnxruntime", "ort" -> ONNX_RUNTIME;
          default ->
              throw new IllegalArgumentException(
                  "unknown engine '" + choice + "'; expected pytorch, onnxruntime or auto");
        };
    if (engine.equals(PYTORCH) && lacksArmAtomics(platform, cpuInfo)) {
      LOG.warn(
          "this aarch64 CPU lacks the ARMv8.1 atomics that DJL's PyTorch library needs (it would"
              + " stop with SIGILL): using ONNX Runtime instead");
      return ONNX_RUNTIME;
    }
    return engine;
  }

  /**
   * @return true where DJL's PyTorch library cannot run: an aarch64 CPU without ARMv8.1 atomics
   */
  public static boolean pyTorchUnsupportedHere() {
    return lacksArmAtomics(Platforms.current(), cpuInfo());
  }

  /**
   * @param platform a DJL platform such as {@code linux-aarch64}
   * @param cpuInfo the content of {@code /proc/cpuinfo}
   * @return true on a Linux aarch64 CPU whose feature list lacks {@code atomics} (ARMv8.0)
   */
  static boolean lacksArmAtomics(String platform, String cpuInfo) {
    if (!"linux-aarch64".equals(platform) || cpuInfo == null || cpuInfo.isEmpty()) {
      return false;
    }
    for (String line : cpuInfo.split("\n")) {
      if (line.startsWith("Features")) {
        int colon = line.indexOf(':');
        for (String f : line.substring(colon + 1).trim().split("\\s+")) {
          if (f.equals("atomics")) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  /**
   * The CPU's features as a {@code /proc/cpuinfo}-style {@code Features} line. On aarch64 the
   * kernel's hardware-capability word ({@code AT_HWCAP} in {@code /proc/self/auxv}) comes first: it
   * is what user-mode emulators such as qemu-user report faithfully for the emulated core, while
   * their {@code /proc/cpuinfo} may be the host's.
   */
  private static String cpuInfo() {
    if ("linux-aarch64".equals(Platforms.current())) {
      try {
        Long hwcap = hwcap(Files.readAllBytes(Path.of("/proc/self/auxv")));
        if (hwcap != null) {
          return "Features\t: " + ((hwcap & HWCAP_ATOMICS) != 0 ? "atomics" : "") + "\n";
        }
      } catch (IOException | RuntimeException e) {
        // fall through to /proc/cpuinfo
      }
    }
    try {
      Path p = Path.of("/proc/cpuinfo");
      return Files.isReadable(p) ? Files.readString(p) : "";
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** {@code AT_HWCAP}, the auxiliary-vector key of the hardware-capability word. */
  private static final long AT_HWCAP = 16;

  /** Bit of {@code AT_HWCAP} for the ARMv8.1 LSE atomics ({@code asm/hwcap.h}). */
  static final long HWCAP_ATOMICS = 1L << 8;

  /**
   * @param auxv the bytes of {@code /proc/self/auxv} of a 64-bit little-endian process
   * @return the {@code AT_HWCAP} word, or null if absent
   */
  static Long hwcap(byte[] auxv) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(auxv).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= 16) {
      long key = b.getLong();
      long value = b.getLong();
      if (key == AT_HWCAP) {
        return value;
      }
      if (key == 0) {
        break;
      }
    }
    return null;
  }

  /**
   * @param engine a DJL engine name
   * @return true for ONNX Runtime
   */
  public static boolean isOnnxRuntime(String engine) {
    return ONNX_RUNTIME.equalsIgnoreCase(engine);
  }
}
