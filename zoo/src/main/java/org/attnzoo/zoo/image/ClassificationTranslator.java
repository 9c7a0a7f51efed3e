package org.attnzoo.zoo.image;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code Image -> Classifications} with timm's eval preprocessing ({@link EvalTransform}) and a
 * softmax over the label set. The preprocessing runs on plain Java arrays, not DJL's image
 * transforms: DJL's bicubic {@code Resize} wraps overshooting uint8 values around and its {@code
 * CenterCrop} floors the offset, and neither antialiases as PIL does.
 *
 * <p>For exact results decode files with {@link #image(Path)} (or {@link ImageDecoder}): DJL's
 * {@code ImageFactory.fromFile} colour-manages some files (ICC profiles, 16-bit PNGs) where PIL,
 * and so timm, does not.
 */
public final class ClassificationTranslator implements Translator<Image, Classifications> {

  private final EvalTransform transform;
  private final List<String> labels;

  /**
   * @param transform the preprocessing
   * @param labels class names in index order
   */
  public ClassificationTranslator(EvalTransform transform, List<String> labels) {
    this.transform = transform;
    this.labels = labels;
  }

  /**
   * @return the preprocessing
   */
  public EvalTransform transform() {
    return transform;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Image input) throws IOException {
    return new NDList(tensor(ctx.getNDManager(), input));
  }

  /**
   * The model's input for one image, {@code [C, H, W]} float32: what {@code attnzoo preprocess}
   * writes (with a batch axis).
   *
   * @param manager where the array lives
   * @param image the image
   * @return the preprocessed tensor
   * @throws IOException if the image's pixels are in a layout that cannot be read exactly
   */
  public NDArray tensor(NDManager manager, Image image) throws IOException {
    float[] chw = transform.apply(pixels(manager, image));
    int[] size = transform.config().inputSize();
    return manager.create(chw, new Shape(size[0], size[1], size[2]));
  }

  @Override
  public Classifications processOutput(TranslatorContext ctx, NDList list) {
    NDArray logits = list.singletonOrThrow();
    NDArray probabilities = logits.softmax(-1);
    return new Classifications(labels, probabilities);
  }

  /**
   * The stored 8-bit RGB of a DJL image: read from the raster for {@code BufferedImage}s (no colour
   * management), otherwise from {@code toNDArray}.
   *
   * @param manager a manager for the non-{@code BufferedImage} path
   * @param image the image
   * @return its pixels
   * @throws IOException if a {@code BufferedImage} is not 8-bit sRGB, gray or indexed
   */
  public static Pixels pixels(NDManager manager, Image image) throws IOException {
    if (image.getWrappedImage() instanceof BufferedImage bi) {
      return ImageDecoder.fromBufferedImage(bi, "image");
    }
    try (NDManager sub = manager.newSubManager()) {
      NDArray hwc = image.toNDArray(sub, Image.Flag.COLOR).toType(DataType.UINT8, false);
      Shape s = hwc.getShape();
      return new Pixels((int) s.get(1), (int) s.get(0), 3, hwc.toByteArray());
    }
  }

  /**
   * Decodes a file as PIL does ({@link ImageDecoder#read(Path)}) into a DJL image whose pixels this
   * translator reads back unchanged.
   *
   * @param file the image file
   * @return the image
   * @throws IOException naming the file if it cannot be decoded exactly
   */
  public static Image image(Path file) throws IOException {
    return image(ImageDecoder.read(file));
  }

  /**
   * @param pixels decoded pixels
   * @return a DJL image (an RGB {@code BufferedImage}) holding them
   */
  public static Image image(Pixels pixels) {
    Pixels rgb = pixels.toRgb();
    int w = rgb.width();
    int h = rgb.height();
    BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[w];
    byte[] d = rgb.data();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 3;
        row[x] = ((d[o] & 0xff) << 16) | ((d[o + 1] & 0xff) << 8) | (d[o + 2] & 0xff);
      }
      bi.setRGB(0, y, w, 1, row, 0, w);
    }
    return ImageFactory.getInstance().fromImage(bi);
  }
}
