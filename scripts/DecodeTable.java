import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.attnzoo.zoo.image.ImageDecoder;
import org.attnzoo.zoo.image.Pixels;

/**
 * The decode table of src/docs/preprocessing.md: for each image, attnzoo's {@code ImageDecoder} and
 * DJL's {@code ImageFactory.fromFile} (ImageIO) against PIL's {@code convert("RGB")}, whose pixels
 * scripts/decode_table.sh writes as {@code NAME.rgb} (raw HWC bytes). Run by that script.
 */
public class DecodeTable {
  public static void main(String[] args) throws Exception {
    Path pil = Path.of(args[0]);
    System.out.println("| file | attnzoo vs PIL: max / mean levels | DJL ImageFactory vs PIL |");
    System.out.println("|---|---|---|");
    try (NDManager m = NDManager.newBaseManager()) {
      for (int i = 1; i < args.length; i++) {
        Path f = Path.of(args[i]);
        byte[] want = Files.readAllBytes(pil.resolve(f.getFileName() + ".rgb"));
        String mine;
        try {
          mine = diff(ImageDecoder.read(f).data(), want);
        } catch (Exception e) {
          mine = "error: " + e.getMessage();
        }
        String djl;
        try {
          Image img = ImageFactory.getInstance().fromFile(f);
          NDArray a = img.toNDArray(m, Image.Flag.COLOR).toType(DataType.UINT8, false);
          djl = diff(a.toByteArray(), want);
        } catch (Exception e) {
          djl = "error: " + e.getClass().getSimpleName() + " " + e.getMessage();
        }
        System.out.println("| " + f.getFileName() + " | " + mine + " | " + djl + " |");
      }
    }
  }

  private static String diff(byte[] a, byte[] b) {
    if (a.length != b.length) {
      return "size differs";
    }
    int max = 0;
    long sum = 0;
    for (int i = 0; i < a.length; i++) {
      int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
      max = Math.max(max, d);
      sum += d;
    }
    return String.format(Locale.ROOT, "%d / %.3f", max, (double) sum / a.length);
  }
}
