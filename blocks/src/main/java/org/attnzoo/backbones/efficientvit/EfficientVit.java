package org.attnzoo.backbones.efficientvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.attnzoo.backbones.AbstractBackbone;
import org.attnzoo.backbones.FeatureInfo;
import org.attnzoo.export.OnnxGraph;
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
 * W/32]}; feature maps: {@code stages.i} at stride {@code 4 * 2^i}.
 */
public class EfficientVit extends AbstractBackbone<EfficientVitConfig> {

  private final ClassifierHead head;

  /**
   * @param config the architecture
   */
  public EfficientVit(EfficientVitConfig config) {
    super("EfficientVit", config);
    List<Integer> widths = config.widths();
    List<Integer> depths = config.depths();
    Stem stem =
        addChildBlock(
            "stem", new Stem(config.inChans(), widths.get(0), depths.get(0), Act.HARDSWISH));
    List<EfficientVitStage> stages = new ArrayList<>();
    List<FeatureInfo> info = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      stages.add(
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
      // The stem halves the resolution, every stage halves it again.
      info.add(new FeatureInfo(widths.get(i + 1), 4 << i, "stages." + i));
    }
    setTrunk(Sequences.chain(stem, stages), stageIndices(1, 1, 4), info);
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
    declareInit(TimmInit.Rule.PYTORCH_DEFAULT, TimmInit.Rule.PYTORCH_DEFAULT);
  }

  @Override
  public long headHiddenSize() {
    return head.hiddenSize();
  }

  @Override
  public NDArray forwardHead(
      ParameterStore ps, NDArray features, boolean training, boolean preLogits) {
    NDList x =
        preLogits
            ? head.forwardPreLogits(ps, features, training)
            : head.forward(ps, new NDList(features), training);
    return x.singletonOrThrow();
  }

  @Override
  protected void initializeHead(NDManager manager, DataType dataType, Shape features) {
    head.initialize(manager, dataType, features);
  }

  @Override
  protected String headToOnnx(OnnxGraph g, String features) {
    return g.apply(head, features);
  }

  @Override
  protected void replaceClassifier(int numClasses) {
    head.resetClassifier(numClasses);
  }
}
