package org.attnzoo.zoo.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;

/** The preprocessing fixtures of {@code scripts/make_preprocess_fixtures.py}. */
final class Fixtures {

  private Fixtures() {}

  static Path dir() {
    try {
      return Path.of(Fixtures.class.getResource("/preprocessing/data_configs.csv").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** numpy's {@code .npz}: a zip of {@code .npy} files, one per key. */
  static Map<String, Tensor> npz(String name) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Path tmp = Files.createTempFile("attnzoo-npz-", ".npy");
    try (InputStream in = Files.newInputStream(dir().resolve(name));
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        Files.write(tmp, zip.readAllBytes());
        out.put(e.getName().replaceFirst("\\.npy$", ""), Npy.read(tmp));
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return out;
  }

  static byte[] bytes(Tensor t) {
    byte[] b = new byte[t.data().remaining()];
    t.data().duplicate().get(b);
    return b;
  }
}
