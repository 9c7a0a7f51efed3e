package org.attnzoo.cli;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.image.EvalTransform;
import org.attnzoo.zoo.image.ImageDecoder;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code attnzoo preprocess}: the tensor {@code predict} feeds the model, as a {@code .npy} file.
 * The preprocessing's parity contract, as {@code run} is the model's: compare it with timm's {@code
 * create_transform(**resolve_data_config(model=m))(Image.open(f).convert("RGB"))}.
 */
@Command(
    name = "preprocess",
    description = {
      "Decode an image and apply the variant's timm eval transform (resize, centre crop,",
      "normalise); write the [1, C, H, W] float32 tensor the model receives."
    })
final class PreprocessCommand implements Callable<Integer> {

  @Option(names = "--variant", required = true, description = "variant name")
  String variant;

  @Option(names = "--output", required = true, description = "output .npy")
  Path output;

  @Mixin EvalTransformOptions transform;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "image file")
  Path image;

  @Override
  public Integer call() throws Exception {
    Variant v = transform.testSize ? Variants.get(variant).atTestSize() : Variants.get(variant);
    DataConfig data = v.data();
    // The same steps as the Criteria translator's processInput (ClassificationTranslator).
    float[] chw =
        new EvalTransform(data).apply(ImageDecoder.read(image, transform.exifOrientation));
    ByteBuffer bytes = ByteBuffer.allocate(chw.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(chw);
    int[] s = data.inputSize();
    Npy.write(new Tensor(DataType.FLOAT32, new Shape(1, s[0], s[1], s[2]), bytes), output);
    System.out.println(
        image.getFileName() + " -> " + output + " [1, " + s[0] + ", " + s[1] + ", " + s[2] + "]");
    return 0;
  }
}
