package org.attnzoo.zoo.weights;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import org.attnzoo.zoo.io.Tensor;

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

  /**
   * Adapts a checkpoint tensor whose shape differs from its parameter's, as the reference's
   * checkpoint filter does (timm's {@code checkpoint_filter_fn}, e.g. a position embedding trained
   * at another input size). The importer checks the shape again afterwards.
   *
   * @param block the block being loaded, whose configuration gives the target layout
   * @param parameterPath the attnzoo parameter path
   * @param value the checkpoint tensor
   * @param target the parameter's shape
   * @return the adapted tensor, or {@code value} when no rule applies
   */
  default Tensor adapt(Block block, String parameterPath, Tensor value, Shape target) {
    return value;
  }

  /** Parameter paths equal checkpoint keys: for families whose blocks carry timm's names. */
  CheckpointMapper IDENTITY = path -> path;
}
