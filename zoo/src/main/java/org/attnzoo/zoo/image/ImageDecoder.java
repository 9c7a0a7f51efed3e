package org.attnzoo.zoo.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files to the 8-bit RGB that PIL's {@code Image.open(f).convert("RGB")} gives, which
 * is what timm's models were evaluated on.
 *
 * <p>{@code ImageIO.read(...).getRGB()} (what DJL's {@code ImageFactory} uses) differs from PIL in
 * ways that move pixels by tens of levels: it colour-manages, converting JPEGs with an embedded ICC
 * profile to sRGB and 16-bit gray through a linear colour space, and it does not read CMYK JPEGs.
 * PIL does none of this. So this decoder takes the raw samples from ImageIO's raster and applies
 * PIL's conversions itself:
 *
 * <ul>
 *   <li>JPEG: libjpeg's own colour transform in libjpeg's integer arithmetic (YCbCr to RGB; YCCK to
 *       CMYK), the colour space chosen by libjpeg's rules (JFIF, Adobe transform, component ids);
 *       CMYK as PIL's {@code CMYK;I} (Adobe-inverted) and {@code cmyk2rgb}. ICC profiles are
 *       ignored, as PIL ignores them.
 *   <li>PNG: 8-bit as stored; 16-bit RGB(A) and gray+alpha keep the high byte (PIL's {@code ;16B}
 *       raw modes); 16-bit gray is clamped to 255, as PIL's {@code I;16 -> RGB} does (so it looks
 *       almost white: that is what timm sees); 1/2/4-bit gray scaled to 0-255; palettes looked up;
 *       alpha dropped (PIL does not composite).
 *   <li>Other ImageIO formats (BMP, GIF, TIFF) when their samples are 8-bit sRGB or palette
 *       indices; anything else fails with the file's name rather than decoding differently.
 * </ul>
 *
 * <p>EXIF orientation is ignored by default, as timm (PIL does not rotate on open); {@link
 * #read(Path, boolean)} applies it like PIL's {@code ImageOps.exif_transpose}.
 */
public final class ImageDecoder {

  private ImageDecoder() {}

  /**
   * Decodes a file as PIL's {@code Image.open(file).convert("RGB")}.
   *
   * @param file the image
   * @return 8-bit RGB pixels
   * @throws IOException if the file cannot be read or decoded exactly; the message names the file
   */
  public static Pixels read(Path file) throws IOException {
    return read(file, false);
  }

  /**
   * Decodes a file as PIL's {@code Image.open(file).convert("RGB")}, optionally followed by {@code
   * ImageOps.exif_transpose}.
   *
   * @param file the image
   * @param applyExifOrientation whether to rotate/flip by the EXIF orientation tag
   * @return 8-bit RGB pixels
   * @throws IOException if the file cannot be read or decoded exactly; the message names the file
   */
  public static Pixels read(Path file, boolean applyExifOrientation) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    return decode(bytes, file.toString(), applyExifOrientation);
  }

  /**
   * Decodes encoded bytes.
   *
   * @param bytes the encoded image
   * @param name the name errors report (usually the file name)
   * @param applyExifOrientation whether to rotate/flip by the EXIF orientation tag
   * @return 8-bit RGB pixels
   * @throws IOException if the bytes cannot be decoded exactly; the message names {@code name}
   */
  public static Pixels decode(byte[] bytes, String name, boolean applyExifOrientation)
      throws IOException {
    Pixels p;
    int orientation;
    try {
      if (Jpeg.isJpeg(bytes)) {
        Jpeg.Header header = Jpeg.Header.parse(bytes, name);
        p = Jpeg.decode(readRaster(bytes, "jpeg", name), header, name);
        orientation = header.orientation();
      } else if (Png.isPng(bytes)) {
        Png.Header header = Png.Header.parse(bytes, name);
        p = Png.decode(readImage(bytes, name), header, name);
        orientation = header.orientation();
      } else {
        p = fromBufferedImage(readImage(bytes, name), name);
        orientation = 1;
      }
    } catch (IOException | RuntimeException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(name + ": ")) {
        throw e;
      }
      throw new IOException(name + ": cannot decode: " + e.getMessage(), e);
    }
    return applyExifOrientation ? Orientation.apply(p, orientation) : p;
  }

  /**
   * The RGB samples of a decoded image as stored, without colour management: 8-bit sRGB images
   * (DJL's and ImageIO's usual types, whatever the channel order) and palette images.
   *
   * @param image the image
   * @param name the name errors report
   * @return 8-bit RGB pixels
   * @throws IOException naming {@code name} if the image is not 8-bit sRGB or indexed
   */
  public static Pixels fromBufferedImage(BufferedImage image, String name) throws IOException {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    byte[] out = new byte[w * h * 3];
    if (cm instanceof IndexColorModel icm) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int i = raster.getSample(x, y, 0);
          int o = (y * w + x) * 3;
          out[o] = (byte) icm.getRed(i);
          out[o + 1] = (byte) icm.getGreen(i);
          out[o + 2] = (byte) icm.getBlue(i);
        }
      }
      return new Pixels(w, h, 3, out);
    }
    boolean eightBit = true;
    for (int s : cm.getComponentSize()) {
      eightBit &= s == 8;
    }
    ColorSpace cs = cm.getColorSpace();
    if (eightBit && cs.getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          byte v = (byte) raster.getSample(x, y, 0);
          int o = (y * w + x) * 3;
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
        }
      }
      return new Pixels(w, h, 3, out);
    }
    if (!eightBit || !cs.isCS_sRGB()) {
      throw new IOException(
          name
              + ": unsupported pixel layout ("
              + cm.getNumComponents()
              + " components of "
              + java.util.Arrays.toString(cm.getComponentSize())
              + " bits, colour space type "
              + cs.getType()
              + "); convert it to an 8-bit RGB PNG or JPEG");
    }
    // 8-bit sRGB: getRGB returns the stored samples unchanged (no conversion for sRGB models).
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 3;
        out[o] = (byte) (row[x] >> 16);
        out[o + 1] = (byte) (row[x] >> 8);
        out[o + 2] = (byte) row[x];
      }
    }
    return new Pixels(w, h, 3, out);
  }

  /**
   * The bytes as ImageIO's input, cached in memory: {@code ImageIO.createImageInputStream} would
   * (by ImageIO's global default) copy every image into a temporary file first, a disk write per
   * image for bytes that are in memory already.
   */
  private static ImageInputStream inMemory(byte[] bytes) {
    return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
  }

  private static BufferedImage readImage(byte[] bytes, String name) throws IOException {
    BufferedImage image = ImageIO.read(inMemory(bytes)); // closes the stream
    if (image == null) {
      throw new IOException(name + ": not an image format this JVM can read");
    }
    return image;
  }

  private static Raster readRaster(byte[] bytes, String format, String name) throws IOException {
    try (ImageInputStream in = inMemory(bytes)) {
      Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
      if (!readers.hasNext()) {
        throw new IOException(name + ": no " + format + " reader in this JVM");
      }
      ImageReader reader = readers.next();
      List<String> warnings = new ArrayList<>();
      reader.addIIOReadWarningListener((source, message) -> warnings.add(message));
      try {
        reader.setInput(in);
        // The raster is the decoder's output before any colour conversion.
        Raster raster = reader.readRaster(0, null);
        for (String w : warnings) {
          // libjpeg fills a cut-off file with gray and only warns; PIL refuses it
          // ("image file is truncated"), so attnzoo does too.
          String lower = w.toLowerCase(java.util.Locale.ROOT);
          if (lower.contains("premature end") || lower.contains("truncated")) {
            throw new IOException(name + ": truncated " + format + " file (" + w + ")");
          }
        }
        return raster;
      } finally {
        reader.dispose();
      }
    }
  }
}
