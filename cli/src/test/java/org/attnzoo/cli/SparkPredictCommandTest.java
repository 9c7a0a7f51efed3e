package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnzoo spark-predict} on an embedded {@code local[1]} master against {@code attnzoo
 * predict} on the same files: the same classes, the same probabilities to the digits predict
 * prints; a corrupt file is one error row and the run goes on.
 */
class SparkPredictCommandTest {

  @TempDir Path dir;

  @Test
  void sparkPredictGivesPredictsClassesAndReportsErrors() throws Exception {
    ImageSet test = Datasets.fashionMnistSubset().test();
    Path images = dir.resolve("images");
    Files.createDirectories(images);
    List<String> files = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          gray.getRaster().setSample(x, y, 0, test.pixels()[i * 784 + y * 28 + x] & 0xff);
        }
      }
      Path file = images.resolve(String.format("img%02d.png", i));
      ImageIO.write(gray, "png", file.toFile());
      files.add(file.toString());
    }
    Files.writeString(images.resolve("corrupt.png"), "not an image");

    List<String> predict =
        new ArrayList<>(
            List.of("predict", "--dataset", "fashion-mnist", "--variant", "vit_micro_patch4_32"));
    predict.addAll(files);
    CliRun p = CliRun.of(predict.toArray(String[]::new));
    assertEquals(0, p.code(), p.err());
    Map<String, String[]> expected = new HashMap<>();
    for (String line : p.out().lines().toList()) {
      String[] parts = line.trim().split("\\s{2}");
      expected.put(parts[0], parts);
    }
    assertEquals(12, expected.size(), p.out());

    Path out = dir.resolve("out.parquet");
    CliRun s =
        CliRun.of(
            "spark-predict",
            "--input",
            images.toString(),
            "--output",
            out.toString(),
            "--weights",
            "zoo:vit_micro_patch4_32-fashion-mnist",
            "--master",
            "local[1]");
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("13 images"), s.out());
    assertTrue(s.out().contains("1 with an error"), s.out());
    assertTrue(s.out().contains("corrupt.png"), s.out());

    SparkSession spark = SparkSession.builder().master("local[1]").getOrCreate();
    try {
      List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
      assertEquals(13, rows.size());
      for (Row r : rows) {
        String name = Path.of(java.net.URI.create(r.getAs("path"))).getFileName().toString();
        if (name.equals("corrupt.png")) {
          assertNull(r.getAs("prediction"));
          assertTrue(r.<String>getAs("error").contains("corrupt.png"), r.toString());
          continue;
        }
        assertNull(r.getAs("error"), name);
        String[] line = expected.get(name);
        List<Row> top = r.getList(r.fieldIndex("prediction"));
        assertEquals(line.length - 1, top.size(), name);
        for (int k = 0; k < top.size(); k++) {
          String entry = line[k + 1]; // "Ankle boot 0.9321": the label may hold a space
          int space = entry.lastIndexOf(' ');
          assertEquals(entry.substring(0, space), top.get(k).getString(0), name + " rank " + k);
          // predict prints four decimals: its value is within half a unit of the fourth one.
          assertEquals(
              Double.parseDouble(entry.substring(space + 1)),
              top.get(k).getDouble(1),
              5e-5 + 1e-6,
              name);
        }
      }
    } finally {
      spark.stop();
    }
  }
}
