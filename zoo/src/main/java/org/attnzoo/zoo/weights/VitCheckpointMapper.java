package org.attnzoo.zoo.weights;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.io.Tensor;

/**
 * ViT's checkpoint mapping: attnzoo's ViT carries timm's names, so parameter paths are the keys. A
 * position embedding trained at another input size is resampled to the model's patch grid as timm
 * 1.0.29's {@code vision_transformer.checkpoint_filter_fn} does: {@code resample_abs_pos_embed} to
 * {@code patch_embed.grid_size}, bicubic with antialiasing (the filter's defaults), the class token
 * kept (see {@link PosEmbedResample}).
 */
public final class VitCheckpointMapper implements CheckpointMapper {

  /** The one instance. */
  public static final VitCheckpointMapper INSTANCE = new VitCheckpointMapper();

  private VitCheckpointMapper() {}

  @Override
  public String checkpointKey(String parameterPath) {
    return parameterPath;
  }

  @Override
  public Tensor adapt(Block block, String parameterPath, Tensor value, Shape target) {
    if (!"pos_embed".equals(parameterPath) || !(block instanceof VisionTransformer vit)) {
      return value;
    }
    VitConfig config = vit.getConfig();
    Shape s = value.shape();
    // timm resamples only when the token count differs; a different width is a plain mismatch.
    if (s.dimension() != 3 || s.get(2) != config.embedDim() || s.get(1) == target.get(1)) {
      return value;
    }
    int prefix = config.classToken() ? 1 : 0;
    return PosEmbedResample.resampleAbsPosEmbed(
        value, config.gridHeight(), config.gridWidth(), prefix, true);
  }
}
