package org.attnzoo.training.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.attnzoo.zoo.Labels;

/**
 * Where training data comes from: Fashion-MNIST IDX files (the Debian package {@code
 * dataset-fashion-mnist}, any folder holding the four files, or the 2,000 + 500 image subset
 * shipped as a resource), a folder of images with one sub-folder per class, or a synthetic set for
 * tests.
 */
public final class Datasets {

  /** Where the Debian package {@code dataset-fashion-mnist} installs the IDX files. */
  public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  /** Resource folder of the shipped subset (first 2,000 training and 500 test images). */
  public static final String SUBSET_RESOURCE = "/datasets/fashion-mnist-subset/";

  private static final Set<String> IMAGE_SUFFIXES = Set.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

  private Datasets() {}

  /**
   * A training and a test set.
   *
   * @param name what was loaded, for logs and metrics
   * @param train training images
   * @param test held-out images
   */
  public record Split(String name, ImageSet train, ImageSet test) {

    /**
     * @param channels target channels
     * @param side target side
     * @return both sets fitted to the model's input (see {@link ImageSet#fit})
     */
    public Split fit(int channels, int side) {
      return new Split(name, train.fit(channels, side), test.fit(channels, side));
    }
  }

  /**
   * The default data for the demo: the full Fashion-MNIST when the Debian package is installed,
   * otherwise the shipped subset.
   *
   * @return the split
   * @throws IOException if reading fails
   */
  public static Split fashionMnistDefault() throws IOException {
    if (hasIdxFiles(DEBIAN_FASHION_MNIST)) {
      return fashionMnist(DEBIAN_FASHION_MNIST);
    }
    return fashionMnistSubset();
  }

  /**
   * @param dir a folder
   * @return whether it holds Fashion-MNIST's four IDX files (plain or {@code .gz})
   */
  public static boolean hasIdxFiles(Path dir) {
    for (String f : idxNames()) {
      if (find(dir, f) == null) {
        return false;
      }
    }
    return true;
  }

  /**
   * Loads data from a folder: Fashion-MNIST IDX files if it holds them, else an image folder (see
   * {@link #imageFolder}).
   *
   * @param dir the folder
   * @param channels image channels to load image folders with
   * @param side image side to load image folders at
   * @return the split
   * @throws IOException if reading fails
   */
  public static Split fromFolder(Path dir, int channels, int side) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("data folder not found: " + dir);
    }
    return hasIdxFiles(dir) ? fashionMnist(dir) : imageFolder(dir, channels, side);
  }

  /**
   * Fashion-MNIST from a folder holding {@code train-images-idx3-ubyte}, {@code
   * train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte} (each
   * plain or {@code .gz}).
   *
   * @param dir the folder
   * @return 28x28 grayscale images with the ten Fashion-MNIST classes
   * @throws IOException if reading fails
   */
  public static Split fashionMnist(Path dir) throws IOException {
    String[] names = idxNames();
    Idx.Array[] arrays = new Idx.Array[4];
    for (int i = 0; i < 4; i++) {
      Path file = find(dir, names[i]);
      if (file == null) {
        throw new IllegalArgumentException(
            "no " + names[i] + "[.gz] in " + dir + " (Fashion-MNIST IDX files expected)");
      }
      try (InputStream in = Files.newInputStream(file)) {
        arrays[i] = Idx.read(in, file.toString());
      }
    }
    return new Split(
        "fashion-mnist (" + dir + ")",
        idxSet(arrays[0], arrays[1], dir + "/train"),
        idxSet(arrays[2], arrays[3], dir + "/t10k"));
  }

  /**
   * The subset of Fashion-MNIST shipped with attnzoo: the first 2,000 training and the first 500
   * test images of the original files.
   *
   * @return the split
   * @throws IOException if the resource cannot be read
   */
  public static Split fashionMnistSubset() throws IOException {
    String[] names = idxNames();
    Idx.Array[] arrays = new Idx.Array[4];
    for (int i = 0; i < 4; i++) {
      String path = SUBSET_RESOURCE + names[i] + ".gz";
      try (InputStream in = Datasets.class.getResourceAsStream(path)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + path);
        }
        arrays[i] = Idx.read(in, path);
      }
    }
    return new Split(
        "fashion-mnist subset (2,000 train / 500 test, shipped)",
        idxSet(arrays[0], arrays[1], "subset/train"),
        idxSet(arrays[2], arrays[3], "subset/t10k"));
  }

  private static String[] idxNames() {
    return new String[] {
      "train-images-idx3-ubyte",
      "train-labels-idx1-ubyte",
      "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte"
    };
  }

  private static Path find(Path dir, String name) {
    for (String candidate : List.of(name + ".gz", name)) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static ImageSet idxSet(Idx.Array images, Idx.Array labels, String source) {
    if (images.dims().length != 3 || labels.dims().length != 1) {
      throw new IllegalArgumentException(
          source
              + ": expected images [n, rows, cols] and labels [n], got "
              + Arrays.toString(images.dims())
              + " and "
              + Arrays.toString(labels.dims()));
    }
    if (images.dims()[0] != labels.dims()[0]) {
      throw new IllegalArgumentException(
          source + ": " + images.dims()[0] + " images but " + labels.dims()[0] + " labels");
    }
    int[] y = new int[labels.data().length];
    for (int i = 0; i < y.length; i++) {
      y[i] = labels.data()[i] & 0xff;
    }
    return new ImageSet(
        1, images.dims()[1], images.dims()[2], images.data(), y, Labels.of("fashion-mnist"));
  }

  /**
   * An image folder: one sub-folder per class (sorted names are the classes), images in PNG, JPEG,
   * BMP or GIF. If the folder has {@code train/} and {@code test/} (or {@code val/}) sub-folders,
   * those are the splits; otherwise every tenth image of each class (in sorted order) is held out
   * for testing.
   *
   * @param dir the folder
   * @param channels 1 (grayscale) or 3 (RGB)
   * @param side images are resized to {@code side x side}
   * @return the split
   * @throws IOException if reading fails
   */
  public static Split imageFolder(Path dir, int channels, int side) throws IOException {
    Path train = dir.resolve("train");
    Path test = Files.isDirectory(dir.resolve("test")) ? dir.resolve("test") : dir.resolve("val");
    if (Files.isDirectory(train) && Files.isDirectory(test)) {
      List<String> classes = classFolders(train);
      return new Split(
          "image folder " + dir,
          loadFolder(train, classes, channels, side, 0, false),
          loadFolder(test, classes, channels, side, 0, false));
    }
    List<String> classes = classFolders(dir);
    return new Split(
        "image folder " + dir,
        loadFolder(dir, classes, channels, side, 10, false),
        loadFolder(dir, classes, channels, side, 10, true));
  }

  private static List<String> classFolders(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<String> classes =
          s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
      if (classes.isEmpty()) {
        throw new IllegalArgumentException(
            dir + " has no class sub-folders (expected one folder of images per class)");
      }
      return classes;
    }
  }

  private static ImageSet loadFolder(
      Path dir, List<String> classes, int channels, int side, int holdEvery, boolean held)
      throws IOException {
    List<byte[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int k = 0; k < classes.size(); k++) {
      List<Path> files;
      try (Stream<Path> s = Files.list(dir.resolve(classes.get(k)))) {
        files = s.filter(Datasets::isImage).sorted().toList();
      }
      for (int i = 0; i < files.size(); i++) {
        boolean isHeld = holdEvery > 0 && i % holdEvery == holdEvery - 1;
        if (holdEvery > 0 && isHeld != held) {
          continue;
        }
        images.add(readImage(files.get(i), channels, side));
        labels.add(k);
      }
    }
    int bytes = channels * side * side;
    byte[] pixels = new byte[images.size() * bytes];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, pixels, i * bytes, bytes);
    }
    return new ImageSet(
        channels,
        side,
        side,
        pixels,
        labels.stream().mapToInt(Integer::intValue).toArray(),
        classes);
  }

  private static boolean isImage(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(p) && IMAGE_SUFFIXES.stream().anyMatch(name::endsWith);
  }

  /**
   * Reads an image file into channel-first bytes of the given channels and side (bilinear resize).
   *
   * @param file an image file
   * @param channels 1 or 3
   * @param side output side
   * @return {@code channels * side * side} bytes
   * @throws IOException if the file cannot be decoded
   */
  public static byte[] readImage(Path file, int channels, int side) throws IOException {
    BufferedImage img = ImageIO.read(file.toFile());
    if (img == null) {
      throw new IllegalArgumentException(file + " is not an image ImageIO can decode");
    }
    BufferedImage scaled =
        new BufferedImage(
            side, side, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = scaled.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, side, side, null);
    g.dispose();
    byte[] out = new byte[channels * side * side];
    int plane = side * side;
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        if (channels == 1) {
          out[y * side + x] = (byte) scaled.getRaster().getSample(x, y, 0);
        } else {
          int rgb = scaled.getRGB(x, y);
          out[y * side + x] = (byte) (rgb >> 16);
          out[plane + y * side + x] = (byte) (rgb >> 8);
          out[2 * plane + y * side + x] = (byte) rgb;
        }
      }
    }
    return out;
  }

  /**
   * A synthetic, learnable set for tests: class {@code k} is a bright horizontal bar at row band
   * {@code k} over noise, so a model must locate the bar to classify.
   *
   * @param trainSize training images
   * @param testSize test images
   * @param classes number of classes (at most the side divided by 2)
   * @param channels channels
   * @param side image side
   * @param seed random seed
   * @return the split
   */
  public static Split synthetic(
      int trainSize, int testSize, int classes, int channels, int side, long seed) {
    if (classes < 2 || classes * 2 > side) {
      throw new IllegalArgumentException(
          "synthetic data needs 2 <= classes <= side / 2, got " + classes + " for side " + side);
    }
    Random r = new Random(seed);
    List<String> names = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      names.add("class" + k);
    }
    return new Split(
        "synthetic",
        syntheticSet(trainSize, classes, channels, side, r, names),
        syntheticSet(testSize, classes, channels, side, r, names));
  }

  private static ImageSet syntheticSet(
      int n, int classes, int channels, int side, Random r, List<String> names) {
    int bytes = channels * side * side;
    byte[] pixels = new byte[n * bytes];
    int[] labels = new int[n];
    int band = side / classes;
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(classes);
      labels[i] = k;
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < side; y++) {
          boolean bar = y >= k * band && y < k * band + Math.max(1, band / 2);
          for (int x = 0; x < side; x++) {
            int v = r.nextInt(80) + (bar ? 160 : 0);
            pixels[i * bytes + c * side * side + y * side + x] = (byte) Math.min(255, v);
          }
        }
      }
    }
    return new ImageSet(channels, side, side, pixels, labels, names);
  }
}
