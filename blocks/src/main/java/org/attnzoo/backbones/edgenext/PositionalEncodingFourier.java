package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.nn.Checks;

/**
 * Sinusoidal 2-D position encoding (DETR style, as XCiT and EdgeNeXt use it), timm's {@code
 * PositionalEncodingFourier}: each pixel's row and column, normalised to {@code (0, 2 pi]}, are
 * expanded into {@value #HIDDEN} sine/cosine features each, and a 1x1 convolution {@code
 * token_projection} maps the {@code 2 * }{@value #HIDDEN} features to {@code dim} channels.
 *
 * <p>Input: the feature map {@code [B, C, H, W]} (only its batch and spatial sizes are used).
 * Output: the encoding {@code [B, dim, H, W]}.
 */
public class PositionalEncodingFourier extends AbstractBlock {

  static final int HIDDEN = 32;
  private static final double TEMPERATURE = 10000.0;
  private static final double EPS = 1e-6;

  private final long dim;
  private final Conv2d tokenProjection;

  /**
   * @param dim output channels
   */
  public PositionalEncodingFourier(long dim) {
    Checks.positive("PositionalEncodingFourier dim", dim);
    this.dim = dim;
    tokenProjection =
        addChildBlock(
            "token_projection",
            Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters((int) dim).build());
  }

  /**
   * The {@code [1, 2 * HIDDEN, H, W]} Fourier features before the projection: channels {@code 0 ..
   * HIDDEN-1} encode the row, the rest the column; feature k is {@code sin} (k even) or {@code cos}
   * (k odd) of {@code pos / T^(2 floor(k/2) / HIDDEN)}.
   *
   * @param manager where the array lives
   * @param h map height
   * @param w map width
   * @return the features, float32
   */
  static NDArray fourierFeatures(NDManager manager, int h, int w) {
    float[] out = new float[2 * HIDDEN * h * w];
    double scale = 2 * Math.PI;
    for (int k = 0; k < HIDDEN; k++) {
      double dimT = Math.pow(TEMPERATURE, 2.0 * (k / 2) / HIDDEN);
      for (int i = 0; i < h; i++) {
        // Cumulative count of valid pixels divided by their total, as timm does without a mask.
        double y = (i + 1) / (h + EPS) * scale / dimT;
        for (int j = 0; j < w; j++) {
          double x = (j + 1) / (w + EPS) * scale / dimT;
          out[(k * h + i) * w + j] = (float) (k % 2 == 0 ? Math.sin(y) : Math.cos(y));
          out[((HIDDEN + k) * h + i) * w + j] = (float) (k % 2 == 0 ? Math.sin(x) : Math.cos(x));
        }
      }
    }
    return manager.create(out, new Shape(1, 2 * HIDDEN, h, w));
  }

  private static void check(Shape in) {
    Checks.rank("PositionalEncodingFourier", in, 4, "[B, C, H, W]");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    check(s);
    NDArray features =
        fourierFeatures(x.getManager(), (int) s.get(2), (int) s.get(3))
            .toDevice(x.getDevice(), false)
            .toType(x.getDataType(), false);
    NDArray pos = tokenProjection.forward(ps, new NDList(features), training).singletonOrThrow();
    return new NDList(pos.broadcast(s.get(0), dim, s.get(2), s.get(3)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    check(s);
    return new Shape[] {new Shape(s.get(0), dim, s.get(2), s.get(3))};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    tokenProjection.initialize(
        manager, dataType, new Shape(1, 2 * HIDDEN, shapes[0].get(2), shapes[0].get(3)));
  }
}
