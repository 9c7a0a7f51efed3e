package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnzoo preprocess} writes timm's eval tensor: the expected file is timm 1.0.29's {@code
 * create_transform(**resolve_data_config(model=vit_tiny_patch16_224))} of the same photo ({@code
 * scripts/make_preprocess_fixtures.py}).
 */
class PreprocessCommandTest {

  @TempDir Path dir;

  @Test
  void writesTimmsTensorBitForBit() throws Exception {
    Path photo = dir.resolve("coffee_97x61.png");
    Path expectedFile = dir.resolve("expected.npy");
    try (InputStream in = resource("coffee_97x61.png")) {
      Files.copy(in, photo);
    }
    try (InputStream in =
        new GZIPInputStream(resource("coffee_97x61.png.vit_tiny_patch16_224.npy.gz"))) {
      Files.copy(in, expectedFile);
    }
    Path out = dir.resolve("x.npy");
    CliRun r =
        CliRun.of(
            "preprocess",
            "--variant",
            "vit_tiny_patch16_224",
            "--output",
            out.toString(),
            photo.toString());
    assertEquals(0, r.code(), r.err());
    Tensor mine = Npy.read(out);
    Tensor timm = Npy.read(expectedFile);
    assertEquals(timm.shape(), mine.shape());
    assertEquals("(1, 3, 224, 224)", mine.shape().toString());
    float[] a = timm.toFloats();
    float[] b = mine.toFloats();
    for (int i = 0; i < a.length; i++) {
      assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), "element " + i);
    }
  }

  /**
   * {@code --test-size}: timm's {@code resolve_data_config(model=edgenext_xx_small,
   * use_test_size=True)}, 288 at crop_pct 1.0.
   */
  @Test
  void testSizeIsTimmsTestTransform() throws Exception {
    Path photo = dir.resolve("coffee_97x61.png");
    Path expectedFile = dir.resolve("expected.npy");
    try (InputStream in = resource("coffee_97x61.png")) {
      Files.copy(in, photo);
    }
    try (InputStream in =
        new GZIPInputStream(resource("coffee_97x61.png.edgenext_xx_small.test_size.npy.gz"))) {
      Files.copy(in, expectedFile);
    }
    Path out = dir.resolve("x.npy");
    CliRun r =
        CliRun.of(
            "preprocess",
            "--variant",
            "edgenext_xx_small",
            "--test-size",
            "--output",
            out.toString(),
            photo.toString());
    assertEquals(0, r.code(), r.err());
    Tensor mine = Npy.read(out);
    Tensor timm = Npy.read(expectedFile);
    assertEquals("(1, 3, 288, 288)", timm.shape().toString());
    assertEquals(timm.shape(), mine.shape());
    float[] a = timm.toFloats();
    float[] b = mine.toFloats();
    for (int i = 0; i < a.length; i++) {
      assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), "element " + i);
    }
  }

  @Test
  void testSizeOfAVariantWithoutOneIsAUsageError() {
    CliRun r =
        CliRun.of(
            "preprocess",
            "--variant",
            "vit_tiny_patch16_224",
            "--test-size",
            "--output",
            dir.resolve("x.npy").toString(),
            "any.png");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("vit_tiny_patch16_224 has no test size"), r.err());
  }

  @Test
  void unreadableImageIsNamed() throws Exception {
    Path junk = dir.resolve("junk.jpg");
    Files.write(junk, new byte[] {(byte) 0xFF, (byte) 0xD8, 0, 0});
    CliRun r =
        CliRun.of(
            "preprocess",
            "--variant",
            "vit_tiny_patch16_224",
            "--output",
            dir.resolve("x.npy").toString(),
            junk.toString());
    assertTrue(r.code() != 0);
    assertTrue(r.err().contains(junk.toString()), r.err());
  }

  private static InputStream resource(String name) {
    return PreprocessCommandTest.class.getResourceAsStream("/preprocess/" + name);
  }
}
