package org.attnzoo.backbones.efficientvit;

import ai.djl.nn.Block;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.NamedSequential;

/**
 * One resolution stage, timm's {@code EfficientVitStage}: {@code blocks.0} halves the resolution
 * (an inverted bottleneck without shortcut); a convolutional stage then adds {@code depth - 1}
 * residual bottlenecks, an attention stage {@code depth} {@link EfficientVitBlock}s.
 */
public class EfficientVitStage extends NamedSequential {

  /**
   * @param inChannels input channels
   * @param outChannels output channels
   * @param depth blocks as counted by timm (see the class comment)
   * @param expandRatio bottleneck expansion
   * @param headDim channels per attention head (attention stages)
   * @param vitStage whether this stage holds attention blocks
   * @param act activation
   */
  public EfficientVitStage(
      long inChannels,
      long outChannels,
      int depth,
      double expandRatio,
      int headDim,
      boolean vitStage,
      Act act) {
    add(
        "blocks.0",
        new ResidualBlock(
            localBlock(inChannels, outChannels, 2, expandRatio, vitStage, act), false));
    if (vitStage) {
      for (int i = 0; i < depth; i++) {
        add("blocks." + (i + 1), new EfficientVitBlock(outChannels, headDim, expandRatio, act));
      }
    } else {
      for (int i = 1; i < depth; i++) {
        add(
            "blocks." + i,
            new ResidualBlock(
                localBlock(outChannels, outChannels, 1, expandRatio, false, act), true));
      }
    }
  }

  /** timm's {@code build_local_block}: a separable convolution at ratio 1, else a bottleneck. */
  private static Block localBlock(
      long in, long out, int stride, double expandRatio, boolean fewerNorm, Act act) {
    if (expandRatio == 1) {
      if (fewerNorm) {
        throw new IllegalArgumentException(
            "EfficientVitStage: an attention stage needs expandRatio != 1, got 1");
      }
      return new DSConv(in, out, stride, act);
    }
    return new MBConv(in, out, stride, expandRatio, fewerNorm, act);
  }
}
