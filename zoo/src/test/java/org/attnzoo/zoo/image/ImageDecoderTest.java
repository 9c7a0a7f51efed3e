package org.attnzoo.zoo.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding against PIL 12.3's {@code Image.open(f).convert("RGB")} of each committed file ({@code
 * scripts/make_preprocess_fixtures.py}); the bar is 1 level, the expectation 0.
 */
class ImageDecoderTest {

  @Test
  void everyFormatDecodesAsPil() throws Exception {
    Map<String, Tensor> expected = Fixtures.npz("decode.npz");
    List<String> failures = new ArrayList<>();
    for (var e : expected.entrySet()) {
      boolean transposed = e.getKey().endsWith(".transposed");
      Path file = Fixtures.dir().resolve("decode").resolve(e.getKey().replace(".transposed", ""));
      Pixels mine = ImageDecoder.read(file, transposed);
      long[] shape = e.getValue().shape().getShape(); // [H, W, 3]
      if (mine.height() != shape[0] || mine.width() != shape[1]) {
        failures.add(e.getKey() + ": size " + mine.width() + "x" + mine.height());
        continue;
      }
      byte[] want = Fixtures.bytes(e.getValue());
      int max = 0;
      for (int i = 0; i < want.length; i++) {
        max = Math.max(max, Math.abs((want[i] & 0xff) - (mine.data()[i] & 0xff)));
      }
      if (max > 0) {
        failures.add(e.getKey() + ": max " + max + " levels");
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(expected.size() >= 20, "fixture has " + expected.size() + " files");
  }

  @Test
  void exifOrientationIsIgnoredByDefault() throws Exception {
    Path file = Fixtures.dir().resolve("decode/jpeg_exif6.jpg");
    Pixels stored = ImageDecoder.read(file);
    Pixels upright = ImageDecoder.read(file, true);
    assertEquals(stored.width(), upright.height());
    assertEquals(stored.height(), upright.width());
  }

  @Test
  void truncatedFilesAreRefusedAsPilRefusesThem(@TempDir Path dir) throws Exception {
    // PIL: "OSError: image file is truncated"; ImageIO's libjpeg would fill the rest with gray.
    for (String photo : new String[] {"rocket_427x640.jpg", "chelsea_451x300.png"}) {
      byte[] whole = Files.readAllBytes(Fixtures.dir().resolve("photos").resolve(photo));
      Path cut = dir.resolve("cut-" + photo);
      Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
      IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(cut));
      assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }
  }

  @Test
  void undecodableFilesNameTheFile(@TempDir Path dir) throws Exception {
    Path junk = dir.resolve("not-an-image.png");
    Files.write(junk, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5, 6});
    IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(junk));
    assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "hello");
    e = assertThrows(IOException.class, () -> ImageDecoder.read(text));
    assertTrue(e.getMessage().startsWith(text.toString()), e.getMessage());
  }
}
