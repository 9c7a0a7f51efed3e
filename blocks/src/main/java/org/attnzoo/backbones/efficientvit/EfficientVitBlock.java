package org.attnzoo.backbones.efficientvit;

import org.attnzoo.attention.LiteMultiScaleAttention;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.NamedSequential;

/**
 * EfficientViT's attention block, timm's {@code EfficientVitBlock}: {@code context_module}
 * (residual lightweight multi-scale linear attention, global context) then {@code local_module}
 * (residual {@link MBConv} with biases instead of the first two norms, local information).
 */
public class EfficientVitBlock extends NamedSequential {

  /**
   * @param channels input and output channels
   * @param headDim channels per attention head
   * @param expandRatio MBConv hidden width relative to {@code channels}
   * @param act the MBConv activation
   */
  public EfficientVitBlock(long channels, int headDim, double expandRatio, Act act) {
    add("context_module", new ResidualBlock(new LiteMultiScaleAttention(channels, headDim), true));
    add(
        "local_module",
        new ResidualBlock(new MBConv(channels, channels, 1, expandRatio, true, act), true));
  }
}
