package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.translate.TranslateException;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shipped weights named from the CLI ({@code zoo:<variant>[-<dataset>]}, {@code --dataset}) for
 * {@code export} and {@code run}, and the reasons DJL's {@code ModelNotFoundException} carries.
 */
class ZooWeightsCliTest {

  private static final String VARIANT = "vit_micro_patch4_32";

  @TempDir Path tmp;

  private Path extracted() throws Exception {
    return ZooWeights.extract(ShippedModels.find(VARIANT, "fashion-mnist").orElseThrow());
  }

  @Test
  void exportWritesTheSameFileForEveryWayOfNamingShippedWeights() throws Exception {
    Path byFile = tmp.resolve("file.safetensors");
    Path byZoo = tmp.resolve("zoo.safetensors");
    Path byDataset = tmp.resolve("dataset.safetensors");
    String[] common = {"export", "--format", "safetensors", "--output"};
    CliRun a =
        CliRun.of(
            concat(
                common,
                byFile.toString(),
                "--variant",
                VARIANT,
                "--weights",
                extracted().toString()));
    CliRun b =
        CliRun.of(
            concat(common, byZoo.toString(), "--weights", "zoo:" + VARIANT + "-fashion-mnist"));
    CliRun c =
        CliRun.of(
            concat(
                common, byDataset.toString(), "--variant", VARIANT, "--dataset", "fashion-mnist"));
    assertEquals(0, a.code(), a.err());
    assertEquals(0, b.code(), b.err());
    assertEquals(0, c.code(), c.err());
    assertArrayEquals(Files.readAllBytes(byFile), Files.readAllBytes(byZoo));
    assertArrayEquals(Files.readAllBytes(byFile), Files.readAllBytes(byDataset));
  }

  @Test
  void runWithZooWeightsMatchesRunWithTheFile() throws Exception {
    var shape = Variants.get(VARIANT).config().inputShape(2);
    Random r = new Random(5);
    ByteBuffer bytes = ByteBuffer.allocate((int) shape.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < shape.size(); i++) {
      bytes.putFloat((float) r.nextGaussian());
    }
    bytes.flip();
    Path x = tmp.resolve("x.npy");
    Npy.write(new Tensor(ai.djl.ndarray.types.DataType.FLOAT32, shape, bytes), x);
    Path y1 = tmp.resolve("y1.npy");
    Path y2 = tmp.resolve("y2.npy");
    CliRun a =
        CliRun.of(
            "run",
            "--variant",
            VARIANT,
            "--weights",
            extracted().toString(),
            "--input",
            x.toString(),
            "--output",
            y1.toString(),
            "--engine",
            "pytorch");
    CliRun b =
        CliRun.of(
            "run",
            "--weights",
            "zoo:" + VARIANT,
            "--input",
            x.toString(),
            "--output",
            y2.toString(),
            "--engine",
            "pytorch");
    assertEquals(0, a.code(), a.err());
    assertEquals(0, b.code(), b.err());
    assertArrayEquals(Npy.read(y1).toFloats(), Npy.read(y2).toFloats());
  }

  @Test
  void conflictingOrMissingWeightsAreUsageErrors() {
    Path out = tmp.resolve("o.onnx");
    CliRun both =
        CliRun.of(
            "export",
            "--weights",
            "zoo:" + VARIANT,
            "--dataset",
            "fashion-mnist",
            "--output",
            out.toString());
    assertEquals(2, both.code());
    assertTrue(both.err().contains("not both"), both.err());

    CliRun other =
        CliRun.of(
            "export",
            "--variant",
            "vit_mini_patch4_28",
            "--weights",
            "zoo:" + VARIANT,
            "--output",
            out.toString());
    assertEquals(2, other.code());
    assertTrue(other.err().contains("does not match zoo:" + VARIANT), other.err());

    CliRun none = CliRun.of("export", "--output", out.toString());
    assertEquals(2, none.code());
    assertTrue(none.err().contains("--dataset NAME"), none.err());

    CliRun unknown = CliRun.of("export", "--dataset", "cifar-10", "--output", out.toString());
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("no model trained on cifar-10"), unknown.err());
  }

  @Test
  void modelNotFoundPrintsTheZoosReasonNotOnlyDjlsGenericMessage() {
    ModelNotFoundException djl =
        new ModelNotFoundException(
            "No model with the specified URI or the matching Input/Output type is found.",
            new ModelNotFoundException("attnzoo has no variant 'vit_mini_patch4_82'"));
    String shown = AttnZooCli.reason(new RuntimeException("wrapped", djl));
    assertTrue(shown.startsWith("attnzoo has no variant 'vit_mini_patch4_82'"), shown);
    assertTrue(shown.contains("No model with the specified URI"), shown);

    ModelNotFoundException bare = new ModelNotFoundException("No model matching the criteria");
    assertEquals("No model matching the criteria", AttnZooCli.reason(bare));

    TranslateException badInput =
        new TranslateException("translate", new IllegalArgumentException("image is empty"));
    assertEquals("image is empty", AttnZooCli.reason(badInput));
  }

  @Test
  void predictWithADatasetNoModelShipsForPrintsTheReason() throws Exception {
    Path image = tmp.resolve("a.png");
    ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", image.toFile());
    CliRun r =
        CliRun.of("predict", "--variant", VARIANT, "--dataset", "cifar-10", image.toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("cifar-10"), r.err());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
