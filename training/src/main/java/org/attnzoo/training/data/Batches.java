package org.attnzoo.training.data;

import java.util.Random;
import org.attnzoo.zoo.DataConfig;

/**
 * Turns an {@link ImageSet} into normalised float batches with soft targets: deterministic
 * shuffling per epoch, augmentation from a per-batch random source, label smoothing folded into the
 * targets (timm's {@code mixup_target}).
 */
public final class Batches {

  private final ImageSet set;
  private final DataConfig norm;
  private final int numClasses;

  /**
   * One batch, ready for the model.
   *
   * @param size images in the batch
   * @param x {@code size * C * H * W} normalised pixels
   * @param targets {@code size * numClasses} target probabilities (rows sum to 1)
   * @param labels each image's own class (for accuracy)
   */
  public record Batch(int size, float[] x, float[] targets, int[] labels) {}

  /**
   * @param set the images
   * @param norm per-channel mean and std (must have the set's channel count)
   * @param numClasses width of the target vectors
   */
  public Batches(ImageSet set, DataConfig norm, int numClasses) {
    if (norm.channels() != set.channels()) {
      throw new IllegalArgumentException(
          "normalisation has "
              + norm.channels()
              + " channels, the images "
              + set.channels()
              + " (call ImageSet.fit first)");
    }
    if (set.classes().size() > numClasses) {
      throw new IllegalArgumentException(
          "the data has "
              + set.classes().size()
              + " classes but the model only "
              + numClasses
              + " outputs");
    }
    this.set = set;
    this.norm = norm;
    this.numClasses = numClasses;
  }

  /**
   * @param seed run seed
   * @param epoch epoch index
   * @return a permutation of the image indices, a pure function of seed and epoch (Fisher-Yates)
   */
  public int[] order(long seed, int epoch) {
    int[] idx = new int[set.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Random r = new Random(Seeds.mix(seed, 0x5eed_0000L + epoch));
    for (int i = idx.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx;
  }

  /**
   * Builds a batch.
   *
   * @param indices image indices
   * @param from first index to use
   * @param count batch size
   * @param augment augmentation (use {@link Augment#NONE} to evaluate)
   * @param smoothing label smoothing epsilon
   * @param r random source for augmentation
   * @return the batch
   */
  public Batch batch(
      int[] indices, int from, int count, Augment augment, double smoothing, Random r) {
    int c = set.channels();
    int side = set.height();
    int per = set.imageBytes();
    float[] x = new float[count * per];
    float[] img = new float[per];
    float[] scratch = new float[per];
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      int idx = indices[from + i];
      labels[i] = set.labels()[idx];
      for (int k = 0; k < per; k++) {
        img[k] = (set.pixels()[idx * per + k] & 0xff) / 255f;
      }
      augment.apply(img, c, side, r, scratch);
      System.arraycopy(img, 0, x, i * per, per);
    }
    double lam = augment.mix(x, count, c, side, r);
    int plane = side * set.width();
    for (int i = 0; i < count; i++) {
      for (int ch = 0; ch < c; ch++) {
        float mean = norm.mean()[ch];
        float std = norm.std()[ch];
        int base = i * per + ch * plane;
        for (int k = 0; k < plane; k++) {
          x[base + k] = (x[base + k] - mean) / std;
        }
      }
    }
    return new Batch(count, x, targets(labels, lam, smoothing), labels);
  }

  // timm mixup_target: smoothed one-hot (off = eps / K, on = 1 - eps + off) mixed with the
  // reversed batch's smoothed one-hot by lambda.
  private float[] targets(int[] labels, double lam, double smoothing) {
    int n = labels.length;
    float off = (float) (smoothing / numClasses);
    float on = (float) (1 - smoothing) + off;
    float[] t = new float[n * numClasses];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < numClasses; k++) {
        float own = labels[i] == k ? on : off;
        float other = labels[n - 1 - i] == k ? on : off;
        t[i * numClasses + k] = (float) (lam * own + (1 - lam) * other);
      }
    }
    return t;
  }

  /**
   * @return the images
   */
  public ImageSet set() {
    return set;
  }
}
