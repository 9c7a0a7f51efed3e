package org.attnzoo.zoo;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.attnzoo.zoo.export.OnnxExportCache;
import org.attnzoo.zoo.export.OnnxExporter;
import org.attnzoo.zoo.io.OnnxFiles;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.weights.CheckpointMappers;
import org.attnzoo.zoo.weights.ParamsFile;
import org.attnzoo.zoo.weights.WeightImporter;
import org.attnzoo.zoo.weights.WeightsCache;
import org.attnzoo.zoo.weights.WeightsFile;

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
   * is recognised by content, not by name. With the ONNX Runtime engine see {@link
   * #loadOnnxRuntime}.
   *
   * @param variant the variant
   * @param weights a path, an http(s)/file URL or a Hub id ({@link #localFile})
   * @param device where to run
   * @param engine engine name, or null for PyTorch
   * @return the model
   * @throws IOException if the weights cannot be read
   * @throws IllegalArgumentException if they do not fit the variant
   */
  public static Model load(Variant variant, String weights, Device device, String engine)
      throws IOException {
    if (Engines.isOnnxRuntime(engine)) {
      return loadOnnxRuntime(variant, weights, device);
    }
    Path file = localFile(weights);
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      throw new IllegalArgumentException(
          file
              + " is an ONNX model: run it with the onnxruntime engine (--engine onnxruntime);"
              + " the "
              + (engine == null ? DEFAULT_ENGINE : engine)
              + " engine reads .safetensors and .params weights");
    }
    WeightsFile stored = WeightsFile.read(file);
    Variant built = storedLayout(variant, stored.properties());
    Model model = newModel(built, device, engine);
    try {
      stored.fill(model.getBlock(), built.name(), built.family());
      return model;
    } catch (RuntimeException e) {
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
    WeightsFile.read(file).fill(model.getBlock(), variant.name(), variant.family());
  }

  /**
   * The variant as a {@code .params} file was trained: a ToSA model trained with another keep ratio
   * than its variant's ({@link ParamsFile#TOSA_KEEP_RATIO}) is built with that ratio (the
   * parameters do not depend on it).
   *
   * @param variant the variant asked for
   * @param file a weights file
   * @return the variant to build
   * @throws IOException if the file cannot be read
   */
  public static Variant storedLayout(Variant variant, Path file) throws IOException {
    return storedLayout(variant, WeightsFile.read(file).properties());
  }

  /**
   * @param variant the variant asked for
   * @param properties a weights file's properties ({@link WeightsFile#properties()})
   * @return the variant to build
   */
  public static Variant storedLayout(Variant variant, Map<String, String> properties) {
    return TosaVariants.storedLayout(variant, properties);
  }

  /**
   * @param weights a path, a {@code file:} or {@code http(s)} URL, or a Hugging Face Hub id {@code
   *     hf-hub:ORG/NAME[@REVISION]} (its {@code model.safetensors}); downloads are kept in DJL's
   *     cache folder and reused, offline too ({@link WeightsCache})
   * @return a local file
   * @throws IOException if a download fails, or is needed in DJL's offline mode
   */
  public static Path localFile(String weights) throws IOException {
    return WeightsCache.fromEnvironment().resolve(weights);
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

  /**
   * An ONNX Runtime model of the variant (inference only). {@code weights} is either an {@code
   * .onnx} file written by {@link #exportOnnx} (recognised by its extension), or weights as for
   * {@link #load}, which are then exported on the fly (this needs the PyTorch engine here).
   *
   * @param variant the variant
   * @param weights an {@code .onnx}, {@code .safetensors} or {@code .params} path or URL
   * @param device where to run; a GPU needs ONNX Runtime's CUDA build (Maven profile {@code cuda})
   * @return the model: run it with {@code model.newPredictor(translator)}, input {@code [B, C, H,
   *     W]} float32 with any batch size
   * @throws IOException if a file cannot be read or written
   */
  public static Model loadOnnxRuntime(Variant variant, String weights, Device device)
      throws IOException {
    Path file = localFile(weights);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("weights file not found: " + file);
    }
    Path onnx = file;
    if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      if (Engines.isOnnxRuntime(Engines.resolve(Engines.PYTORCH.toLowerCase(Locale.ROOT)))) {
        throw new IllegalArgumentException(
            "cannot export "
                + file
                + " to ONNX here: PyTorch does not run on this CPU. Export on another machine"
                + " (attnzoo export --format onnx) and pass the .onnx file.");
      }
      // Exported once per weights file and exporter build, then loaded from DJL's cache folder.
      onnx =
          OnnxExportCache.fromEnvironment()
              .get(
                  variant.name(),
                  file,
                  variant.config().newBlock(),
                  target -> {
                    try (Model source = load(variant, weights, Device.cpu(), DEFAULT_ENGINE)) {
                      exportOnnx(source, variant, target);
                    }
                  });
    }
    if (onnx == file) {
      // ONNX Runtime runs any graph it is given: check here that it is this variant's.
      OnnxFiles.read(file)
          .checkVariant(
              file,
              variant.name(),
              OnnxExporter.VARIANT,
              variant.config().inputShape(),
              variant.config().numClasses());
    }
    Model model = Model.newInstance(variant.name(), device, Engines.ONNX_RUNTIME);
    try {
      // A non-null option map makes DJL add the CUDA execution provider on a GPU device.
      model.load(onnx, variant.name(), Map.of());
    } catch (MalformedModelException | IOException | RuntimeException e) {
      model.close();
      throw new IllegalArgumentException(
          "ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
    }
    model.setProperty(ParamsFile.VARIANT, variant.name());
    return model;
  }

  /**
   * Writes a model of the zoo as ONNX (opset 17, dynamic batch axis; see {@link OnnxExporter}).
   *
   * @param model a PyTorch-engine model made by {@link #newModel} or {@link #load}
   * @param variant its variant
   * @param file the {@code .onnx} file to write
   * @throws IOException if writing fails
   * @throws UnsupportedOperationException naming a block class that has no ONNX support
   */
  public static void exportOnnx(Model model, Variant variant, Path file) throws IOException {
    OnnxExporter.export(model.getBlock(), variant.config().inputShape(), variant.name(), file);
  }

  /**
   * Writes a model's weights as a reference ({@code timm}) state dict in safetensors format: the
   * family's checkpoint mapper renames attnzoo parameters to the reference keys, so the file loads
   * with {@code timm.create_model(name).load_state_dict(safetensors.torch.load_file(file))} and
   * back with {@link #load}.
   *
   * @param model a PyTorch-engine model of the zoo
   * @param variant its variant
   * @param file the {@code .safetensors} file to write
   * @throws IOException if writing fails
   */
  public static void exportSafetensors(Model model, Variant variant, Path file) throws IOException {
    SafeTensors.write(
        WeightImporter.export(model.getBlock(), CheckpointMappers.forFamily(variant.family())),
        file);
  }
}
