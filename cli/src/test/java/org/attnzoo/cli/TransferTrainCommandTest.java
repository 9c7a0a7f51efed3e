package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.TransferLearning;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnzoo train --init-weights}: the shipped Fashion-MNIST ViT fine-tuned to 3 classes of an
 * image folder, head alone and head then everything; the weights it saves prove what was trained.
 */
class TransferTrainCommandTest {

  private static final String VARIANT = "vit_micro_patch4_32";
  private static final String ZOO = "zoo:" + VARIANT + "-fashion-mnist";

  @TempDir static Path shared;
  @TempDir Path tmp;

  private static Path folder;

  /** Three Fashion-MNIST classes of the shipped subset as an image folder, 24 images each. */
  @BeforeAll
  static void writeFolder() throws Exception {
    ImageSet train = Datasets.fashionMnistSubset().train();
    folder = shared.resolve("three");
    int[] written = new int[3];
    int side = train.height() * train.width();
    for (int i = 0; i < train.size(); i++) {
      int label = train.labels()[i];
      if (label >= 3 || written[label] >= 24) {
        continue;
      }
      BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      for (int p = 0; p < side; p++) {
        image.getRaster().setSample(p % 28, p / 28, 0, train.pixels()[i * side + p] & 0xff);
      }
      Path dir = folder.resolve("class" + label);
      Files.createDirectories(dir);
      ImageIO.write(
          image, "png", dir.resolve(String.format("%03d.png", written[label]++)).toFile());
    }
  }

  private CliRun train(Path out, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "train",
                "--init-weights",
                ZOO,
                "--num-classes",
                "3",
                "--data",
                folder.toString(),
                "--out",
                out.toString(),
                "--batch-size",
                "16",
                "--warmup-epochs",
                "0",
                "--quiet"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** Parameters of the saved fine-tuned model, and of the shipped one, by path. */
  private static void compareBackbone(Path saved, boolean expectSame) throws Exception {
    Variant v = Variants.get(VARIANT);
    Path shipped = ZooWeights.extract(ShippedModels.find(VARIANT, "fashion-mnist").orElseThrow());
    Set<String> head = TransferLearning.classifierPaths(v);
    try (Model tuned = TransferLearning.load(v, saved.toString(), 3, Device.cpu());
        Model original = AttnZoo.load(v, shipped.toString(), Device.cpu(), null)) {
      Map<String, Parameter> a = ParameterPaths.of(tuned.getBlock());
      Map<String, Parameter> b = ParameterPaths.of(original.getBlock());
      assertEquals(
          3,
          a.get(head.stream().filter(p -> p.endsWith("weight")).findFirst().orElseThrow())
              .getArray()
              .getShape()
              .get(0));
      boolean allSame = true;
      for (Map.Entry<String, Parameter> e : a.entrySet()) {
        if (head.contains(e.getKey())) {
          continue;
        }
        float[] x = e.getValue().getArray().toFloatArray();
        float[] y = b.get(e.getKey()).getArray().toFloatArray();
        if (expectSame) {
          assertArrayEquals(y, x, e.getKey() + " changed with the backbone frozen");
        } else {
          allSame &= java.util.Arrays.equals(x, y);
        }
      }
      if (!expectSame) {
        assertFalse(allSame, "the backbone never trained after --unfreeze-after");
      }
    }
  }

  @Test
  void frozenBackboneTrainsTheNewHeadAlone() throws Exception {
    Path out = tmp.resolve("frozen");
    CliRun r = train(out, "--epochs", "1", "--freeze-backbone");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out().contains("fine-tuned " + VARIANT + " from " + ZOO + " to 3 classes"), r.out());
    assertTrue(r.out().contains("backbone frozen"), r.out());
    compareBackbone(out.resolve(VARIANT + ".params"), true);
  }

  @Test
  void unfreezeAfterTrainsTheHeadThenEverything() throws Exception {
    Path out = tmp.resolve("unfreeze");
    CliRun r = train(out, "--epochs", "2", "--freeze-backbone", "--unfreeze-after", "1");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(out.resolve(TrainCommand.HEAD_CHECKPOINT)));
    assertTrue(Files.exists(out.resolve("last.ckpt")));
    List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(
        1, rows.stream().filter(l -> l.contains(TrainCommand.HEAD_STAGE)).count(), rows.toString());
    assertEquals(3, rows.size(), "header, the head epoch, the full epoch: " + rows);
    compareBackbone(out.resolve(VARIANT + ".params"), false);
  }

  @Test
  void resumesTheFullStageAfterAStopBetweenStages() throws Exception {
    Path out = tmp.resolve("resume");
    String[] opts = {"--epochs", "2", "--freeze-backbone", "--unfreeze-after", "1"};
    CliRun first = train(out, concat(opts, "--stop-after", "1"));
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("continue with --resume"), first.out());
    assertFalse(Files.exists(out.resolve(VARIANT + ".params")));
    CliRun second = train(out, concat(opts, "--resume"));
    assertEquals(0, second.code(), second.err());
    assertTrue(Files.exists(out.resolve(VARIANT + ".params")), second.out());
    CliRun changed = train(out, "--epochs", "2", "--resume");
    assertTrue(
        changed.code() != 0, "resumed with the backbone trained from the start: " + changed.out());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void usageErrorsSayWhatToGive() {
    CliRun noInit = CliRun.of("train", "--num-classes", "3", "--out", tmp.resolve("a").toString());
    assertEquals(2, noInit.code());
    assertTrue(noInit.err().contains("give --init-weights"), noInit.err());

    CliRun five =
        CliRun.of(
            "train",
            "--init-weights",
            ZOO,
            "--num-classes",
            "5",
            "--data",
            folder.toString(),
            "--out",
            tmp.resolve("c").toString());
    assertEquals(2, five.code());
    assertTrue(
        five.err().contains("has 3 classes") && five.err().contains("--num-classes 3"), five.err());

    CliRun unfreeze =
        CliRun.of(
            "train",
            "--init-weights",
            ZOO,
            "--unfreeze-after",
            "1",
            "--out",
            tmp.resolve("d").toString());
    assertEquals(2, unfreeze.code());
    assertTrue(unfreeze.err().contains("--freeze-backbone"), unfreeze.err());

    CliRun typo =
        CliRun.of(
            "train",
            "--init-weights",
            "zoo:vit_micro_patch4_23",
            "--out",
            tmp.resolve("e").toString());
    assertEquals(2, typo.code());
    assertTrue(typo.err().contains("did you mean " + ZOO), typo.err());
  }
}
