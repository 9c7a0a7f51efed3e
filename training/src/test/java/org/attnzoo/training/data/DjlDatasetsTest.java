package org.attnzoo.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.dataset.Record;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL data sets serve the project's images, normalised as attnzoo's loop normalises them. */
class DjlDatasetsTest {

  @TempDir Path dir;

  @Test
  void fashionMnistServesTheShippedSubsetNormalised() throws Exception {
    FashionMnistDataset train =
        FashionMnistDataset.builder().optShippedSubset().setSampling(10, false).build();
    FashionMnistDataset test =
        FashionMnistDataset.builder()
            .optShippedSubset()
            .optUsage(Dataset.Usage.TEST)
            .setSampling(10, false)
            .build();
    assertEquals(2000, train.size());
    assertEquals(500, test.size());
    assertEquals(10, train.classes().size());

    ImageSet raw = Datasets.fashionMnistSubset().train();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Record r = train.get(m, 3);
      assertEquals(new Shape(1, 28, 28), r.getData().head().getShape());
      assertEquals(DataType.FLOAT32, r.getLabels().head().getDataType());
      assertEquals(raw.labels()[3], (int) r.getLabels().head().getFloat());
      float[] x = r.getData().head().toFloatArray();
      for (int j = 0; j < x.length; j++) {
        float p = (raw.pixels()[3 * 784 + j] & 0xff) / 255f;
        assertEquals((p - 0.2860f) / 0.3530f, x[j], 1e-6, "pixel " + j);
      }
      // A batch of DJL's iteration: stacked images and labels.
      Batch b = train.getData(m).iterator().next();
      NDList data = b.getData();
      assertEquals(new Shape(10, 1, 28, 28), data.head().getShape());
      assertEquals(new Shape(10), b.getLabels().head().getShape());
      b.close();
    }
  }

  @Test
  void variantFitsSizeAndLimitCuts() throws Exception {
    FashionMnistDataset data =
        FashionMnistDataset.builder()
            .optShippedSubset()
            .optVariant(Variants.get("edgenext_micro_64"))
            .optLimit(50)
            .setSampling(5, true)
            .build();
    assertEquals(50, data.size());
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertEquals(new Shape(1, 64, 64), data.get(m, 49).getData().head().getShape());
    }
    ImageSet expected = Datasets.fashionMnistSubset().train().head(50).fit(1, 64);
    assertTrue(Arrays.equals(expected.pixels(), data.imageSet().pixels()));
    assertTrue(Arrays.equals(expected.labels(), data.imageSet().labels()));
  }

  @Test
  void buildersExplainWhatIsMissing() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FashionMnistDataset.builder().optShippedSubset().build());
    assertTrue(e.getMessage().contains("setSampling"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FashionMnistDataset.builder().optDirectory(dir).setSampling(4, false).build());
    assertTrue(e.getMessage().contains("IDX files"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ImageFolderDataset.builder().setRoot(dir).setSampling(4, false).build());
    assertTrue(e.getMessage().contains("image size"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImageFolderDataset.builder()
                    .setRoot(dir.resolve("missing"))
                    .optImageSize(3, 8)
                    .setSampling(4, false)
                    .build());
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }

  @Test
  void imageFolderReadsClassFoldersAndSplits() throws Exception {
    for (String split : List.of("train", "test")) {
      int n = split.equals("train") ? 2 : 1;
      for (String cls : List.of("cat", "dog")) {
        Path folder = Files.createDirectories(dir.resolve(split).resolve(cls));
        for (int i = 0; i < n; i++) {
          BufferedImage img = new BufferedImage(5, 5, BufferedImage.TYPE_INT_RGB);
          int rgb = cls.equals("dog") ? 0xffffff : 0x000000;
          for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
              img.setRGB(x, y, rgb);
            }
          }
          ImageIO.write(img, "png", new File(folder.toFile(), "img" + i + ".png"));
        }
      }
    }
    ImageFolderDataset train =
        ImageFolderDataset.builder().setRoot(dir).optImageSize(3, 4).setSampling(2, false).build();
    ImageFolderDataset test =
        ImageFolderDataset.builder()
            .setRoot(dir)
            .optImageSize(3, 4)
            .optUsage(Dataset.Usage.TEST)
            .setSampling(2, false)
            .build();
    assertEquals(4, train.size());
    assertEquals(2, test.size());
    assertEquals(List.of("cat", "dog"), train.classes());
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Record dog = train.get(m, 2);
      assertEquals(1f, dog.getLabels().head().getFloat());
      assertEquals(new Shape(3, 4, 4), dog.getData().head().getShape());
      float[] x = dog.getData().head().toFloatArray();
      // White, normalised with ImageNet's mean and std (the RGB default).
      assertEquals((1 - 0.485f) / 0.229f, x[0], 1e-5);
      assertEquals((1 - 0.406f) / 0.225f, x[x.length - 1], 1e-5);
      assertEquals(0f, test.get(m, 0).getLabels().head().getFloat());
    }
  }
}
