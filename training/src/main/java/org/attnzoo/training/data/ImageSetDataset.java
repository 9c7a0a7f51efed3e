package org.attnzoo.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Variant;

/**
 * An {@link ImageSet} served as a DJL {@link RandomAccessDataset}: each record is one image, {@code
 * float32 [C, H, W]} normalised with a {@link DataConfig}'s mean and std after scaling to [0, 1]
 * (the same floats as attnzoo's own loop, {@link Batches}), and its class index as a {@code
 * float32} scalar (DJL's convention for classification labels; {@code LabelSmoothingLoss} and DJL's
 * {@code SoftmaxCrossEntropyLoss} and {@code Accuracy} take it).
 *
 * <p>The set is loaded by {@link #prepare} (DJL calls it when the data is first iterated), cut to
 * {@code optLimit} images, then fitted to the model's input ({@link ImageSet#fit}: channels
 * converted, side resized bilinearly). No augmentation: records are a pure function of the index.
 */
public abstract class ImageSetDataset extends RandomAccessDataset {

  private static final Random UNUSED = new Random(0);

  private final Dataset.Usage usage;
  private final Integer channels;
  private final Integer side;
  private final DataConfig normalization;
  private ImageSet set;
  private Batches batches;

  /**
   * @param builder the settings
   */
  protected ImageSetDataset(BaseBuilder<?> builder) {
    super(builder);
    this.usage = builder.usage;
    this.channels = builder.channels;
    this.side = builder.side;
    this.normalization = builder.normalization;
  }

  /**
   * Reads the images of one usage.
   *
   * @param usage {@code TRAIN}, or {@code TEST}/{@code VALIDATION} for the held-out images
   * @param channels the channels requested by the builder, or null for the data's own
   * @param side the side requested by the builder, or null for the data's own
   * @return the images, not yet fitted or cut
   * @throws IOException if reading fails
   */
  protected abstract ImageSet load(Dataset.Usage usage, Integer channels, Integer side)
      throws IOException;

  /** {@inheritDoc} */
  @Override
  public synchronized void prepare(Progress progress) throws IOException {
    if (set != null) {
      return;
    }
    ImageSet loaded = load(usage, channels, side);
    if (limit < loaded.size()) {
      loaded = loaded.head((int) limit);
    }
    int c = channels == null ? loaded.channels() : channels;
    int s = side == null ? loaded.height() : side;
    loaded = loaded.fit(c, s);
    DataConfig norm =
        normalization != null
            ? normalization
            : c == 1 ? DataConfig.FASHION_MNIST : DataConfig.IMAGENET;
    this.batches = new Batches(loaded, norm, loaded.classes().size());
    this.set = loaded;
  }

  /** {@inheritDoc} */
  @Override
  public Record get(NDManager manager, long index) throws IOException {
    prepare(null);
    int i = Math.toIntExact(index);
    Batches.Batch b = batches.batch(new int[] {i}, 0, 1, Augment.NONE, 0, UNUSED);
    NDArray x = manager.create(b.x(), new Shape(set.channels(), set.height(), set.width()));
    NDArray y = manager.create((float) b.labels()[0]);
    return new Record(new NDList(x), new NDList(y));
  }

  /** {@inheritDoc} */
  @Override
  protected long availableSize() {
    try {
      prepare(null);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the data set: " + e.getMessage(), e);
    }
    return set.size();
  }

  /**
   * @return the images as served (after the limit and the fitting); loads them if needed
   * @throws IOException if reading fails
   */
  public ImageSet imageSet() throws IOException {
    prepare(null);
    return set;
  }

  /**
   * @return the class names, index order
   * @throws IOException if reading fails
   */
  public List<String> classes() throws IOException {
    return imageSet().classes();
  }

  /**
   * Settings shared by the image data sets, DJL style: {@code setSampling} (required, from DJL),
   * {@code optLimit}, {@code optUsage}, and the model input.
   *
   * @param <T> the concrete builder
   */
  public abstract static class BaseBuilder<T extends BaseBuilder<T>>
      extends RandomAccessDataset.BaseBuilder<T> {

    Dataset.Usage usage = Dataset.Usage.TRAIN;
    Integer channels;
    Integer side;
    DataConfig normalization;

    /**
     * @param usage {@code TRAIN} (default) or {@code TEST} ({@code VALIDATION} is the same split)
     * @return this builder
     */
    public T optUsage(Dataset.Usage usage) {
      this.usage = usage;
      return self();
    }

    /**
     * Fits the images to a variant: its input channels and side, its mean and std.
     *
     * @param variant the model the data is for
     * @return this builder
     */
    public T optVariant(Variant variant) {
      Shape input = variant.config().inputShape();
      return optImageSize((int) input.get(0), (int) input.get(1)).optNormalization(variant.data());
    }

    /**
     * @param channels 1 (grayscale) or 3 (RGB)
     * @param side height and width the images are resized to
     * @return this builder
     */
    public T optImageSize(int channels, int side) {
      this.channels = channels;
      this.side = side;
      return self();
    }

    /**
     * @param normalization mean and std per channel (default: Fashion-MNIST's for grayscale,
     *     ImageNet's for RGB)
     * @return this builder
     */
    public T optNormalization(DataConfig normalization) {
      this.normalization = normalization;
      return self();
    }

    /** Checks the shared settings; concrete builders call it from {@code build()}. */
    protected void validate() {
      if (sampler == null) {
        throw new IllegalArgumentException(
            "no sampler: call setSampling(batchSize, random) or setSampling(sampler)");
      }
      if (usage == null) {
        throw new IllegalArgumentException("usage is null");
      }
      if (channels != null && channels != 1 && channels != 3) {
        throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
      }
      if (side != null && side <= 0) {
        throw new IllegalArgumentException("image side must be > 0, got " + side);
      }
      if (limit <= 0) {
        throw new IllegalArgumentException("limit must be > 0, got " + limit);
      }
      if (normalization != null && channels != null && normalization.channels() != channels) {
        throw new IllegalArgumentException(
            "normalization has " + normalization.channels() + " channels, the images " + channels);
      }
    }
  }
}
