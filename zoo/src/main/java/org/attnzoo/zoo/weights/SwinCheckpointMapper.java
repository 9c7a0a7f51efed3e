package org.attnzoo.zoo.weights;

/**
 * Swin's checkpoint mapping: attnzoo's Swin blocks carry timm 1.0.29's names, so parameter paths
 * are the keys; only the constant buffers that some checkpoints still store (the original Microsoft
 * checkpoints and older timm exports: {@code relative_position_index}, {@code attn_mask}) are
 * derived by attnzoo instead of loaded.
 */
public final class SwinCheckpointMapper implements CheckpointMapper {

  /** The one instance. */
  public static final SwinCheckpointMapper INSTANCE = new SwinCheckpointMapper();

  private SwinCheckpointMapper() {}

  @Override
  public String checkpointKey(String parameterPath) {
    return parameterPath;
  }

  @Override
  public boolean isDerived(String checkpointKey) {
    return CheckpointMapper.super.isDerived(checkpointKey)
        || checkpointKey.endsWith(".relative_position_index")
        || checkpointKey.endsWith(".attn_mask");
  }
}
