package org.attnzoo.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.runtime.Platforms;

/**
 * A platform smoke check for a new machine or an emulated one (see {@code scripts/arm64_smoke.sh}):
 * checks the architecture, the automatic engine choice, and that PyTorch and ONNX Runtime agree on
 * {@code vit_micro_patch4_32} within 1e-4 max abs at batch 1 and 2.
 *
 * <pre>
 * java -cp ... org.attnzoo.cli.PlatformSmoke ARCH ENGINE WORKDIR
 * </pre>
 *
 * {@code ARCH} is the expected {@code os.arch} (e.g. {@code aarch64}); {@code ENGINE} the engine
 * that {@code --engine auto} must pick here ({@code PyTorch}, or {@code OnnxRuntime} on ARMv8.0).
 * Where PyTorch runs, the check exports the model and its outputs to {@code WORKDIR}; where only
 * ONNX Runtime runs, it loads that export and compares with the saved PyTorch outputs. Exit code 0
 * on success, 1 on a failed check.
 */
public final class PlatformSmoke {

  private static final double TOLERANCE = 1e-4;
  private static final int[] BATCHES = {1, 2};

  private PlatformSmoke() {}

  /**
   * @param args expected os.arch, expected engine, work directory
   * @throws Exception on an unexpected failure
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: PlatformSmoke EXPECTED_OS_ARCH EXPECTED_ENGINE WORKDIR");
      System.exit(2);
    }
    long t0 = System.nanoTime();
    String arch = System.getProperty("os.arch");
    check(arch.equals(args[0]), "os.arch is " + arch + ", expected " + args[0]);
    String engine = Engines.resolve("auto");
    System.out.printf(
        "os.arch %s, platform %s, engine chosen %s%n", arch, Platforms.current(), engine);
    check(engine.equals(args[1]), "engine auto picked " + engine + ", expected " + args[1]);
    Path dir = Path.of(args[2]);
    Files.createDirectories(dir);
    Variant v = Variants.get("vit_micro_patch4_32");
    Path onnx = dir.resolve(v.name() + ".onnx");
    if (Engines.PYTORCH.equals(engine)) {
      Platforms.requireBundledNatives();
      try (Model model = AttnZoo.newModel(v, Device.cpu(), Engines.PYTORCH)) {
        AttnZoo.exportOnnx(model, v, onnx);
        try (Model ort = AttnZoo.loadOnnxRuntime(v, onnx.toString(), Device.cpu())) {
          for (int b : BATCHES) {
            float[] x = input(v, b);
            float[] pt = run(model, v, x, b);
            float[] rt = run(ort, v, x, b);
            save(dir.resolve("pytorch_b" + b + ".npy"), pt, b);
            save(dir.resolve("input_b" + b + ".npy"), x, b, v.config().inputShape(b));
            compare("PyTorch vs ONNX Runtime", b, pt, rt);
          }
        }
      }
    } else {
      check(Files.isRegularFile(onnx), onnx + " missing: run this check once where PyTorch runs");
      try (Model ort = AttnZoo.loadOnnxRuntime(v, onnx.toString(), Device.cpu())) {
        for (int b : BATCHES) {
          float[] pt = Npy.read(dir.resolve("pytorch_b" + b + ".npy")).toFloats();
          compare("saved PyTorch vs ONNX Runtime", b, pt, run(ort, v, input(v, b), b));
        }
      }
    }
    System.out.printf("smoke OK in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      System.err.println("smoke FAILED: " + message);
      System.exit(1);
    }
  }

  /** A deterministic input, the same on every platform. */
  private static float[] input(Variant v, int batch) {
    float[] x = new float[Math.toIntExact(v.config().inputShape(batch).size())];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(0.37 * i);
    }
    return x;
  }

  private static float[] run(Model model, Variant v, float[] x, int batch) throws Exception {
    Shape shape = v.config().inputShape(batch);
    try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator());
        NDManager m = model.getNDManager().newSubManager()) {
      return p.predict(new NDList(m.create(x, shape))).singletonOrThrow().toFloatArray();
    }
  }

  private static void save(Path file, float[] values, int batch) throws Exception {
    save(file, values, batch, new Shape(batch, values.length / batch));
  }

  private static void save(Path file, float[] values, int batch, Shape shape) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    Npy.write(new Tensor(DataType.FLOAT32, shape, b), file);
  }

  private static void compare(String what, int batch, float[] a, float[] b) {
    check(a.length == b.length, what + ": output sizes " + a.length + " vs " + b.length);
    double err = 0;
    for (int i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i] - b[i]));
    }
    System.out.printf("%s batch %d: max abs %.3g%n", what, batch, err);
    check(err < TOLERANCE, what + " batch " + batch + ": max abs " + err + " >= " + TOLERANCE);
  }
}
