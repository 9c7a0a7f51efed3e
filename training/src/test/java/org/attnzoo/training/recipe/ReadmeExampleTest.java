package org.attnzoo.training.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.training.TrainingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's "Train with DJL's API" example runs, and its code block is the code of {@link
 * ReadmeExample} between the markers, line for line after removing the common indentation.
 */
class ReadmeExampleTest {

  private static final String HEADING = "## Train with DJL's API";
  private static final Path README = Path.of("..", "README.md");
  private static final Path SOURCE =
      Path.of("src/test/java/org/attnzoo/training/recipe/ReadmeExample.java");

  @Test
  void exampleTrainsAFewSteps() throws Exception {
    // 128 images: 4 steps of 32, then validation on 128 test images.
    TrainingResult result = ReadmeExample.train("vit_micro_patch4_32", 1, 128);
    assertEquals(1, result.getEpoch());
    assertTrue(Float.isFinite(result.getTrainLoss()), result.toString());
    assertTrue(Float.isFinite(result.getValidateLoss()), result.toString());
    float accuracy = result.getValidateEvaluation("Accuracy");
    assertTrue(accuracy >= 0 && accuracy <= 1, result.toString());
  }

  @Test
  void readmeSnippetIsTheTestedSource() throws IOException {
    List<String> readme = Files.readAllLines(README, StandardCharsets.UTF_8);
    int heading = readme.indexOf(HEADING);
    assertTrue(heading >= 0, "README.md has no line '" + HEADING + "'");
    int open = heading + 1;
    while (open < readme.size() && !readme.get(open).equals("```java")) {
      assertTrue(!readme.get(open).startsWith("## "), "no ```java block under '" + HEADING + "'");
      open++;
    }
    int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
    assertTrue(close > open, "unclosed code block under '" + HEADING + "'");
    List<String> snippet = readme.subList(open + 1, close);

    List<String> source = Files.readAllLines(SOURCE, StandardCharsets.UTF_8);
    int begin = source.indexOf("  // readme:begin");
    int end = source.indexOf("  // readme:end");
    assertTrue(begin >= 0 && end > begin, "markers missing in " + SOURCE);
    List<String> code = dedent(source.subList(begin + 1, end));

    assertEquals(
        String.join("\n", code),
        String.join("\n", snippet),
        "README.md's example drifted from " + SOURCE + ": copy the code between the markers");
    assertTrue(snippet.size() <= 30, "the README example should stay within 30 lines");
  }

  private static List<String> dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      out.add(l.isBlank() ? "" : l.substring(indent));
    }
    return out;
  }
}
