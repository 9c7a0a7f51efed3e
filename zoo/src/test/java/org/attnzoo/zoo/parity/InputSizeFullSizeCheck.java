package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Full-size published variants at other input sizes against timm, on fixtures too large to commit.
 * Opt-in: make them with {@code scripts/make_fixture.py} into one folder (commands below) and run
 * {@code mvn -pl zoo test -Dtest=InputSizeFullSizeCheck -Dattnzoo.inputsize.dir=FOLDER}.
 *
 * <pre>
 * make_fixture.py --model vit_tiny_patch16_224 --img-size 224 320 --batch 1 --seed 7 --out F/vit_tiny_224x320
 * make_fixture.py --model vit_tiny_patch16_224 --img-size 384 --weights-from '{"img_size": 224}' \
 *     --batch 1 --seed 8 --out F/vit_tiny_384_from_224
 * make_fixture.py --model edgenext_xx_small --input-size S --batch 1 --seed 9 --out F/edgenext_xx_small_S
 *     (S = 224, 256, 288, 320)
 * make_fixture.py --model swin_tiny_patch4_window7_224 --kwargs '{"window_size": 12}' --img-size 384 \
 *     --weights-from '{"img_size": 224, "window_size": 7}' --batch 1 --seed 10 \
 *     --out F/swin_tiny_384_window12_from_224
 * </pre>
 *
 * <p>Measured 2026-12-04: ViT and Swin below 2e-6; edgenext_xx_small at 224, 256 and 320 below
 * 1e-6, but at 288 (its test size) 0.47: stages 0-2 agree to 3e-6; libtorch 2.7.1's oneDNN
 * miscomputes stage 3's downsampling convolution (18x18, 88 -> 168 channels) on LayerNorm2d's
 * channels-last output, and is right (1.8e-6) on a contiguous copy. The fix belongs to LayerNorm2d
 * or EdgeNeXtStage.
 */
@EnabledIfSystemProperty(named = "attnzoo.inputsize.dir", matches = ".+")
class InputSizeFullSizeCheck {

  @ParameterizedTest
  @CsvSource({
    "vit_tiny_224x320, vit_tiny_patch16_224",
    "edgenext_xx_small_256, edgenext_xx_small",
    "edgenext_xx_small_224, edgenext_xx_small",
    "edgenext_xx_small_320, edgenext_xx_small",
    "vit_tiny_384_from_224, vit_tiny_patch16_224",
    "edgenext_xx_small_288, edgenext_xx_small",
    "swin_tiny_384_window12_from_224, swin_tiny_patch4_window7_224"
  })
  void matchesTimm(String fixture, String variant) throws Exception {
    Path dir = Path.of(System.getProperty("attnzoo.inputsize.dir"), fixture);
    if (!Files.isDirectory(dir)) {
      System.out.println("skipped (no fixture) " + dir);
      return;
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = Npy.read(dir.resolve("input.npy")).toNDArray(manager);
      long h = x.getShape().get(2);
      long w = x.getShape().get(3);
      var config = Variants.get(variant).config();
      Block block;
      if (config instanceof VitConfig c) {
        block = c.toBuilder().optImgSize((int) h, (int) w).build().newBlock();
      } else if (config instanceof SwinConfig c) {
        // the *_window12_384 layout
        block = c.toBuilder().setImage((int) h, c.patchSize(), 12).build().newBlock();
      } else if (config instanceof EdgeNeXtConfig c) {
        block = c.toBuilder().optImgSize((int) h).build().newBlock();
      } else {
        throw new IllegalArgumentException(variant);
      }
      block.initialize(manager, DataType.FLOAT32, x.getShape());
      WeightImporter.load(
          block,
          SafeTensors.read(dir.resolve("weights.safetensors")),
          CheckpointMappers.forFamily(config.family()));
      NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
      NDArray expected = Npy.read(dir.resolve("output_f64.npy")).toNDArray(manager);
      assertArrayEquals(expected.getShape().getShape(), out.getShape().getShape());
      double err = out.toType(DataType.FLOAT64, false).sub(expected).abs().max().getDouble();
      System.out.printf(
          "parity %s (%s at %dx%d) max abs error %.3g%n", fixture, variant, h, w, err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }
}
