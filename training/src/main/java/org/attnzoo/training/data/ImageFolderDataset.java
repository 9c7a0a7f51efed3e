package org.attnzoo.training.data;

import ai.djl.training.dataset.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A folder of images with one sub-folder per class as a DJL data set, read as {@code attnzoo train
 * --data DIR} reads it ({@link Datasets#imageFolder}): sorted sub-folder names are the classes;
 * {@code train/} and {@code test/} (or {@code val/}) sub-folders are the splits if present, else
 * every tenth image of each class is the test split. Images are decoded and resized once, when the
 * set is prepared, so the image size is required.
 *
 * <pre>{@code
 * ImageFolderDataset train = ImageFolderDataset.builder()
 *     .setRoot(Path.of("flowers"))
 *     .optVariant(Variants.get("vit_tiny_patch16_224"))   // 3x224x224, the variant's mean/std
 *     .setSampling(32, true)
 *     .build();
 * }</pre>
 */
public final class ImageFolderDataset extends ImageSetDataset {

  private final Path root;

  private ImageFolderDataset(Builder builder) {
    super(builder);
    this.root = builder.root;
  }

  /**
   * @return a builder; {@link Builder#setRoot}, the image size ({@code optVariant} or {@code
   *     optImageSize}) and {@code setSampling} are required
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@inheritDoc} */
  @Override
  protected ImageSet load(Dataset.Usage usage, Integer channels, Integer side) throws IOException {
    Datasets.Split split = Datasets.imageFolder(root, channels, side);
    return usage == Dataset.Usage.TRAIN ? split.train() : split.test();
  }

  /** Builds an {@link ImageFolderDataset}. */
  public static final class Builder extends ImageSetDataset.BaseBuilder<Builder> {

    private Path root;

    Builder() {}

    /** {@inheritDoc} */
    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param root the folder of class sub-folders (or of {@code train/} and {@code test/})
     * @return this builder
     */
    public Builder setRoot(Path root) {
      this.root = root;
      return this;
    }

    /**
     * @return the data set (read on first use)
     * @throws IllegalArgumentException naming the missing or bad setting
     */
    public ImageFolderDataset build() {
      validate();
      if (root == null || !Files.isDirectory(root)) {
        throw new IllegalArgumentException("image folder not found: " + root + " (setRoot)");
      }
      if (channels == null) {
        throw new IllegalArgumentException(
            "image folders need an image size: call optVariant(variant) or optImageSize(channels,"
                + " side)");
      }
      return new ImageFolderDataset(this);
    }
  }
}
