package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shipped Fashion-MNIST weights through Criteria and {@code attnzoo predict --dataset}. */
class PredictDatasetTest {

  @TempDir Path dir;

  @Test
  void predictsGrayscaleAndRgbImagesWithShippedWeights() throws Exception {
    ImageSet test = Datasets.fashionMnistSubset().test();
    BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage rgb = new BufferedImage(112, 96, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        gray.getRaster().setSample(x, y, 0, test.pixels()[y * 28 + x] & 0xff);
      }
    }
    for (int y = 0; y < 96; y++) {
      for (int x = 0; x < 112; x++) {
        int v = test.pixels()[784 + (y * 28 / 96) * 28 + x / 4] & 0xff;
        rgb.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    Path a = dir.resolve("boot.png");
    Path b = dir.resolve("pullover-rgb.png");
    ImageIO.write(gray, "png", a.toFile());
    ImageIO.write(rgb, "png", b.toFile());

    CliRun r = CliRun.of("predict", "--dataset", "fashion-mnist", a.toString(), b.toString());
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("boot.png "), lines.get(0));
    assertTrue(lines.get(1).startsWith("pullover-rgb.png "), lines.get(1));
    for (String line : lines) {
      String[] parts = line.trim().split("\\s{2}");
      assertEquals(6, parts.length, line);
      double previous = 1.0;
      for (int i = 1; i < parts.length; i++) {
        double p = Double.parseDouble(parts[i].substring(parts[i].lastIndexOf(' ') + 1));
        assertTrue(p <= previous + 1e-9, "best first: " + line);
        previous = p;
      }
    }
  }

  @Test
  void criteriaDatasetFilterFindsOnlyShippedWeights() throws Exception {
    Criteria<Image, Classifications> ok =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optFilter("dataset", "fashion-mnist")
            .build();
    try (ZooModel<Image, Classifications> model = ok.loadModel()) {
      assertTrue(ShippedModels.find(model.getName(), "fashion-mnist").isPresent());
    }
    Criteria<Image, Classifications> missing =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId("vit_tiny_patch16_224")
            .optFilter("dataset", "fashion-mnist")
            .build();
    assertThrows(ModelNotFoundException.class, missing::loadModel);
  }
}
