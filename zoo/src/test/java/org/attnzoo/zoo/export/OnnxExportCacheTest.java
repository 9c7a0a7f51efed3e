package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Block;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxExportCacheTest {

  @TempDir Path tmp;

  @Test
  void exportsOncePerWeightsContentAndReusesTheEntry() throws Exception {
    OnnxExportCache cache = new OnnxExportCache(tmp.resolve("cache"));
    Block vit = Variants.get("vit_micro_patch4_32").config().newBlock();
    Path a = Files.write(tmp.resolve("a.params"), new byte[] {1, 2, 3});
    Path sameContent = Files.write(tmp.resolve("copy.params"), new byte[] {1, 2, 3});
    Path b = Files.write(tmp.resolve("b.params"), new byte[] {1, 2, 4});
    AtomicInteger exports = new AtomicInteger();
    OnnxExportCache.Export export =
        file -> {
          exports.incrementAndGet();
          Files.writeString(file, "graph " + exports.get());
        };

    Path first = cache.get("vit_micro_patch4_32", a, vit, export);
    Path again = cache.get("vit_micro_patch4_32", sameContent, vit, export);
    assertEquals(first, again);
    assertEquals(1, exports.get());
    assertEquals("graph 1", Files.readString(again));
    assertTrue(first.startsWith(tmp.resolve("cache")));

    Path other = cache.get("vit_micro_patch4_32", b, vit, export);
    assertNotEquals(first, other);
    assertEquals(2, exports.get());
  }

  @Test
  void theKeyDependsOnTheBlocksThatWriteTheGraph() throws Exception {
    OnnxExportCache cache = new OnnxExportCache(tmp);
    Path w = Files.write(tmp.resolve("w.params"), new byte[] {9});
    Block vit = Variants.get("vit_micro_patch4_32").config().newBlock();
    Block swin = Variants.get("swin_micro_patch2_window4_32").config().newBlock();
    assertNotEquals(cache.path("m", w, vit).getFileName(), cache.path("m", w, swin).getFileName());
    assertEquals(
        cache.path("m", w, vit),
        cache.path("m", w, Variants.get("vit_micro_patch4_32").config().newBlock()));
  }
}
