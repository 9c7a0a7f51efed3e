package org.attnzoo.backbones.swiftformer;

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
import org.attnzoo.nn.BatchNorm;
import org.attnzoo.nn.NamedSequential;
import org.attnzoo.nn.Sequences;

/**
 * One SwiftFormer stage, timm's SwiftFormer {@code Stage}: an optional embedding {@code downsample}
 * (3x3 stride-2 convolution {@code proj}, BatchNorm {@code norm}), then {@code blocks.0 ..}:
 * convolution encoders and, last, one SwiftFormer encoder.
 */
public class SwiftFormerStage extends AbstractBlock implements OnnxExportable {

  private final long inChannels;
  private final NamedSequential downsample;
  private final List<Block> blocks;

  /** The optional downsampling, then the blocks. */
  private final List<Block> chain;

  /**
   * @param config the backbone
   * @param index stage index
   * @param inChannels channels of the stage's input
   * @param attention the token mixer's factory
   * @param dropPathRates stochastic-depth rate of each block
   */
  SwiftFormerStage(
      SwiftFormerConfig config,
      int index,
      long inChannels,
      AttentionFactory attention,
      float[] dropPathRates) {
    this.inChannels = inChannels;
    int dim = config.embedDims().get(index);
    downsample =
        config.downsamples().get(index)
            ? addChildBlock(
                "downsample",
                new NamedSequential()
                    .add(
                        "proj",
                        Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optStride(new Shape(2, 2))
                            .optPadding(new Shape(1, 1))
                            .setFilters(dim)
                            .build())
                    .add("norm", BatchNorm.of(dim)))
            : null;
    int depth = config.layers().get(index);
    long hidden = (long) (config.mlpRatio() * dim);
    List<Block> list = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      Block block =
          i == depth - 1
              ? new SwiftFormerEncoder(
                  new AttentionSpec(dim, 1, true, 0f, 0f, -1),
                  attention,
                  config.mlpRatio(),
                  config.dropRate(),
                  dropPathRates[i],
                  config.layerScaleInit())
              : new ConvEncoder(dim, hidden, 3, dropPathRates[i], config.layerScaleInit() != null);
      list.add(addChildBlock("blocks." + i, block));
    }
    blocks = Collections.unmodifiableList(list);
    chain = Sequences.chain(this.downsample, blocks);
  }

  private void check(Shape in) {
    ConvEncoder.checkMap("SwiftFormerStage", in, inChannels);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    return Sequences.forward(ps, inputs, training, chain);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
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
