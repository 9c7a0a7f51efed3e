package org.attnzoo.backbones.efficientvit;

import org.attnzoo.nn.ConvNormAct;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.NamedSequential;

/**
 * Depth-wise separable convolution, timm's {@code DSConv}: a depth-wise 3x3 {@code depth_conv}
 * (BatchNorm, activation) then a point-wise {@code point_conv} (BatchNorm, no activation).
 */
public class DSConv extends NamedSequential {

  /**
   * @param inChannels input channels
   * @param outChannels output channels
   * @param stride stride of the depth-wise convolution
   * @param act activation after the depth-wise convolution
   */
  public DSConv(long inChannels, long outChannels, int stride, Act act) {
    add(
        "depth_conv",
        new ConvNormAct(inChannels, inChannels, 3, stride, (int) inChannels, false, true, act));
    add("point_conv", new ConvNormAct(inChannels, outChannels, 1, 1, 1, false, true, Act.NONE));
  }
}
