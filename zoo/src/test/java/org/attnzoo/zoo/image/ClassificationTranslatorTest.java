package org.attnzoo.zoo.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import org.attnzoo.zoo.Translators;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;

/**
 * The Criteria translator feeds the model timm's tensor, whether the image comes from attnzoo's
 * decoder or from DJL's {@code ImageFactory} (for files ImageIO reads without colour management).
 */
class ClassificationTranslatorTest {

  /** timm's uint8 crop for chelsea at 224 / 0.95, normalised (normalisation: EvalTransformTest). */
  private static float[] timm(ClassificationTranslator t) throws Exception {
    byte[] chw =
        Fixtures.bytes(Fixtures.npz("transform.npz").get("chelsea_451x300__224_0.95_bicubic"));
    byte[] hwc = new byte[chw.length];
    int hw = 224 * 224;
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < hw; i++) {
        hwc[i * 3 + c] = chw[c * hw + i];
      }
    }
    return t.transform().normalize(new Pixels(224, 224, 3, hwc));
  }

  @Test
  void translatorTensorEqualsTimmsForBothDecoders() throws Exception {
    ClassificationTranslator t = Translators.classification(Variants.get("efficientvit_b0"));
    Path photo = Fixtures.dir().resolve("photos/chelsea_451x300.png");
    float[] want = timm(t);
    try (NDManager m = NDManager.newBaseManager()) {
      Image ours = ClassificationTranslator.image(photo);
      Image djl = ImageFactory.getInstance().fromFile(photo);
      assertArrayEquals(want, t.tensor(m, ours).toFloatArray());
      assertArrayEquals(want, t.tensor(m, djl).toFloatArray());
    }
  }

  @Test
  void sixteenBitImageFromImageFactoryIsRefusedNotConverted() throws Exception {
    ClassificationTranslator t = Translators.classification(Variants.get("vit_tiny_patch16_224"));
    Image djl = ImageFactory.getInstance().fromFile(Fixtures.dir().resolve("decode/rgb16.png"));
    try (NDManager m = NDManager.newBaseManager()) {
      IOException e = assertThrows(IOException.class, () -> t.tensor(m, djl));
      assertTrue(e.getMessage().contains("16"), e.getMessage());
    }
  }
}
