package org.attnzoo.training.recipe;

import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which parameters get weight decay, decided as timm's {@code param_groups_weight_decay}: no decay
 * for tensors with at most one dimension (biases, norm weights, layer scales) and for parameters
 * whose last path segment is in {@link #NO_DECAY_NAMES} (position embeddings, class tokens,
 * relative-position tables, temperatures: the models' {@code no_weight_decay()} sets).
 */
public final class ParameterGroups {

  /** Parameter names (last path segment) that never decay, whatever their rank. */
  public static final Set<String> NO_DECAY_NAMES =
      Set.of(
          "pos_embed",
          "cls_token",
          "dist_token",
          "reg_token",
          "absolute_pos_embed",
          "relative_position_bias_table",
          "rel_pos_h",
          "rel_pos_w",
          "temperature",
          "logit_scale",
          "gamma",
          "gamma_1",
          "gamma_2");

  private ParameterGroups() {}

  /**
   * @param path dotted parameter path (see {@code ParameterPaths})
   * @param ndim the parameter's number of dimensions
   * @return whether weight decay applies
   */
  public static boolean decays(String path, int ndim) {
    String last = path.substring(path.lastIndexOf('.') + 1);
    return ndim > 1 && !NO_DECAY_NAMES.contains(last);
  }

  /**
   * @param params parameters by dotted path
   * @return for each path, whether it decays (same order)
   */
  public static Map<String, Boolean> of(Map<String, Parameter> params) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    params.forEach((path, p) -> out.put(path, decays(path, p.getArray().getShape().dimension())));
    return out;
  }
}
