package org.attnzoo.backbones.efficientvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.ClassifierHead;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.Sequences;
import org.attnzoo.nn.TimmInit;

/**
 * EfficientViT (MIT; Cai et al., "EfficientViT: Multi-Scale Linear Attention for High-Resolution
 * Dense Prediction", ICCV 2023), the B series as timm's {@code efficientvit_mit.EfficientVit}:
 * {@code stem}, four {@code stages} (stride 4 to 32; lightweight multi-scale linear attention in
 * the last two only, where convolutions alone lack global context) and a {@code head}. Activations
 * are Hardswish.
 *
 * <p>Output: logits {@code [B, numClasses]}, or the pre-logits {@code [B, headWidths[1]]} with 0
 * classes. {@link #forwardFeatures} returns the last stage's map {@code [B, widths[4], H/32,
 * W/32]}.
 */
public class EfficientVit extends AbstractBlock implements OnnxExportable {

  private final EfficientVitConfig config;
  private final Stem stem;
  private final List<EfficientVitStage> stages;
  private final ClassifierHead head;

  /** The children that turn the image into the feature map, in order. */
  private final List<Block> trunk;

  /**
   * @param config the architecture
   */
  public EfficientVit(EfficientVitConfig config) {
    this.config = config;
    List<Integer> widths = config.widths();
    List<Integer> depths = config.depths();
    stem =
        addChildBlock(
            "stem", new Stem(config.inChans(), widths.get(0), depths.get(0), Act.HARDSWISH));
    List<EfficientVitStage> list = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      list.add(
          addChildBlock(
              "stages." + i,
              new EfficientVitStage(
                  widths.get(i),
                  widths.get(i + 1),
                  depths.get(i + 1),
                  config.expandRatio(),
                  config.headDim(),
                  i >= 2,
                  Act.HARDSWISH)));
    }
    stages = Collections.unmodifiableList(list);
    trunk = Sequences.chain(stem, stages);
    head =
        addChildBlock(
            "head",
            new ClassifierHead(
                widths.get(4),
                config.headWidths().get(0),
                config.headWidths().get(1),
                config.numClasses(),
                config.dropRate(),
                Act.HARDSWISH));
    // timm efficientvit_mit.py defines no init: every layer keeps PyTorch's reset_parameters.
    TimmInit.declare(this, TimmInit.Rule.PYTORCH_DEFAULT, TimmInit.Rule.PYTORCH_DEFAULT);
  }

  private void check(Shape in) {
    Checks.rank("EfficientVit", in, 4, "[B, C, H, W]");
    Checks.size("EfficientVit", in, 1, config.inChans(), "channels");
  }

  /**
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the last stage's feature map
   */
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    return Sequences.forward(ps, new NDList(image), training, trunk).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray features = forwardFeatures(ps, inputs.singletonOrThrow(), training);
    return head.forward(ps, new NDList(features), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return head.getOutputShapes(Sequences.outputShapes(inputShapes, trunk));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    head.initialize(manager, dataType, Sequences.initialize(manager, dataType, shapes, trunk));
  }

  /**
   * @return the architecture
   */
  public EfficientVitConfig getConfig() {
    return config;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {g.apply(head, Sequences.toOnnx(g, inputs, trunk)[0])};
  }
}
