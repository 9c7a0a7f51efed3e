package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionFactory;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.LayerNorm2d;
import org.attnzoo.nn.NamedSequential;
import org.attnzoo.nn.Sequences;

/**
 * One EdgeNeXt stage, timm's {@code EdgeNeXtStage}: an optional downsampling {@code downsample}
 * (LayerNorm2d {@code 0}, 2x2 stride-2 convolution {@code 1}), then {@code blocks.0 ..}:
 * convolution encoders followed by {@code numGlobalBlocks} SDTA encoders at the end of the stage.
 */
public class EdgeNeXtStage extends AbstractBlock implements OnnxExportable {

  private static final float NORM_EPS = 1e-6f;

  private final long inChannels;
  private final long outChannels;
  private final NamedSequential downsample;
  private final List<Block> blocks;

  /** The optional downsampling, then the blocks. */
  private final List<Block> chain;

  /**
   * @param config the backbone
   * @param index stage index
   * @param inChannels channels of the stage's input
   * @param attention the SDTA token mixer's factory
   * @param dropPathRates stochastic-depth rate of each block
   */
  EdgeNeXtStage(
      EdgeNeXtConfig config,
      int index,
      long inChannels,
      AttentionFactory attention,
      float[] dropPathRates) {
    this.inChannels = inChannels;
    this.outChannels = config.dims().get(index);
    if (index > 0) {
      downsample =
          addChildBlock(
              "downsample",
              new NamedSequential()
                  .add("0", new LayerNorm2d(inChannels, NORM_EPS))
                  .add(
                      "1",
                      Conv2d.builder()
                          .setKernelShape(new Shape(2, 2))
                          .optStride(new Shape(2, 2))
                          .setFilters((int) outChannels)
                          .build()));
    } else if (inChannels == outChannels) {
      downsample = null;
    } else {
      throw new IllegalArgumentException(
          String.format(
              "EdgeNeXt stage 0 does not downsample: it needs %d input channels, got %d",
              outChannels, inChannels));
    }
    int depth = config.depths().get(index);
    int global = config.globalBlockCounts().get(index);
    List<Block> list = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      Block block;
      if (i < depth - global) {
        block =
            new ConvEncoder(
                outChannels,
                config.kernelSizes().get(index),
                config.expandRatio(),
                config.layerScaleInit(),
                dropPathRates[i]);
      } else {
        AttentionSpec spec =
            new AttentionSpec(outChannels, config.heads().get(index), true, 0f, 0f, -1);
        block =
            new SdtaEncoder(
                spec,
                attention,
                config.d2Scales().get(index),
                config.expandRatio(),
                config.usePosEmb().get(index),
                config.layerScaleInit(),
                dropPathRates[i]);
      }
      list.add(addChildBlock("blocks." + i, block));
    }
    blocks = Collections.unmodifiableList(list);
    chain = Sequences.chain(this.downsample, blocks);
  }

  private void check(Shape in) {
    Checks.rank("EdgeNeXtStage", in, 4, "[B, C, H, W]");
    Checks.size("EdgeNeXtStage", in, 1, inChannels, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    return Sequences.forward(ps, inputs, training, chain);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    check(in);
    return downsample == null ? inputShapes : downsample.getOutputShapes(inputShapes);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Sequences.initialize(manager, dataType, shapes, chain);
  }

  /**
   * @return the encoders of this stage in order
   */
  public List<Block> getBlocks() {
    return blocks;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return Sequences.toOnnx(g, inputs, chain);
  }
}
