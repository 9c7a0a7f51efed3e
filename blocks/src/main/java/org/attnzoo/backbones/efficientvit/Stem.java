package org.attnzoo.backbones.efficientvit;

import org.attnzoo.nn.ConvNormAct;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.NamedSequential;

/**
 * EfficientViT's input stem, timm's {@code efficientvit_mit.Stem}: a stride-2 3x3 {@code in_conv}
 * then {@code depth} residual {@link DSConv} blocks {@code res0, res1, ...}.
 */
public class Stem extends NamedSequential {

  /**
   * @param inChans image channels
   * @param width stem channels
   * @param depth residual depth-wise separable blocks
   * @param act activation
   */
  public Stem(int inChans, long width, int depth, Act act) {
    add("in_conv", new ConvNormAct(inChans, width, 3, 2, 1, false, true, act));
    for (int i = 0; i < depth; i++) {
      add("res" + i, new ResidualBlock(new DSConv(width, width, 1, act), true));
    }
  }
}
