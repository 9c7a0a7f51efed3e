package org.attnzoo.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;

/** Fashion-MNIST test images as PNG files, as a user's image folder holds them. */
final class FashionMnistPngs {

  private FashionMnistPngs() {}

  /**
   * Writes the first {@code n} test images: from the Debian package {@code dataset-fashion-mnist}
   * when installed (10,000), else from the subset shipped with attnzoo (500), repeated if needed.
   *
   * @param dir the folder to write into
   * @param n how many images
   * @return the files, in order
   * @throws IOException if writing fails
   */
  static List<Path> write(Path dir, int n) throws IOException {
    ImageSet test =
        (Datasets.hasIdxFiles(Datasets.DEBIAN_FASHION_MNIST)
                ? Datasets.fashionMnist(Datasets.DEBIAN_FASHION_MNIST)
                : Datasets.fashionMnistSubset())
            .test();
    Files.createDirectories(dir);
    int side = test.width();
    int bytes = test.imageBytes();
    List<Path> files = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = i % test.size();
      BufferedImage image = new BufferedImage(side, test.height(), BufferedImage.TYPE_BYTE_GRAY);
      image.getRaster().setDataElements(0, 0, side, test.height(), slice(test.pixels(), k, bytes));
      Path file = dir.resolve(String.format("t10k-%05d.png", i));
      ImageIO.write(image, "png", file.toFile());
      files.add(file);
    }
    return files;
  }

  private static byte[] slice(byte[] all, int index, int bytes) {
    byte[] out = new byte[bytes];
    System.arraycopy(all, index * bytes, out, 0, bytes);
    return out;
  }
}
