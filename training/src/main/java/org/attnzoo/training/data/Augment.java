package org.attnzoo.training.data;

import java.util.Locale;
import java.util.Random;

/**
 * Training-time augmentation, on images scaled to [0, 1] before normalisation. Per image: a crop
 * ({@code pad-crop}: zero-pad then crop back to size, the CIFAR recipe; {@code rrc}: timm's random
 * resized crop; {@code none}) and a horizontal flip. Per batch: mixup (Zhang et al., 2018) or
 * cutmix (Yun et al., 2019) against the reversed batch, as timm's {@code Mixup} in batch mode.
 *
 * @param crop {@code pad-crop}, {@code rrc} or {@code none}
 * @param padding zero padding of {@code pad-crop}, in pixels
 * @param minScale smallest crop area fraction of {@code rrc}
 * @param flip whether to flip horizontally with probability 0.5
 * @param mixupAlpha Beta(alpha, alpha) parameter of mixup; 0 disables it
 * @param cutmixAlpha Beta(alpha, alpha) parameter of cutmix; 0 disables it
 * @param mixProb probability of mixing a batch at all (when either alpha is positive)
 */
public record Augment(
    String crop,
    int padding,
    double minScale,
    boolean flip,
    double mixupAlpha,
    double cutmixAlpha,
    double mixProb) {

  /** No augmentation: evaluation, or training on synthetic data. */
  public static final Augment NONE = new Augment("none", 0, 1, false, 0, 0, 0);

  /** Checks the values. */
  public Augment {
    crop = crop.toLowerCase(Locale.ROOT);
    if (!crop.equals("none") && !crop.equals("pad-crop") && !crop.equals("rrc")) {
      throw new IllegalArgumentException("crop must be none, pad-crop or rrc, got '" + crop + "'");
    }
    if (padding < 0 || minScale <= 0 || minScale > 1 || mixupAlpha < 0 || cutmixAlpha < 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "bad augmentation: padding %d (>= 0), minScale %.3f (0..1], mixup %.3f and cutmix"
                  + " %.3f (>= 0)",
              padding,
              minScale,
              mixupAlpha,
              cutmixAlpha));
    }
  }

  /**
   * @return whether batches are mixed (targets become soft)
   */
  public boolean mixes() {
    return (mixupAlpha > 0 || cutmixAlpha > 0) && mixProb > 0;
  }

  /**
   * Crops and flips one image in place.
   *
   * @param img channel-first [0, 1] pixels
   * @param channels channels
   * @param side square side
   * @param r random source
   * @param scratch a buffer of the image's size
   */
  void apply(float[] img, int channels, int side, Random r, float[] scratch) {
    int plane = side * side;
    if (crop.equals("pad-crop") && padding > 0) {
      int dy = r.nextInt(2 * padding + 1) - padding;
      int dx = r.nextInt(2 * padding + 1) - padding;
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < side; y++) {
          int sy = y + dy;
          for (int x = 0; x < side; x++) {
            int sx = x + dx;
            boolean inside = sy >= 0 && sy < side && sx >= 0 && sx < side;
            scratch[c * plane + y * side + x] = inside ? img[c * plane + sy * side + sx] : 0f;
          }
        }
      }
      System.arraycopy(scratch, 0, img, 0, img.length);
    } else if (crop.equals("rrc")) {
      randomResizedCrop(img, channels, side, r, scratch);
    }
    if (flip && r.nextBoolean()) {
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < side; y++) {
          int row = c * plane + y * side;
          for (int x = 0; x < side / 2; x++) {
            float t = img[row + x];
            img[row + x] = img[row + side - 1 - x];
            img[row + side - 1 - x] = t;
          }
        }
      }
    }
  }

  // timm's RandomResizedCrop: area fraction ~ U(minScale, 1), log aspect ratio ~ U(log 3/4,
  // log 4/3), ten attempts to fit, else the whole image.
  private void randomResizedCrop(float[] img, int channels, int side, Random r, float[] scratch) {
    double area = (double) side * side;
    double h = side;
    double w = side;
    double top = 0;
    double left = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (minScale + (1 - minScale) * r.nextDouble());
      double logRatio =
          Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * r.nextDouble();
      double ratio = Math.exp(logRatio);
      int cw = (int) Math.round(Math.sqrt(target * ratio));
      int ch = (int) Math.round(Math.sqrt(target / ratio));
      if (cw > 0 && ch > 0 && cw <= side && ch <= side) {
        h = ch;
        w = cw;
        top = r.nextInt(side - ch + 1);
        left = r.nextInt(side - cw + 1);
        break;
      }
    }
    Images.resizeRegion(img, channels, side, side, top, left, h, w, scratch, side, side);
    System.arraycopy(scratch, 0, img, 0, img.length);
  }

  /**
   * Mixes a batch with its reverse in place and returns the weight of the original images.
   *
   * @param x batch of channel-first images
   * @param n batch size
   * @param channels channels
   * @param side side
   * @param r random source
   * @return lambda, the share of each image's own label in its target (1 when not mixed)
   */
  double mix(float[] x, int n, int channels, int side, Random r) {
    if (!mixes() || r.nextDouble() >= mixProb) {
      return 1.0;
    }
    boolean cutmix = cutmixAlpha > 0 && (mixupAlpha <= 0 || r.nextBoolean());
    double lam = beta(cutmix ? cutmixAlpha : mixupAlpha, r);
    int per = channels * side * side;
    float[] orig = x.clone();
    if (!cutmix) {
      for (int i = 0; i < n; i++) {
        int j = n - 1 - i;
        for (int k = 0; k < per; k++) {
          x[i * per + k] = (float) (lam * orig[i * per + k] + (1 - lam) * orig[j * per + k]);
        }
      }
      return lam;
    }
    // cutmix: a box of area (1 - lam) of the image, centred uniformly, clipped to the image;
    // lambda is then corrected to the box's true area (timm's correct_lam).
    double cut = Math.sqrt(1 - lam);
    int ch = (int) (side * cut);
    int cw = (int) (side * cut);
    int cy = r.nextInt(side);
    int cx = r.nextInt(side);
    int y0 = Math.max(cy - ch / 2, 0);
    int y1 = Math.min(cy + ch / 2, side);
    int x0 = Math.max(cx - cw / 2, 0);
    int x1 = Math.min(cx + cw / 2, side);
    int plane = side * side;
    for (int i = 0; i < n; i++) {
      int j = n - 1 - i;
      for (int c = 0; c < channels; c++) {
        for (int y = y0; y < y1; y++) {
          for (int xx = x0; xx < x1; xx++) {
            int o = c * plane + y * side + xx;
            x[i * per + o] = orig[j * per + o];
          }
        }
      }
    }
    return 1 - (double) (y1 - y0) * (x1 - x0) / plane;
  }

  /** Beta(a, a) as G1 / (G1 + G2) with Gamma(a, 1) variates. */
  static double beta(double a, Random r) {
    double g1 = gamma(a, r);
    double g2 = gamma(a, r);
    return g1 / (g1 + g2);
  }

  // Marsaglia and Tsang (2000); for a < 1, Gamma(a) = Gamma(a + 1) * U^(1/a).
  private static double gamma(double a, Random r) {
    if (a < 1) {
      return gamma(a + 1, r) * Math.pow(r.nextDouble(), 1 / a);
    }
    double d = a - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double z = r.nextGaussian();
      double v = 1 + c * z;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = r.nextDouble();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
        return d * v;
      }
    }
  }
}
