package org.attnzoo.backbones.efficientvit;

import org.attnzoo.nn.Checks;
import org.attnzoo.nn.ConvNormAct;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.NamedSequential;

/**
 * Inverted bottleneck (MobileNetV2), timm's {@code efficientvit_mit.MBConv}: point-wise expansion
 * {@code inverted_conv}, depth-wise 3x3 {@code depth_conv}, point-wise projection {@code
 * point_conv}. With {@code fewerNorm} (EfficientViT's attention stages) the first two convolutions
 * carry a bias instead of a BatchNorm; the projection always ends in BatchNorm without activation.
 */
public class MBConv extends NamedSequential {

  /**
   * @param inChannels input channels
   * @param outChannels output channels
   * @param stride stride of the depth-wise convolution
   * @param expandRatio hidden width relative to {@code inChannels} (rounded)
   * @param fewerNorm bias instead of BatchNorm on the first two convolutions
   * @param act activation after the first two convolutions
   */
  public MBConv(
      long inChannels,
      long outChannels,
      int stride,
      double expandRatio,
      boolean fewerNorm,
      Act act) {
    long mid = Math.round(inChannels * expandRatio);
    Checks.positive("MBConv hidden channels", mid);
    add("inverted_conv", new ConvNormAct(inChannels, mid, 1, 1, 1, fewerNorm, !fewerNorm, act));
    add("depth_conv", new ConvNormAct(mid, mid, 3, stride, (int) mid, fewerNorm, !fewerNorm, act));
    add("point_conv", new ConvNormAct(mid, outChannels, 1, 1, 1, false, true, Act.NONE));
  }
}
