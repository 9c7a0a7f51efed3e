package org.attnzoo.zoo.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Which native platforms the class path carries PyTorch libraries for, so that a wrong build stops
 * with a message naming the Maven profile to use rather than a download attempt or a JNI trace.
 */
public final class Platforms {

  private Platforms() {}

  /**
   * @return this machine's DJL platform classifier, e.g. {@code linux-x86_64}
   */
  public static String current() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String o = os.startsWith("mac") ? "osx" : os.startsWith("win") ? "win" : "linux";
    String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch;
    return o + "-" + a;
  }

  /**
   * @return classifiers of the bundled PyTorch native jars on the class path
   */
  public static List<String> bundled() {
    List<String> out = new ArrayList<>();
    try {
      for (URL url :
          Collections.list(
              Platforms.class.getClassLoader().getResources("native/lib/pytorch.properties"))) {
        Properties p = new Properties();
        try (InputStream in = url.openStream()) {
          p.load(in);
        }
        out.add(p.getProperty("classifier", "?") + " (" + p.getProperty("flavor", "?") + ")");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the class path", e);
    }
    return out;
  }

  /**
   * @throws IllegalStateException naming the profile to build with, when the class path carries no
   *     PyTorch natives for this machine, or when this CPU cannot run them (ARMv8.0)
   */
  public static void requireBundledNatives() {
    if (Engines.pyTorchUnsupportedHere()) {
      throw new IllegalStateException(
          "This aarch64 CPU lacks the ARMv8.1 atomics that DJL's PyTorch library needs (it would"
              + " stop with SIGILL). Run on ONNX Runtime instead: export the model elsewhere"
              + " (attnzoo export --format onnx) and use attnzoo run --engine onnxruntime --weights"
              + " model.onnx.");
    }
    String here = current();
    List<String> have = bundled();
    if (have.stream().anyMatch(c -> c.startsWith(here + " "))) {
      return;
    }
    throw new IllegalStateException(
        "This build bundles PyTorch natives for "
            + (have.isEmpty() ? "no platform" : String.join(", ", have))
            + ", but this machine is "
            + here
            + ". Rebuild with the matching Maven profile: mvn -P"
            + here
            + " package (profiles: linux-x86_64, linux-aarch64, osx-aarch64, win-x86_64; cuda"
            + " for NVIDIA GPUs).");
  }
}
