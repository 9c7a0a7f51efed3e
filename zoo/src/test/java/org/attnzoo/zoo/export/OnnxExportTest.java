package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.CosFormerAttention;
import org.attnzoo.attention.EluLinearAttention;
import org.attnzoo.attention.HydraAttention;
import org.attnzoo.attention.SimAAttention;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.backbones.conv2former.Conv2FormerConfig;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.efficientvit.EfficientVitConfig;
import org.attnzoo.backbones.swiftformer.SwiftFormerConfig;
import org.attnzoo.backbones.swin.PatchMerging;
import org.attnzoo.backbones.swin.SwinBlock;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.nn.BatchNorm;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Reference;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.parity.Fixture;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.SwinCheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ONNX export: the exported graph run by ONNX Runtime (DJL's OnnxRuntime engine) must match the
 * PyTorch engine within 1e-4 max abs at batch 1 and 8, and timm's float64 output on the vit_micro
 * fixture.
 */
class OnnxExportTest {

  private static final double TOLERANCE = 1e-4;

  /** Ops the mobile converters (TFLite, Core ML, NNAPI) handle; no Roll, no Einsum. */
  private static final Set<String> PORTABLE_OPS =
      Set.of(
          "Add",
          "Mul",
          "Div", // GELU's x / sqrt 2, the pattern ONNX Runtime fuses
          "Erf",
          "MatMul",
          "Softmax",
          "Reshape",
          "Transpose",
          "Split",
          "Conv",
          "LayerNormalization",
          "BatchNormalization",
          "Gather",
          "Shape",
          "Concat",
          "Expand",
          "Slice",
          "ReduceMean",
          "Identity");

  @TempDir Path tmp;

  private static float[] random(long n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[Math.toIntExact(n)];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static float[] runPyTorch(Model model, float[] x, Shape shape) {
    try (NDManager m = model.getNDManager().newSubManager()) {
      NDArray in = m.create(x, shape);
      return model
          .getBlock()
          .forward(new ParameterStore(m, false), new NDList(in), false)
          .singletonOrThrow()
          .toFloatArray();
    }
  }

  private static float[] runOrt(Model model, float[] x, Shape shape) throws Exception {
    try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator());
        NDManager m = model.getNDManager().newSubManager()) {
      return p.predict(new NDList(m.create(x, shape))).singletonOrThrow().toFloatArray();
    }
  }

  private static double maxAbs(float[] a, float[] b) {
    assertEquals(a.length, b.length, "output sizes");
    double e = 0;
    for (int i = 0; i < a.length; i++) {
      e = Math.max(e, Math.abs((double) a[i] - b[i]));
    }
    assertTrue(Double.isFinite(e), "non-finite output");
    return e;
  }

  /** Largest absolute difference between an ORT float32 output and a float64 reference. */
  private static double maxAbsVsF64(float[] out, double[] expected) {
    assertEquals(expected.length, out.length, "output sizes");
    double e = 0;
    for (int i = 0; i < out.length; i++) {
      e = Math.max(e, Math.abs(out[i] - expected[i]));
    }
    return e;
  }

  /**
   * ONNX Runtime against the PyTorch engine at batch 1 and 8, on random inputs drawn with seed
   * {@code seed + batch}; tolerance {@link #TOLERANCE} max abs.
   */
  private static void assertBatchesMatch(
      Model pytorch, Model ort, Shape sample, String label, long seed) throws Exception {
    for (int batch : new int[] {1, 8}) {
      Shape shape = new Shape(batch).addAll(sample);
      float[] x = random(shape.size(), seed + batch);
      float[] expected = runPyTorch(pytorch, x, shape);
      double err = maxAbs(expected, runOrt(ort, x, shape));
      double scale = 0;
      for (float e : expected) {
        scale = Math.max(scale, Math.abs(e));
      }
      System.out.printf(
          "onnx %s batch %d: max abs PyTorch vs ORT %.3g (max |output| %.3g)%n",
          label, batch, err, scale);
      assertTrue(err < TOLERANCE, label + " batch " + batch + ": max abs " + err);
    }
  }

  /** Exports an initialised block for inputs {@code [B, sample...]} and loads it in ORT. */
  private Model exportAndLoadOrt(Block block, Shape sample, String name) throws Exception {
    Path onnx = tmp.resolve(name.replace('/', '_') + ".onnx");
    OnnxExporter.export(block, sample, name, onnx);
    Model ort = Model.newInstance(name, Device.cpu(), Engines.ONNX_RUNTIME);
    ort.load(onnx, name, java.util.Map.of());
    return ort;
  }

  /** Exports {@code model}, loads it in ONNX Runtime and compares at batch 1 and 8. */
  private void assertOrtMatchesPyTorch(Model model, Variant variant) throws Exception {
    Path onnx = tmp.resolve(variant.name() + ".onnx");
    AttnZoo.exportOnnx(model, variant, onnx);
    try (Model ort = AttnZoo.loadOnnxRuntime(variant, onnx.toString(), Device.cpu())) {
      assertBatchesMatch(model, ort, variant.config().inputShape(), variant.name(), 7);
    }
  }

  /**
   * Draws every parameter as the timm fixtures do (see fixtures/README: weights N(0, 1/fan_in),
   * biases N(0, 0.04), norm weights U(0.6, 1.4), running variances U(0.5, 2), running means N(0,
   * 0.09), layer scales and temperatures U(0.3, 1)), so that every residual branch counts and the
   * logits stay of order one. DJL's default initialisers make SwiftFormer's logits grow to 1e3-1e6
   * (layer scales of 1, BatchNorm at unit statistics), where float32 rounding alone exceeds 1e-4.
   */
  private static void randomizeLikeFixtures(Block block, long seed) {
    Random r = new Random(seed);
    for (var e : org.attnzoo.nn.ParameterPaths.of(block).entrySet()) {
      String path = e.getKey();
      NDArray a = e.getValue().getArray();
      long[] shape = a.getShape().getShape();
      long fanIn = a.getShape().size() / shape[0];
      float[] v = new float[Math.toIntExact(a.size())];
      for (int i = 0; i < v.length; i++) {
        double g = r.nextGaussian();
        double u = r.nextDouble();
        if (path.endsWith("running_var")) {
          v[i] = (float) (0.5 + 1.5 * u);
        } else if (path.endsWith("running_mean")) {
          v[i] = (float) (0.3 * g);
        } else if (path.endsWith("bias")) {
          v[i] = (float) (0.2 * g);
        } else if (path.endsWith("weight")) {
          v[i] = (float) (shape.length >= 2 ? g / Math.sqrt(fanIn) : 0.6 + 0.8 * u);
        } else if (path.contains("gamma") || path.endsWith("temperature")) {
          v[i] = (float) (0.3 + 0.7 * u);
        } else {
          v[i] = (float) (shape.length >= 2 ? g / Math.sqrt(fanIn) : 0.5 * g);
        }
      }
      a.set(v);
    }
  }

  @Test
  void vitMicroMatchesPyTorchAtBatch1And8() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      assertOrtMatchesPyTorch(model, v);
    }
  }

  @Test
  void avgPoolingLayerScaleWithoutClassTokenMatchesPyTorch() throws Exception {
    // Covers LayerScale, fc_norm and mean pooling (Slice + ReduceMean), absent from vit_micro.
    VitConfig config =
        VitConfig.builder()
            .setImage(16, 4)
            .setSize(32, 2, 2)
            .optNumClasses(5)
            .optPooling(false, "avg")
            .optLayerScaleInit(0.5f)
            .build();
    Variant v =
        new Variant(
            "vit_test_avg",
            config,
            DataConfig.IMAGENET,
            new Reference(0, null, null, "test configuration"));
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      assertOrtMatchesPyTorch(model, v);
    }
  }

  @Test
  void timmFixtureRunsInOrtWithinTolerance() throws Exception {
    // models/vit_micro: timm vit_tiny_patch16_224(img_size=32, patch_size=4, embed_dim=64,
    // depth=2, num_heads=2, num_classes=10), random weights, float64 reference output.
    VitConfig config =
        VitConfig.builder().setImage(32, 4).setSize(64, 2, 2).optNumClasses(10).build();
    Variant v =
        new Variant(
            "vit_micro_fixture",
            config,
            DataConfig.IMAGENET,
            new Reference(0, null, null, "fixture"));
    Fixture fixture = Fixture.of("models/vit_micro");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null);
        NDManager m = NDManager.newBaseManager()) {
      WeightImporter.load(model.getBlock(), fixture.weights(), CheckpointMapper.IDENTITY);
      Path onnx = tmp.resolve("vit_micro_fixture.onnx");
      AttnZoo.exportOnnx(model, v, onnx);
      NDArray input = fixture.array(m, "input.npy");
      double[] expected = fixture.expected(m).toDoubleArray();
      try (Model ort = AttnZoo.loadOnnxRuntime(v, onnx.toString(), Device.cpu())) {
        double err = maxAbsVsF64(runOrt(ort, input.toFloatArray(), input.getShape()), expected);
        System.out.printf(
            "onnx timm fixture vit_micro (batch 2): max abs ORT vs timm f64 %.3g%n", err);
        assertTrue(err < Fixture.TOLERANCE, "max abs " + err);
        // Batch 8 from the same weights: ORT against the PyTorch engine.
        Shape shape = new Shape(8, 3, 32, 32);
        float[] x = random(shape.size(), 11);
        double err8 = maxAbs(runPyTorch(model, x, shape), runOrt(ort, x, shape));
        System.out.printf(
            "onnx timm fixture vit_micro batch 8: max abs PyTorch vs ORT %.3g%n", err8);
        assertTrue(err8 < TOLERANCE, "batch 8 max abs " + err8);
      }
    }
  }

  /**
   * Registry-wide: every variant either exports (and the small ones match PyTorch on ONNX Runtime)
   * or fails with the message naming the block class that lacks ONNX support.
   */
  @Test
  void everyVariantExportsOrNamesTheBlockWithoutOnnxSupport() throws Exception {
    java.util.List<String> exportable = new java.util.ArrayList<>();
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (Variant v : Variants.ALL) {
      try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
        try {
          OnnxExporter.checkExportable(model.getBlock());
          exportable.add(v.name());
          if (v.reference().params() < 1_000_000) {
            randomizeLikeFixtures(model.getBlock(), 3);
            assertOrtMatchesPyTorch(model, v);
          }
        } catch (UnsupportedOperationException e) {
          String m = e.getMessage();
          assertTrue(
              m.startsWith("ONNX export: block class org.attnzoo.")
                  && m.contains("OnnxExportable")
                  && m.contains("src/docs/export.md"),
              m);
          missing.add(v.name() + " (" + m.split(" ")[4] + ")");
        }
      }
    }
    System.out.println("onnx exportable variants: " + exportable);
    System.out.println("onnx variants without ONNX support yet: " + missing);
    assertTrue(
        exportable.contains("vit_micro_patch4_32") && exportable.contains("vit_base_patch16_224"));
    // Swin, every kernel-linear attention and ToSA export; their small variants were checked on
    // ORT.
    for (String name :
        new String[] {
          "swin_micro_patch2_window4_32",
          "swin_tiny_patch4_window7_224",
          "vit_micro_patch4_32_elu",
          "vit_micro_patch4_32_cosformer",
          "vit_micro_patch4_32_hydra",
          "vit_micro_patch4_32_sima",
          "vit_tiny_patch16_224_hydra",
          "vit_micro_patch4_32_tosa",
          "vit_tiny_patch16_224_tosa",
          "edgenext_micro_64",
          "edgenext_xx_small",
          "edgenext_x_small",
          "edgenext_small",
          "edgenext_base",
          "swiftformer_micro_64",
          "swiftformer_xs",
          "swiftformer_s",
          "swiftformer_l1",
          "swiftformer_l3",
          "efficientvit_micro_32",
          "efficientvit_b0",
          "efficientvit_b1",
          "efficientvit_b2",
          "efficientvit_b3",
          "conv2former_micro_32",
          "conv2former_n",
          "conv2former_t",
          "conv2former_s",
          "conv2former_b"
        }) {
      assertTrue(exportable.contains(name), name + " not exportable: " + missing);
    }
  }

  /**
   * Full-size variants with fixture-like random weights against the PyTorch engine: EdgeNeXt at
   * 256x256 (stage 2, 16x16, carries the Fourier positional encoding, the SDTA encoders split 88
   * channels into 2-4 groups and XCA runs on 4 heads); SwiftFormer-XS; at 224x224 EfficientViT-B0,
   * whose attention stages run on 14x14 and 7x7 maps (16 heads of 16 plus the 5x5 aggregated ones),
   * and Conv2Former-N with its 11x11 modulation kernels and 1280-wide head.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {"edgenext_xx_small", "swiftformer_xs", "efficientvit_b0", "conv2former_n"})
  void fullSizeVariantMatchesPyTorch(String name) throws Exception {
    Variant v = Variants.get(name);
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      randomizeLikeFixtures(model.getBlock(), 5);
      assertOrtMatchesPyTorch(model, v);
    }
  }

  /**
   * Loads fixture {@code id} into {@code block}, exports it and returns the max abs error of ONNX
   * Runtime on the fixture input against the reference's float64 output. With {@code batchesToo},
   * also checks ORT against the PyTorch engine at batch 1 and 8 (same weights, random inputs). The
   * fixtures draw layer scales, temperatures, norm weights and BatchNorm statistics away from their
   * initial values, so every residual branch counts (a 1e-6 layer scale would hide one).
   */
  private double ortVsFixture(String id, Block block, CheckpointMapper mapper, boolean batchesToo)
      throws Exception {
    Fixture fixture = Fixture.of(id);
    try (Model model = Model.newInstance(id, Device.cpu(), Engines.PYTORCH)) {
      model.setBlock(block);
      NDArray input = fixture.array(model.getNDManager(), "input.npy");
      block.initialize(model.getNDManager(), DataType.FLOAT32, input.getShape());
      WeightImporter.load(block, fixture.weights(), mapper);
      Shape sample = input.getShape().slice(1);
      double[] expected = fixture.expected(model.getNDManager()).toDoubleArray();
      try (Model ort = exportAndLoadOrt(block, sample, id)) {
        double err = maxAbsVsF64(runOrt(ort, input.toFloatArray(), input.getShape()), expected);
        System.out.printf("onnx fixture %s: max abs ORT vs reference f64 %.3g%n", id, err);
        if (batchesToo) {
          assertBatchesMatch(model, ort, sample, id, 17);
        }
        return err;
      }
    }
  }

  /** The convolutional families' model fixtures (timm, and the official code for Conv2Former). */
  static Stream<Arguments> modelFixtures() {
    return Stream.of(
        // timm edgenext_xx_small(depths=[1,2,2,2], dims=[16,32,48,64], heads=[2,2,2,2],
        // num_classes=10), 64x64 input.
        Arguments.of(
            "models/edgenext_micro",
            (Supplier<Block>)
                () ->
                    EdgeNeXtConfig.builder()
                        .setStages(List.of(1, 2, 2, 2), List.of(16, 32, 48, 64))
                        .optHeads(2, 2, 2, 2)
                        .optNumClasses(10)
                        .optImgSize(64)
                        .build()
                        .newBlock()),
        // timm swiftformer_xs(layers=[1,2,1,2], embed_dims=[16,24,32,48], num_classes=10), 64x64.
        Arguments.of(
            "models/swiftformer_micro",
            (Supplier<Block>)
                () ->
                    SwiftFormerConfig.builder()
                        .setStages(List.of(1, 2, 1, 2), List.of(16, 24, 32, 48))
                        .optNumClasses(10)
                        .optImgSize(64)
                        .build()
                        .newBlock()),
        // timm efficientvit_b0(widths=(8,8,16,32,32), depths=(1,1,1,1,2), head_dim=8,
        // head_widths=(64,80), num_classes=10), 64x64 input: Hardswish, linear attention with the
        // padded value, multi-scale aggregation and the LayerNorm head.
        Arguments.of(
            "models/efficientvit_micro",
            (Supplier<Block>)
                () ->
                    EfficientVitConfig.of(
                            List.of(8, 8, 16, 32, 32), List.of(1, 1, 1, 1, 2), 8, List.of(64, 80))
                        .withNumClasses(10)
                        .withImgSize(64)
                        .newBlock()),
        // official Conv2Former(kernel_size=7, dims=[16, 32, 48, 64], depths=[1, 1, 2, 1],
        // num_classes=10), 64x64 input: convolutional modulation, the MLP's depth-wise position
        // convolution, LayerNorm2d, the stem and the 1280-wide head.
        Arguments.of(
            "models/conv2former_micro",
            (Supplier<Block>)
                () ->
                    Conv2FormerConfig.of(7, List.of(16, 32, 48, 64), List.of(1, 1, 2, 1))
                        .withNumClasses(10)
                        .withImgSize(64)
                        .newBlock()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modelFixtures")
  void modelFixtureMatchesReferenceAndPyTorchOnOrt(String id, Supplier<Block> block)
      throws Exception {
    double err = ortVsFixture(id, block.get(), CheckpointMapper.IDENTITY, true);
    assertTrue(err < Fixture.TOLERANCE, id + ": max abs vs reference " + err);
  }

  @Test
  void swinWithPaddedWindowsMatchesPyTorch() throws Exception {
    // A 12x12 patch grid with 5x5 windows pads every block to 15x15 (stage 2: 6x6 to 10x10) and
    // shifts by 2, so padding, cyclic shift and the shifted-window mask on the padded map all
    // appear, unlike in swin_micro (whose resolutions are multiples of the window).
    SwinConfig config =
        SwinConfig.builder()
            .setImage(24, 2, 5)
            .setSize(16, java.util.List.of(2, 2), java.util.List.of(2, 4))
            .optNumClasses(7)
            .build();
    Variant v =
        new Variant(
            "swin_test_padded",
            config,
            DataConfig.IMAGENET,
            new Reference(0, null, null, "test configuration"));
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      assertOrtMatchesPyTorch(model, v);
      OnnxMl.ModelProto proto =
          OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), v.name());
      Set<String> ops = new TreeSet<>();
      proto.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
      assertTrue(ops.contains("Pad") && !ops.contains("Roll"), ops.toString());
    }
  }

  /**
   * A graph check: the ops allowed beyond {@link #PORTABLE_OPS}, the ops the graph must contain and
   * an initializer name fragment that must not appear (null for none).
   */
  record GraphCase(String variant, Set<String> alsoAllowed, Set<String> required, String absent) {
    @Override
    public String toString() {
      return variant;
    }
  }

  static Stream<GraphCase> rank4Graphs() {
    // Swin: padding and the cyclic shift as Slice + Concat (no Roll).
    Set<String> swin = Set.of("Pad", "Sqrt");
    // L2 normalisation (XCA, additive attention), pooling, ReLU, the distilled head's mean.
    Set<String> edgeSwift = Set.of("ReduceL2", "Max", "Div", "ReduceSum", "Relu");
    // Linear attention (ReLU kernel, ones-padded value, normaliser), Hardswish (opset 14).
    Set<String> evitConv = Set.of("Relu", "Pad", "Div", "HardSwish");
    return Stream.of(
        new GraphCase("swin_micro_patch2_window4_32", swin, Set.of("Slice", "Concat"), null),
        // The Fourier encoding is one constant: its token projection is not exported as a Conv.
        new GraphCase("edgenext_micro_64", edgeSwift, Set.of(), "token_projection"),
        new GraphCase("swiftformer_micro_64", edgeSwift, Set.of(), "token_projection"),
        new GraphCase("efficientvit_micro_32", evitConv, Set.of(), null),
        new GraphCase("conv2former_micro_32", evitConv, Set.of(), null));
  }

  /** Mobile converters handle tensors up to rank 4 and the opset-17 ops listed here. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("rank4Graphs")
  void graphHasNoTensorAboveRank4AndOnlyPortableOps(GraphCase c) throws Exception {
    Variant v = Variants.get(c.variant());
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      OnnxMl.ModelProto proto =
          OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), v.name());
      Set<String> ops = new TreeSet<>();
      for (OnnxMl.NodeProto n : proto.getGraph().getNodeList()) {
        ops.add(n.getOpType());
        if (n.getOpType().equals("Reshape")) {
          // The target shape of every Reshape is an int64 initializer: its length is the rank.
          String target = n.getInput(1);
          proto.getGraph().getInitializerList().stream()
              .filter(t -> t.getName().equals(target))
              .forEach(t -> assertTrue(t.getDims(0) <= 4, n.getName() + " rank " + t.getDims(0)));
        }
        n.getAttributeList().stream()
            .filter(a -> a.getName().equals("perm"))
            .forEach(
                a -> assertTrue(a.getIntsCount() <= 4, n.getName() + " rank " + a.getIntsCount()));
      }
      Set<String> allowed = new TreeSet<>(PORTABLE_OPS);
      allowed.addAll(c.alsoAllowed());
      assertTrue(allowed.containsAll(ops), c.variant() + ": ops outside the portable set: " + ops);
      assertTrue(ops.containsAll(c.required()), c.variant() + ": missing " + c.required());
      assertTrue(!ops.contains("Einsum") && !ops.contains("Roll"), ops.toString());
      if (c.absent() != null) {
        proto.getGraph().getInitializerList().stream()
            .map(OnnxMl.TensorProto::getName)
            .forEach(t -> assertTrue(!t.contains(c.absent()), t));
      }
    }
  }

  @Test
  void swinTimmFixturesWithPaddingRunInOrtWithinTolerance() throws Exception {
    // blocks/swin_block_pad: timm SwinTransformerBlock(dim=16, input_resolution=(6, 10),
    // num_heads=2, window_size=4, shift_size=2), padded to 8x12 after the shift.
    assertTrue(
        ortVsFixture(
                "blocks/swin_block_pad",
                new SwinBlock(AttentionSpec.of(16, 2), 6, 10, 4, 2, 4.0, 0f, SwinConfig.NORM_EPS),
                SwinCheckpointMapper.INSTANCE,
                false)
            < Fixture.TOLERANCE);
    // blocks/swin_patch_merging_odd: timm PatchMerging(dim=16) on a 5x7 map.
    assertTrue(
        ortVsFixture(
                "blocks/swin_patch_merging_odd",
                new PatchMerging(16, 32, SwinConfig.NORM_EPS),
                SwinCheckpointMapper.INSTANCE,
                false)
            < Fixture.TOLERANCE);
    // models/swin_micro_window3_pad: timm swin_tiny_patch4_window7_224(img_size=64, patch_size=4,
    // window_size=3, embed_dim=16, depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), num_classes=10).
    SwinConfig config =
        SwinConfig.builder()
            .setImage(64, 4, 3)
            .setSize(16, List.of(2, 2, 2, 2), List.of(1, 2, 4, 8))
            .optNumClasses(10)
            .build();
    assertTrue(
        ortVsFixture(
                "models/swin_micro_window3_pad",
                config.newBlock(),
                SwinCheckpointMapper.INSTANCE,
                false)
            < Fixture.TOLERANCE);
  }

  @Test
  void patchMergingWithOddResolutionMatchesPyTorch() throws Exception {
    PatchMerging merging = new PatchMerging(6, 12, 1e-5f);
    try (Model model = Model.newInstance("pm", Device.cpu(), Engines.PYTORCH)) {
      model.setBlock(merging);
      Shape sample = new Shape(5, 7, 6);
      merging.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(sample));
      try (Model ort = exportAndLoadOrt(merging, sample, "pm")) {
        assertBatchesMatch(model, ort, sample, "PatchMerging", 0);
      }
    }
  }

  @Test
  void linearAttentionsAloneMatchPyTorchAtShortSequences() throws Exception {
    // 3 tokens < 16 channels per head: SimA takes its (q k^T) v order, which the ViT variants
    // (N >= d) do not reach; cosFormer's angles depend on N.
    AttentionSpec spec = AttentionSpec.of(32, 2);
    Shape sample = new Shape(3, 32);
    for (Block attention :
        new Block[] {
          new EluLinearAttention(spec),
          new CosFormerAttention(spec),
          new HydraAttention(spec),
          new SimAAttention(spec)
        }) {
      String name = attention.getClass().getSimpleName();
      try (Model model = Model.newInstance(name, Device.cpu(), Engines.PYTORCH)) {
        model.setBlock(attention);
        attention.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(sample));
        try (Model ort = exportAndLoadOrt(attention, sample, name)) {
          assertBatchesMatch(model, ort, sample, name + " N=3", 3);
        }
      }
    }
  }

  @Test
  void causalLinearAttentionNamesTheCausalFormAsUnsupported() {
    AttentionSpec spec = AttentionSpec.of(16, 2);
    for (Block causal :
        new Block[] {new EluLinearAttention(spec, true), new CosFormerAttention(spec, true)}) {
      try (NDManager m = NDManager.newBaseManager()) {
        causal.initialize(m, DataType.FLOAT32, new Shape(1, 4, 16));
        var e =
            assertThrows(
                UnsupportedOperationException.class,
                () -> OnnxExporter.toModel(causal, new Shape(4, 16), "x"));
        assertTrue(
            e.getMessage().contains("causal " + causal.getClass().getSimpleName()), e.getMessage());
      }
    }
  }

  @Test
  void criteriaLoadsTheExportOnOnnxRuntime() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    Path onnx = tmp.resolve("criteria.onnx");
    Shape shape = v.config().inputShape(8);
    float[] x = random(shape.size(), 5);
    float[] expected;
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportOnnx(model, v, onnx);
      expected = runPyTorch(model, x, shape);
    }
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optArtifactId(v.name())
            .optEngine(Engines.ONNX_RUNTIME)
            .optArgument("onnx", onnx.toString())
            .build();
    try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
      assertEquals(Engines.ONNX_RUNTIME, model.getNDManager().getEngine().getEngineName());
      double err = maxAbs(expected, runOrt(model, x, shape));
      assertTrue(err < TOLERANCE, "max abs " + err);
    }
  }

  @Test
  void graphUsesOpset17DynamicBatchAndPortableOps() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      OnnxMl.ModelProto proto =
          OnnxExporter.toModel(model.getBlock(), v.config().inputShape(), v.name());
      assertEquals(8, proto.getIrVersion());
      assertEquals(17, proto.getOpsetImport(0).getVersion());
      var inDims = proto.getGraph().getInput(0).getType().getTensorType().getShape();
      assertEquals("batch", inDims.getDim(0).getDimParam());
      assertEquals(32, inDims.getDim(2).getDimValue());
      var outDims = proto.getGraph().getOutput(0).getType().getTensorType().getShape();
      assertEquals("batch", outDims.getDim(0).getDimParam());
      assertEquals(10, outDims.getDim(1).getDimValue());
      Set<String> ops = new TreeSet<>();
      proto.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
      assertTrue(PORTABLE_OPS.containsAll(ops), "ops outside the portable set: " + ops);
      // Every parameter is one initializer named by its timm key (linear weights transposed).
      Set<String> inits = new TreeSet<>();
      proto.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
      assertTrue(inits.contains("blocks.0.attn.qkv.weight.T"), inits.toString());
      assertTrue(inits.contains("cls_token") && inits.contains("pos_embed"), inits.toString());
    }
  }

  @Test
  void batchNormExportsWithRunningStatistics() throws Exception {
    BatchNorm bn = BatchNorm.of(4);
    try (Model model = Model.newInstance("bn", Device.cpu(), Engines.PYTORCH)) {
      model.setBlock(bn);
      Shape sample = new Shape(4, 5, 5);
      bn.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4, 5, 5));
      var params = bn.getParameters();
      params.get("running_mean").getArray().set(new float[] {0.5f, -0.2f, 0.1f, 0f});
      params.get("running_var").getArray().set(new float[] {2f, 0.5f, 1.5f, 0.8f});
      params.get("weight").getArray().set(new float[] {1.2f, 0.7f, 1f, 0.9f});
      params.get("bias").getArray().set(new float[] {0.1f, 0f, -0.3f, 0.2f});
      try (Model ort = exportAndLoadOrt(bn, sample, "bn")) {
        assertBatchesMatch(model, ort, sample, "BatchNorm", 0);
      }
    }
  }

  /** A block without ONNX support, standing in for a mechanism that has not added its piece. */
  static final class NoOnnxAttention extends AbstractBlock {
    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      return inputs;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return inputShapes;
    }
  }

  @Test
  void blockWithoutOnnxSupportFailsNamingItsClass() {
    VitBlock layer =
        new VitBlock(AttentionSpec.of(16, 2), spec -> new NoOnnxAttention(), 2.0, null, 0f, 1e-6f);
    try (NDManager m = NDManager.newBaseManager()) {
      layer.initialize(m, DataType.FLOAT32, new Shape(1, 4, 16));
      Block root = layer;
      var e =
          assertThrows(
              UnsupportedOperationException.class,
              () -> OnnxExporter.toModel(root, new Shape(4, 16), "x"));
      assertTrue(
          e.getMessage().contains(NoOnnxAttention.class.getName())
              && e.getMessage().contains("'attn'")
              && e.getMessage().contains("OnnxExportable"),
          e.getMessage());
    }
  }

  @Test
  void exportNeedsAnInitialisedBlock() {
    BackboneConfig config = Variants.get("vit_micro_patch4_32").config();
    assertThrows(
        IllegalStateException.class,
        () -> OnnxExporter.toModel(config.newBlock(), config.inputShape(), "x"));
  }

  @Test
  void onnxFileIsWrittenAtomicallyAndLoadsByName() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    Path onnx = tmp.resolve("sub/dir/model.onnx");
    try (Model model = AttnZoo.newModel(v, Device.cpu(), null)) {
      AttnZoo.exportOnnx(model, v, onnx);
    }
    assertTrue(Files.size(onnx) > 4 * Variants.get("vit_micro_patch4_32").reference().params());
    try (var files = Files.list(onnx.getParent())) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }
}
