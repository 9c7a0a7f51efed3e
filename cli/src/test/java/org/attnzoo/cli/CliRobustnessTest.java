package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's command-line rows: each bad input ends in a sentence naming the file and what to do,
 * before the model runs where it can, and never in exit 0 with a wrong or non-finite result.
 */
class CliRobustnessTest {

  private static final String VIT = "vit_micro_patch4_32";

  @TempDir static Path tmp;
  static Path weights;
  static Path nanWeights;
  static Path input;

  @BeforeAll
  static void files() throws Exception {
    Variant v = Variants.get(VIT);
    try (Model m = AttnZoo.newModel(v, Device.cpu(), null)) {
      Map<String, Tensor> w =
          WeightImporter.export(m.getBlock(), CheckpointMappers.forFamily(v.family()));
      weights = tmp.resolve("w.safetensors");
      SafeTensors.write(w, weights);
      // One NaN in the head's bias: every output row then holds a NaN.
      Map<String, Tensor> bad = new LinkedHashMap<>(w);
      Tensor bias = w.get("head.bias");
      ByteBuffer b = ByteBuffer.allocate(bias.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
      b.put(bias.data().duplicate()).putFloat(0, Float.NaN).flip();
      bad.put("head.bias", new Tensor(DataType.FLOAT32, bias.shape(), b));
      nanWeights = tmp.resolve("nan.safetensors");
      SafeTensors.write(bad, nanWeights);
    }
    input = tmp.resolve("in.npy");
    Npy.write(zeros(2), input);
  }

  static Tensor zeros(long batch) {
    Shape s = new Shape(batch, 1, 32, 32);
    return new Tensor(
        DataType.FLOAT32,
        s,
        ByteBuffer.allocate((int) s.size() * 4).order(ByteOrder.LITTLE_ENDIAN));
  }

  static CliRun run(String weightsArg, String in, String out, String... more) {
    String[] base = {
      "run", "--variant", VIT, "--weights", weightsArg, "--input", in, "--output", out
    };
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return CliRun.of(all);
  }

  @Test
  void nonFiniteOutputIsAnErrorUnlessAllowed() {
    Path out = tmp.resolve("nan-out.npy");
    CliRun r = run(nanWeights.toString(), input.toString(), out.toString());
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("non-finite") && r.err().contains("output"), r.err());
    assertFalse(Files.exists(out), "no output is written");
    r = run(nanWeights.toString(), input.toString(), out.toString(), "--allow-nonfinite");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(out));
  }

  @Test
  void missingInputAndOutputFolderAreReportedFirst() {
    // The weights do not exist either: the input is checked first, before any model is built.
    CliRun r =
        run(
            "missing.safetensors",
            tmp.resolve("nope.npy").toString(),
            tmp.resolve("o.npy").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("nope.npy does not exist; give a .npy file"), r.err());
    r = run("missing.safetensors", input.toString(), tmp.resolve("no/dir/o.npy").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("does not exist; create it first"), r.err());
  }

  @Test
  void onnxOnPyTorchAndEmptyBatchOnOnnxRuntime() throws Exception {
    Path onnx = tmp.resolve("m.onnx");
    CliRun e =
        CliRun.of(
            "export",
            "--variant",
            VIT,
            "--weights",
            weights.toString(),
            "--output",
            onnx.toString());
    assertEquals(0, e.code(), e.err());
    CliRun r =
        run(
            onnx.toString(),
            input.toString(),
            tmp.resolve("o.npy").toString(),
            "--engine",
            "pytorch");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--engine onnxruntime"), r.err());
    Path empty = tmp.resolve("empty.npy");
    Npy.write(zeros(0), empty);
    r =
        run(
            onnx.toString(),
            empty.toString(),
            tmp.resolve("o.npy").toString(),
            "--engine",
            "onnxruntime");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("batch of 0"), r.err());
  }

  @Test
  void exportTargetErrorsNameTheUsersPath() {
    Path target = tmp.resolve("absent").resolve("vm.safetensors");
    CliRun r =
        CliRun.of(
            "export",
            "--variant",
            VIT,
            "--weights",
            weights.toString(),
            "--format",
            "safetensors",
            "--output",
            target.toString());
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains(target.toString()), r.err());
    assertFalse(r.err().contains(".tmp"), r.err());
  }

  /** Before: the file became 0600 and the symlink was replaced by a regular file. */
  @Test
  void exportOverAFileKeepsItsPermissionsAndLinks() throws Exception {
    Path real = tmp.resolve("real.onnx");
    Files.write(real, new byte[] {0});
    var perms = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
    Files.setPosixFilePermissions(real, perms);
    Path link = Files.createSymbolicLink(tmp.resolve("link.onnx"), real.getFileName());
    CliRun r =
        CliRun.of(
            "export",
            "--variant",
            VIT,
            "--weights",
            weights.toString(),
            "--output",
            link.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isSymbolicLink(link));
    assertEquals(perms, Files.getPosixFilePermissions(real));
    assertTrue(Files.size(real) > 1000);
  }

  @Test
  void unreachableUrlIsNamed() {
    String url = "http://127.0.0.1:9/w.safetensors";
    CliRun r = run(url, input.toString(), tmp.resolve("o.npy").toString());
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains(url), r.err());
  }

  @Test
  void helpOnEverySubcommandAndDidYouMean() {
    for (String cmd : new String[] {"list", "info", "run", "predict", "train", "export", "demo"}) {
      CliRun r = CliRun.of(cmd, "--help");
      assertEquals(0, r.code(), cmd + ": " + r.err());
      assertTrue(r.out().contains("Usage: attnzoo " + cmd), cmd + ": " + r.out());
    }
    CliRun r = CliRun.of("info", "vit_micro_patch4_23");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Did you mean vit_micro_patch4_32"), r.err());
  }

  @Test
  void predictGoesOnPastABadFile() throws Exception {
    Path good = tmp.resolve("good.png");
    ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", good.toFile());
    Path broken = tmp.resolve("broken.png");
    Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Path missing = tmp.resolve("missing.png");
    CliRun r =
        CliRun.of(
            "predict",
            "--dataset",
            "fashion-mnist",
            broken.toString(),
            missing.toString(),
            good.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.out().contains("good.png"), r.out());
    assertTrue(r.err().contains(broken.toString()), r.err());
    assertTrue(r.err().contains(missing.toString()), r.err());
    assertTrue(r.err().contains("2 of 3 images failed"), r.err());
  }
}
