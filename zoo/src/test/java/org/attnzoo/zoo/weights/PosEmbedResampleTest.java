package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link PosEmbedResample} against timm 1.0.29's {@code resample_abs_pos_embed} (fixture
 * blocks/pos_embed_resample, {@code scripts/make_fixture.py --pos-embed 14 20 15 --seed 16}).
 */
class PosEmbedResampleTest {

  private static Path fixture(String file) throws URISyntaxException {
    return Path.of(
        PosEmbedResampleTest.class
            .getResource("/fixtures/blocks/pos_embed_resample/" + file)
            .toURI());
  }

  private static double maxAbs(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  private static void check(boolean antialias, String expectedFile) throws Exception {
    Tensor in = Npy.read(fixture("input.npy"));
    Tensor expected = Npy.read(fixture(expectedFile.replace(".npy", "_f64.npy")));
    Tensor out = PosEmbedResample.resampleAbsPosEmbed(in, 20, 15, 1, antialias);
    assertEquals(expected.shape(), out.shape());
    float[] got = out.toFloats();
    float[] want = expected.toFloats();
    // The class token passes through untouched.
    for (int k = 0; k < 8; k++) {
      assertEquals(in.toFloats()[k], got[k]);
    }
    // The same resampling in float64 is the judge; timm interpolates in float32
    // (resample_abs_pos_embed casts), whose rounding moves its output by about 1e-6.
    double err = maxAbs(got, want);
    double vsTimm = maxAbs(got, Npy.read(fixture(expectedFile)).toFloats());
    System.out.printf(
        "parity resample_abs_pos_embed 14x14 -> 20x15 antialias=%b max abs error %.3g (vs timm's"
            + " float32 %.3g)%n",
        antialias, err, vsTimm);
    assertTrue(err < 1e-6, "max abs error " + err);
    assertTrue(vsTimm < 1e-5, "max abs difference from timm's float32 output " + vsTimm);
  }

  @Test
  void antialiasedMatchesTimmsCheckpointFilterDefault() throws Exception {
    check(true, "output_aa.npy");
  }

  @Test
  void plainBicubicMatchesTorch() throws Exception {
    check(false, "output_noaa.npy");
  }

  @Test
  void sameSizeIsIdentityAndConstantStaysConstant() {
    float[] grid = new float[5 * 5 * 2];
    for (int i = 0; i < grid.length; i++) {
      grid[i] = i;
    }
    assertArrayEquals(grid, PosEmbedResample.bicubic(grid, 5, 5, 2, 5, 5, false));
    float[] ones = new float[4 * 4];
    java.util.Arrays.fill(ones, 3f);
    for (boolean aa : new boolean[] {true, false}) {
      for (float v : PosEmbedResample.bicubic(ones, 4, 4, 1, 7, 2, aa)) {
        assertEquals(3f, v, 1e-6f);
      }
    }
  }

  @Test
  void nonSquareSourceIsRefusedWithItsShape() {
    ByteBuffer b = ByteBuffer.allocate((1 + 6) * 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
    Tensor t = new Tensor(DataType.FLOAT32, new Shape(1, 7, 2), b);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PosEmbedResample.resampleAbsPosEmbed(t, 3, 3, 1, true));
    assertTrue(e.getMessage().contains("(1, 7, 2)"), e.getMessage());
  }
}
