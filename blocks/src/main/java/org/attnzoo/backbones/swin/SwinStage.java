package org.attnzoo.backbones.swin;

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
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.Sequences;

/**
 * One Swin stage, timm's {@code SwinTransformerStage}: optional {@link PatchMerging} ({@code
 * downsample}) then {@code depth} {@link SwinBlock}s alternating W-MSA and SW-MSA (shift of half a
 * window on odd blocks). Maps {@code [B, H, W, inDim]} to {@code [B, H', W', outDim]} with {@code
 * H' = ceil(H / 2)} when downsampling, else {@code H}.
 */
public class SwinStage extends AbstractBlock implements OnnxExportable {

  private static final String NAME = "SwinStage";

  private final long inDim;
  private final long outDim;
  private final int height;
  private final int width;
  private final int outHeight;
  private final int outWidth;
  private final PatchMerging downsample;
  private final List<SwinBlock> blocks;

  /** The optional downsampling, then the blocks. */
  private final List<Block> chain;

  /**
   * @param inDim input channels
   * @param outDim output channels (must equal inDim without downsampling)
   * @param height input height in tokens
   * @param width input width in tokens
   * @param downsample whether to start with a {@link PatchMerging}
   * @param attention heads, qkv bias and dropouts of every block (its dim is ignored: outDim)
   * @param windowSize target window side
   * @param mlpRatio MLP hidden ratio
   * @param dropPath stochastic-depth rate of each block; its length is the depth
   * @param normEps LayerNorm eps
   */
  public SwinStage(
      long inDim,
      long outDim,
      int height,
      int width,
      boolean downsample,
      AttentionSpec attention,
      int windowSize,
      double mlpRatio,
      float[] dropPath,
      float normEps) {
    Checks.positive("SwinStage depth", dropPath.length);
    if (!downsample && inDim != outDim) {
      throw new IllegalArgumentException(
          "a stage without downsampling keeps its width: inDim " + inDim + " != outDim " + outDim);
    }
    this.inDim = inDim;
    this.outDim = outDim;
    this.height = height;
    this.width = width;
    this.outHeight = downsample ? (height + 1) / 2 : height;
    this.outWidth = downsample ? (width + 1) / 2 : width;
    this.downsample =
        downsample ? addChildBlock("downsample", new PatchMerging(inDim, outDim, normEps)) : null;
    AttentionSpec spec =
        new AttentionSpec(
            outDim,
            attention.numHeads(),
            attention.qkvBias(),
            attention.attnDrop(),
            attention.projDrop(),
            (long) windowSize * windowSize);
    List<SwinBlock> list = new ArrayList<>();
    for (int i = 0; i < dropPath.length; i++) {
      int shift = i % 2 == 0 ? 0 : windowSize / 2;
      list.add(
          addChildBlock(
              "blocks." + i,
              new SwinBlock(
                  spec, outHeight, outWidth, windowSize, shift, mlpRatio, dropPath[i], normEps)));
    }
    blocks = Collections.unmodifiableList(list);
    chain = Sequences.chain(this.downsample, blocks);
  }

  private void check(Shape in) {
    Checks.rank(NAME, in, 4, "[B, H, W, C]");
    if (in.get(1) != height || in.get(2) != width) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects a %dx%d map, got %dx%d (input shape %s)",
              NAME, height, width, in.get(1), in.get(2), in));
    }
    Checks.size(NAME, in, 3, inDim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    return Sequences.forward(ps, inputs, training, chain);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return Sequences.toOnnx(g, inputs, chain);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {new Shape(inputShapes[0].get(0), outHeight, outWidth, outDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Sequences.initialize(manager, dataType, shapes, chain);
  }

  /**
   * @return the blocks in order
   */
  public List<SwinBlock> getBlocks() {
    return blocks;
  }

  /**
   * @return the output {@code {height, width}}
   */
  public int[] getOutputResolution() {
    return new int[] {outHeight, outWidth};
  }

  /**
   * Runs the stage and returns its output; a convenience for callers holding an NDArray.
   *
   * @param ps the parameter store
   * @param x {@code [B, H, W, inDim]}
   * @param training whether in training mode
   * @return {@code [B, H', W', outDim]}
   */
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return forward(ps, new NDList(x), training).singletonOrThrow();
  }
}
