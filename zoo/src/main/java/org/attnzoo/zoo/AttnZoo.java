package org.attnzoo.zoo;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.ParamsFile;
import org.attnzoo.zoo.weights.WeightImporter;

/**
 * Builds models of the variant table and fills their weights: the one place where a variant name
 * becomes a DJL {@link Model}. {@code Criteria}, the CLI and the training pipeline all come here.
 */
public final class AttnZoo {

  /** The zoo's group id for {@code Criteria}. */
  public static final String GROUP_ID = "org.attnzoo";

  /** Default engine: DJL's PyTorch engine, whose CPU natives are bundled by Maven classifier. */
  public static final String DEFAULT_ENGINE = "PyTorch";

  private AttnZoo() {}

  /**
   * A model of the variant with freshly initialised (random) parameters.
   *
   * @param variant the variant
   * @param device where to run
   * @param engine engine name, or null for PyTorch
   * @return the model; close it when done
   */
  public static Model newModel(Variant variant, Device device, String engine) {
    Model model =
        Model.newInstance(variant.name(), device, engine == null ? DEFAULT_ENGINE : engine);
    Block block = variant.config().newBlock();
    model.setBlock(block);
    block.initialize(model.getNDManager(), DataType.FLOAT32, variant.config().inputShape(1));
    model.setProperty(ParamsFile.VARIANT, variant.name());
    return model;
  }

  /**
   * A model of the variant with weights from a file or URL: a timm {@code .safetensors} state dict
   * (mapped by the family's checkpoint mapper) or an attnzoo/DJL {@code .params} file. The format
   * is recognised by content, not by name.
   *
   * @param variant the variant
   * @param weights a path or an http(s)/file URL
   * @param device where to run
   * @param engine engine name, or null for PyTorch
   * @return the model
   * @throws IOException if the weights cannot be read
   * @throws IllegalArgumentException if they do not fit the variant
   */
  public static Model load(Variant variant, String weights, Device device, String engine)
      throws IOException {
    Path file = localFile(weights);
    Model model = newModel(variant, device, engine);
    try {
      loadWeights(model, variant, file);
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Fills a model's parameters from a weights file, all or nothing.
   *
   * @param model a model made by {@link #newModel}
   * @param variant its variant
   * @param file a {@code .safetensors} or {@code .params} file
   * @throws IOException if the file cannot be read
   */
  public static void loadWeights(Model model, Variant variant, Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("weights file not found: " + file);
    }
    if (isDjlParams(file)) {
      // Load into a scratch model first: a bad file must not leave the target half-filled.
      try (Model scratch = newModel(variant, model.getNDManager().getDevice(), null);
          InputStream in = Files.newInputStream(file)) {
        ParamsFile.load(
            scratch.getNDManager(), scratch.getBlock(), variant.name(), in, file.toString());
        Map<String, Tensor> tensors =
            WeightImporter.export(
                scratch.getBlock(), org.attnzoo.zoo.weights.CheckpointMapper.IDENTITY);
        WeightImporter.load(
            model.getBlock(), tensors, org.attnzoo.zoo.weights.CheckpointMapper.IDENTITY);
      }
    } else {
      WeightImporter.load(
          model.getBlock(), SafeTensors.read(file), CheckpointMappers.forFamily(variant.family()));
    }
  }

  private static boolean isDjlParams(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 'D' && magic[1] == 'J' && magic[2] == 'L';
    }
  }

  /**
   * @param weights a path, or an http(s)/file URL (downloaded once to a temporary file)
   * @return a local file
   * @throws IOException if a download fails
   */
  public static Path localFile(String weights) throws IOException {
    String lower = weights.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      return Path.of(URI.create(weights));
    }
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      String name = weights.substring(weights.lastIndexOf('/') + 1);
      Path tmp = Files.createTempFile("attnzoo-", "-" + name);
      tmp.toFile().deleteOnExit();
      try (InputStream in = URI.create(weights).toURL().openStream()) {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      return tmp;
    }
    return Path.of(weights);
  }

  /**
   * Counts the parameters of a variant's backbone (builds it with random weights on the CPU).
   *
   * @param variant the variant
   * @return the number of scalar parameters, running statistics excluded (as timm's count)
   */
  public static long parameterCount(Variant variant) {
    try (Model model = newModel(variant, Device.cpu(), null)) {
      long n = 0;
      for (var p : model.getBlock().getParameters().values()) {
        if (p.getType() != ai.djl.nn.Parameter.Type.RUNNING_MEAN
            && p.getType() != ai.djl.nn.Parameter.Type.RUNNING_VAR) {
          n += p.getArray().size();
        }
      }
      return n;
    }
  }
}
