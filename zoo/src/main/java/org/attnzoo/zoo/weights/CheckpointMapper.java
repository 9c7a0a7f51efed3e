package org.attnzoo.zoo.weights;

/**
 * Maps attnzoo parameter paths (see {@link org.attnzoo.nn.ParameterPaths}) onto the keys of a
 * reference checkpoint (a timm or official {@code state_dict}). One per architecture family; each
 * is a pure function so that it can be tested without weights.
 */
public interface CheckpointMapper {

  /**
   * @param parameterPath an attnzoo parameter path, e.g. {@code blocks.0.norm1.weight}
   * @return the checkpoint key holding its value
   */
  String checkpointKey(String parameterPath);

  /**
   * Checkpoint entries that attnzoo derives instead of loading (constant buffers such as Swin's
   * relative-position index, or BatchNorm's batch counter).
   *
   * @param checkpointKey a key of the checkpoint
   * @return true if the key is deliberately not used
   */
  default boolean isDerived(String checkpointKey) {
    return checkpointKey.endsWith("num_batches_tracked");
  }

  /** Parameter paths equal checkpoint keys: for families whose blocks carry timm's names. */
  CheckpointMapper IDENTITY = path -> path;
}
