package org.attnzoo.training.data;

import ai.djl.training.dataset.Dataset;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao et al., 2017) as a DJL data set, read with attnzoo's IDX reader from the same
 * places as {@code attnzoo train --data fashion-mnist}: a folder given with {@link
 * Builder#optDirectory}, else the Debian package {@code dataset-fashion-mnist} when installed, else
 * the subset shipped in the jar (the first 2,000 training and 500 test images). Nothing is
 * downloaded, unlike DJL's basic-dataset {@code FashionMnist}.
 *
 * <pre>{@code
 * FashionMnistDataset train = FashionMnistDataset.builder()
 *     .optVariant(Variants.get("vit_micro_patch4_32"))   // 1x32x32, the variant's mean/std
 *     .setSampling(32, true)
 *     .build();
 * }</pre>
 */
public final class FashionMnistDataset extends ImageSetDataset {

  private final Path directory;
  private final boolean shippedSubset;

  private FashionMnistDataset(Builder builder) {
    super(builder);
    this.directory = builder.directory;
    this.shippedSubset = builder.shippedSubset;
  }

  /**
   * @return a builder; {@code setSampling} is required
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@inheritDoc} */
  @Override
  protected ImageSet load(Dataset.Usage usage, Integer channels, Integer side) throws IOException {
    Datasets.Split split;
    if (directory != null) {
      split = Datasets.fashionMnist(directory);
    } else if (shippedSubset) {
      split = Datasets.fashionMnistSubset();
    } else {
      split = Datasets.fashionMnistDefault();
    }
    return usage == Dataset.Usage.TRAIN ? split.train() : split.test();
  }

  /** Builds a {@link FashionMnistDataset}. */
  public static final class Builder extends ImageSetDataset.BaseBuilder<Builder> {

    private Path directory;
    private boolean shippedSubset;

    Builder() {}

    /** {@inheritDoc} */
    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param directory a folder holding the four IDX files (plain or {@code .gz})
     * @return this builder
     */
    public Builder optDirectory(Path directory) {
      this.directory = directory;
      return this;
    }

    /**
     * Uses the subset shipped in the jar even when the full set is installed (tests, demos).
     *
     * @return this builder
     */
    public Builder optShippedSubset() {
      this.shippedSubset = true;
      return this;
    }

    /**
     * @return the data set (read on first use)
     * @throws IllegalArgumentException naming the bad setting
     */
    public FashionMnistDataset build() {
      validate();
      if (directory != null && shippedSubset) {
        throw new IllegalArgumentException(
            "optDirectory(" + directory + ") and optShippedSubset() exclude each other");
      }
      if (directory != null && !Datasets.hasIdxFiles(directory)) {
        throw new IllegalArgumentException(
            directory
                + " does not hold the four Fashion-MNIST IDX files (train-images-idx3-ubyte,"
                + " train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,"
                + " plain or .gz)");
      }
      return new FashionMnistDataset(this);
    }
  }
}
