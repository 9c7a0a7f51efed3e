package org.attnzoo.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Dotted, PyTorch-style names for a block's parameters, e.g. {@code blocks.0.attn.qkv.weight}.
 *
 * <p>DJL prefixes each child's name with its position ({@code 01attn}) and joins levels with {@code
 * _}; attnzoo children are named after the reference implementation's attributes, so stripping the
 * positional prefix and joining with dots yields the reference's own state-dict keys for most
 * parameters. Checkpoint mappers only handle the remaining differences.
 */
public final class ParameterPaths {

  private ParameterPaths() {}

  /**
   * @param block the root block
   * @return every parameter by its dotted path, in DJL's parameter order (the {@code .params}
   *     order)
   */
  public static Map<String, Parameter> of(Block block) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect(block, "", out);
    return out;
  }

  private static void collect(Block block, String prefix, Map<String, Parameter> out) {
    // DJL's Block.getParameters() lists direct parameters first, then the children's.
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      out.put(prefix + p.getKey(), p.getValue());
    }
    int index = 1;
    for (Pair<String, Block> child : block.getChildren()) {
      String position = String.format(Locale.ROOT, "%02d", index++);
      String name = child.getKey();
      if (name.startsWith(position)) {
        name = name.substring(position.length());
      }
      collect(child.getValue(), prefix + name + ".", out);
    }
  }
}
