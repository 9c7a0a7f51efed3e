package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Image to patch tokens: a {@code p x p} convolution with stride {@code p} (timm's {@code
 * PatchEmbed.proj}), then {@code [B, C, H/p, W/p] -> [B, N, C]} with N = (H/p)(W/p) in row-major
 * order.
 */
public class PatchEmbed extends AbstractBlock implements OnnxExportable {

  private final int patchSize;
  private final int inChannels;
  private final long embedDim;
  private final Conv2d proj;

  /**
   * @param patchSize side of a square patch
   * @param inChannels image channels
   * @param embedDim token channels
   */
  public PatchEmbed(int patchSize, int inChannels, long embedDim) {
    Checks.positive("patchSize", patchSize);
    Checks.positive("inChannels", inChannels);
    Checks.positive("embedDim", embedDim);
    this.patchSize = patchSize;
    this.inChannels = inChannels;
    this.embedDim = embedDim;
    proj =
        addChildBlock(
            "proj",
            Conv2d.builder()
                .setKernelShape(new Shape(patchSize, patchSize))
                .optStride(new Shape(patchSize, patchSize))
                .setFilters((int) embedDim)
                .build());
  }

  private void check(Shape in) {
    Checks.rank("PatchEmbed", in, 4, "[B, C, H, W]");
    Checks.size("PatchEmbed", in, 1, inChannels, "channels");
    if (in.get(2) % patchSize != 0 || in.get(3) % patchSize != 0) {
      throw new IllegalArgumentException(
          String.format(
              "PatchEmbed expects an image whose height and width are multiples of the patch size"
                  + " %d, got %dx%d (input shape %s)",
              patchSize, in.get(2), in.get(3), in));
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    NDArray x = proj.forward(ps, inputs, training).singletonOrThrow();
    Shape s = x.getShape();
    return new NDList(x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    check(in);
    long n = (in.get(2) / patchSize) * (in.get(3) / patchSize);
    return new Shape[] {new Shape(in.get(0), n, embedDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    proj.initialize(manager, dataType, shapes);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = g.apply(proj, inputs[0]);
    // [B, C, h, w] -> [B, C, hw] -> [B, hw, C]; 0 copies the dynamic batch axis.
    x = g.op("Reshape", x, g.ints(0, embedDim, -1));
    return new String[] {g.op("Transpose", new String[] {x}, OnnxGraph.Attr.ints("perm", 0, 2, 1))};
  }
}
