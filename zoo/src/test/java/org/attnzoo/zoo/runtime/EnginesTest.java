package org.attnzoo.zoo.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Engine choice, including the ARMv8.0 fallback decided from /proc/cpuinfo. */
class EnginesTest {

  // Feature lines as the Linux kernel prints them: Cortex-A72 (ARMv8.0) and Neoverse-N1 (v8.2).
  private static final String CORTEX_A72 =
      "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32"
          + " cpuid\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n";
  private static final String NEOVERSE_N1 =
      "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp"
          + " asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU part\t: 0xd0c\n";

  @Test
  void namesMapToDjlEngines() {
    assertEquals(Engines.PYTORCH, Engines.resolve("pytorch", "linux-x86_64", ""));
    assertEquals(Engines.PYTORCH, Engines.resolve("PyTorch", "linux-x86_64", ""));
    assertEquals(Engines.PYTORCH, Engines.resolve(null, "linux-x86_64", ""));
    assertEquals(Engines.ONNX_RUNTIME, Engines.resolve("onnxruntime", "linux-x86_64", ""));
    assertEquals(Engines.ONNX_RUNTIME, Engines.resolve("OnnxRuntime", "linux-x86_64", ""));
  }

  @Test
  void unknownEngineIsRejectedListingTheChoices() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Engines.resolve("tflite", "linux-x86_64", ""));
    assertTrue(e.getMessage().contains("tflite") && e.getMessage().contains("onnxruntime"));
  }

  @Test
  void armV80WithoutAtomicsFallsBackToOnnxRuntime() {
    assertTrue(Engines.lacksArmAtomics("linux-aarch64", CORTEX_A72));
    assertEquals(Engines.ONNX_RUNTIME, Engines.resolve("pytorch", "linux-aarch64", CORTEX_A72));
    assertEquals(Engines.ONNX_RUNTIME, Engines.resolve("auto", "linux-aarch64", CORTEX_A72));
  }

  @Test
  void armWithAtomicsAndOtherPlatformsKeepPyTorch() {
    assertFalse(Engines.lacksArmAtomics("linux-aarch64", NEOVERSE_N1));
    assertEquals(Engines.PYTORCH, Engines.resolve("pytorch", "linux-aarch64", NEOVERSE_N1));
    // x86 cpuinfo has "flags", not "Features"; macOS has no /proc/cpuinfo.
    assertFalse(Engines.lacksArmAtomics("linux-x86_64", "flags\t: fpu sse sse2\n"));
    assertFalse(Engines.lacksArmAtomics("osx-aarch64", ""));
    assertFalse(Engines.lacksArmAtomics("linux-aarch64", ""));
  }

  @Test
  void hardwareCapabilityWordIsReadFromTheAuxiliaryVector() {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(6).putLong(4096); // AT_PAGESZ
    // AT_HWCAP of a Cortex-A72: fp asimd evtstrm aes pmull sha1 sha2 crc32 (bits 0-7), cpuid
    // (bit 11); no atomics (bit 8).
    b.putLong(16).putLong(0x8ffL);
    b.putLong(0).putLong(0); // AT_NULL
    assertEquals(0x8ffL, Engines.hwcap(b.array()));
    assertEquals(0, Engines.hwcap(b.array()) & Engines.HWCAP_ATOMICS);
    assertTrue((0x9ffL & Engines.HWCAP_ATOMICS) != 0);
    assertEquals(null, Engines.hwcap(new byte[16]));
  }
}
