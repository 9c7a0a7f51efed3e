package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnzoo demo}, the README's first command, shortened to seconds. */
class DemoCommandTest {

  @TempDir Path tmp;

  @Test
  void trainsReloadsThroughCriteriaAndReportsAccuracyAndLatency() {
    CliRun r =
        CliRun.of(
            "demo",
            "--data",
            "synthetic",
            "--epochs",
            "1",
            "--max-train",
            "128",
            "--latency-images",
            "3",
            "--out",
            tmp.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(tmp.resolve("vit_micro_patch4_32.params")), r.out());
    Matcher accuracy =
        Pattern.compile("through Criteria: test accuracy ([0-9.]+)% on 500 images")
            .matcher(r.out());
    assertTrue(accuracy.find(), r.out());
    double percent = Double.parseDouble(accuracy.group(1));
    assertTrue(percent >= 0 && percent <= 100, r.out());
    assertTrue(r.out().contains("latency per image (batch 1, 3 images): median"), r.out());
  }

  @Test
  void onTheShippedFashionMnistSubsetNoStepIsSkipped() {
    // The README's first command once printed "warning: step 5 skipped (loss 2.2559404, gradient
    // norm NaN)": the attention scale's gradient read freed memory (src/docs/training.md).
    CliRun r =
        CliRun.of(
            "demo",
            "--data",
            "subset",
            "--epochs",
            "2",
            "--max-train",
            "512",
            "--latency-images",
            "2",
            "--out",
            tmp.toString());
    assertEquals(0, r.code(), r.err());
    String log = r.out() + r.err();
    assertFalse(log.contains("skipped (loss"), log);
    assertEquals(2, Pattern.compile("\\| 0 skipped steps").matcher(log).results().count(), log);
  }

  @Test
  void unknownVariantIsAUsageError() {
    CliRun r = CliRun.of("demo", "--variant", "vit_nope", "--out", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Known variants:"), r.err());
  }
}
