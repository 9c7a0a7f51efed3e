package org.attnzoo.backbones;

import java.util.List;

/** Stochastic-depth rates as timm spreads them over a network's blocks. */
public final class StochasticDepth {

  private StochasticDepth() {}

  /**
   * timm's {@code calculate_drop_path_rates} (and DeiT's {@code torch.linspace(0, rate, total)}): a
   * linear ramp from 0 at the first block to {@code rate} at the last, over all stages.
   *
   * @param depths blocks per stage
   * @param rate the last block's rate
   * @return the rate of each block, per stage
   */
  public static float[][] linear(List<Integer> depths, float rate) {
    int total = depths.stream().mapToInt(Integer::intValue).sum();
    float[][] out = new float[depths.size()][];
    int k = 0;
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[depths.get(i)];
      for (int j = 0; j < out[i].length; j++, k++) {
        out[i][j] = total == 1 ? 0f : rate * k / (total - 1);
      }
    }
    return out;
  }
}
