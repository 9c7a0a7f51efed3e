package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's variant table is the registry's, not a hand-edited copy. */
class ReadmeTableTest {

  @Test
  void readmeTableMatchesRegistry() throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    int begin = text.indexOf(VariantTable.BEGIN);
    int end = text.indexOf(VariantTable.END);
    assertTrue(begin >= 0 && end > begin, "README.md lacks the variant table markers");
    String table = text.substring(begin + VariantTable.BEGIN.length(), end).strip();
    assertEquals(
        VariantTable.markdown().strip(),
        table,
        "README.md variant table differs from the registry: regenerate it with"
            + " scripts/attnzoo list --markdown");
  }
}
