package org.attnzoo.zoo.weights;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import org.attnzoo.zoo.io.Tensor;

/**
 * Swin's checkpoint mapping: attnzoo's Swin blocks carry timm 1.0.29's names, so parameter paths
 * are the keys; only the constant buffers that some checkpoints still store (the original Microsoft
 * checkpoints and older timm exports: {@code relative_position_index}, {@code attn_mask}) are
 * derived by attnzoo instead of loaded. Bias tables trained with another window are resized.
 */
public final class SwinCheckpointMapper implements CheckpointMapper {

  /** The one instance. */
  public static final SwinCheckpointMapper INSTANCE = new SwinCheckpointMapper();

  private SwinCheckpointMapper() {}

  @Override
  public String checkpointKey(String parameterPath) {
    return parameterPath;
  }

  /**
   * A relative-position bias table trained with another window is resized to the model's window as
   * timm's {@code swin_transformer.checkpoint_filter_fn} does ({@link RelPosBiasResize}).
   */
  @Override
  public Tensor adapt(Block block, String parameterPath, Tensor value, Shape target) {
    if (!parameterPath.endsWith("relative_position_bias_table")
        || value.shape().dimension() != 2
        || target.dimension() != 2
        || value.shape().get(1) != target.get(1)) {
      return value;
    }
    long side = Math.round(Math.sqrt(target.get(0)));
    if (side * side != target.get(0) || side % 2 == 0) {
      return value;
    }
    return RelPosBiasResize.resize(value, (int) (side + 1) / 2);
  }

  @Override
  public boolean isDerived(String checkpointKey) {
    return CheckpointMapper.super.isDerived(checkpointKey)
        || checkpointKey.endsWith(".relative_position_index")
        || checkpointKey.endsWith(".attn_mask");
  }
}
